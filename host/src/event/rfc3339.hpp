#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace herald {

// True for an RFC 3339 date-time such as 2026-11-27T07:48:05Z or 2026-11-27T07:48:05.123+01:00,
// with calendar-valid fields (leap years included; a leap second is allowed as :60).
bool is_rfc3339_timestamp(std::string_view text);

// Unix milliseconds of an RFC 3339 timestamp, or nullopt when it is not one.
std::optional<int64_t> rfc3339_to_unix_ms(std::string_view text);

// A point in time for filters such as --since: a duration back from now ("90s", "15m", "1h",
// "2d", "1w"), an RFC 3339 timestamp, or unix milliseconds. nullopt for anything else.
std::optional<int64_t> parse_since(std::string_view text, int64_t now_ms);

}  // namespace herald
