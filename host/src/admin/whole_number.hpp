// A whole decimal number from a path segment or query value; nullopt unless the whole text is one.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace herald {

inline std::optional<int64_t> whole_number(std::string_view text) {
    int64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return v;
}

}  // namespace herald
