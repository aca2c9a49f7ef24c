#include "admin/dlq_query.hpp"

#include <chrono>

#include "admin/whole_number.hpp"
#include "event/rfc3339.hpp"

namespace herald {
namespace {

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

// Reads the dead-letter filters of a query string. Every value is checked: a filter that is
// misread widens what a bulk operation touches, so anything unknown or malformed is refused.
std::variant<DlqQuery, std::string> read_dlq_query(const boost::urls::params_view& params, bool for_replay) {
    using Result = std::variant<DlqQuery, std::string>;
    DlqQuery q;
    q.filter.limit = for_replay ? 100000 : 50;
    for (const auto& p : params) {
        const std::string key(p.key);
        const std::string value(p.value);
        if (key == "team") {
            q.filter.team = value;
        } else if (key == "channel") {
            q.filter.channel = value;
        } else if (key == "since") {
            const auto since = parse_since(value, now_ms());
            if (!since) {
                return Result(std::in_place_index<1>, "since: '" + value +
                                                          "' is not a duration (90s, 15m, 1h, 2d, 1w), an RFC 3339 "
                                                          "timestamp or unix milliseconds");
            }
            q.filter.since_ms = *since;
        } else if (key == "after" && !for_replay) {
            const auto after = whole_number(value);
            if (!after || *after < 0) return Result(std::in_place_index<1>, "after: must be a job id (0 or more)");
            q.filter.after_id = *after;
        } else if (key == "limit" && !for_replay) {
            const auto limit = whole_number(value);
            if (!limit || *limit < 1 || *limit > 1000) {
                return Result(std::in_place_index<1>, "limit: must be a whole number from 1 to 1000");
            }
            q.filter.limit = static_cast<int>(*limit);
        } else if (key == "dry_run" && for_replay) {
            if (value != "true" && value != "false")
                return Result(std::in_place_index<1>, "dry_run: must be true or false");
            q.dry_run = value == "true";
        } else {
            return Result(std::in_place_index<1>, "unknown query parameter '" + key + "'");
        }
    }
    return q;
}

}  // namespace herald
