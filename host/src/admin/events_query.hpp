// The event listing's query string: service, environment, status, since, before, limit. Every
// value is checked; anything unknown or malformed is refused with the parameter's name.
#pragma once

#include <boost/url/params_view.hpp>
#include <string>
#include <variant>

#include "store/store.hpp"

namespace herald {

std::variant<EventListFilter, std::string> read_events_query(const boost::urls::params_view& params, int64_t now_ms);

}  // namespace herald
