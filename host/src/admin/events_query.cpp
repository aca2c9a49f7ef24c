#include "admin/events_query.hpp"

#include "admin/whole_number.hpp"
#include "event/deploy_event.hpp"
#include "event/rfc3339.hpp"

namespace herald {

std::variant<EventListFilter, std::string> read_events_query(const boost::urls::params_view& params, int64_t now_ms) {
    using Result = std::variant<EventListFilter, std::string>;
    EventListFilter f;
    for (const auto& p : params) {
        const std::string key(p.key);
        const std::string value(p.value);
        if (key == "service") {
            f.service = value;
        } else if (key == "environment") {
            f.environment = value;
        } else if (key == "status") {
            if (!parse_deploy_status(value)) {
                return Result(std::in_place_index<1>, "status: one of started, succeeded, failed, cancelled");
            }
            f.status = value;
        } else if (key == "since") {
            const auto since = parse_since(value, now_ms);
            if (!since) {
                return Result(std::in_place_index<1>, "since: '" + value +
                                                          "' is not a duration (90s, 15m, 1h, 2d, 1w), an RFC 3339 "
                                                          "timestamp or unix milliseconds");
            }
            f.since_ms = *since;
        } else if (key == "before") {
            const auto before = whole_number(value);
            if (!before || *before < 1) return Result(std::in_place_index<1>, "before: an event's seq (1 or more)");
            f.before_seq = *before;
        } else if (key == "limit") {
            const auto limit = whole_number(value);
            if (!limit || *limit < 1 || *limit > 1000) return Result(std::in_place_index<1>, "limit: 1 to 1000");
            f.limit = static_cast<int>(*limit);
        } else {
            return Result(std::in_place_index<1>,
                          "unknown parameter '" + key + "' (service, environment, status, since, before, limit)");
        }
    }
    return f;
}

}  // namespace herald
