// The longest prefix of UTF-8 text within a byte budget that does not end inside a character:
// cutting by bytes alone can leave half a character, which is no longer valid UTF-8 (nor JSON).
#pragma once

#include <cstddef>
#include <string_view>

namespace herald {

inline std::string_view utf8_prefix(std::string_view text, size_t max_bytes) {
    if (text.size() <= max_bytes) return text;
    size_t end = max_bytes;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    return text.substr(0, end);
}

}  // namespace herald
