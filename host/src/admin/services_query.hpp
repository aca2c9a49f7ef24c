// The services grid's query string: search, offset, limit. Anything unknown or malformed is
// refused with the parameter's name.
#pragma once

#include <boost/url/params_view.hpp>
#include <string>
#include <variant>

#include "store/store.hpp"

namespace herald {

std::variant<ServiceStatusFilter, std::string> read_services_query(const boost::urls::params_view& params);

}  // namespace herald
