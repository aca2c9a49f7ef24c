#pragma once

#include <string_view>

namespace herald {

// True for an RFC 3339 date-time such as 2026-11-27T07:48:05Z or 2026-11-27T07:48:05.123+01:00,
// with calendar-valid fields (leap years included; a leap second is allowed as :60).
bool is_rfc3339_timestamp(std::string_view text);

}  // namespace herald
