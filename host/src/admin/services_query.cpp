#include "admin/services_query.hpp"

#include "admin/whole_number.hpp"

namespace herald {

std::variant<ServiceStatusFilter, std::string> read_services_query(const boost::urls::params_view& params) {
    using Result = std::variant<ServiceStatusFilter, std::string>;
    ServiceStatusFilter f;
    for (const auto& p : params) {
        const std::string key(p.key);
        const std::string value(p.value);
        if (key == "search") {
            if (value.size() > 200) return Result(std::in_place_index<1>, "search: at most 200 characters");
            f.search = value;
        } else if (key == "offset") {
            const auto offset = whole_number(value);
            if (!offset || *offset < 0) return Result(std::in_place_index<1>, "offset: 0 or more");
            f.offset = *offset;
        } else if (key == "limit") {
            const auto limit = whole_number(value);
            if (!limit || *limit < 1 || *limit > 500) return Result(std::in_place_index<1>, "limit: 1 to 500");
            f.limit = static_cast<int>(*limit);
        } else {
            return Result(std::in_place_index<1>, "unknown parameter '" + key + "' (search, offset, limit)");
        }
    }
    return f;
}

}  // namespace herald
