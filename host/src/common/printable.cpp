#include "common/printable.hpp"

#include <cstdio>

namespace herald {
namespace {

void hex_escape(std::string& out, unsigned value, const char* format) {
    char buf[16];
    std::snprintf(buf, sizeof buf, format, value);
    out += buf;
}

}  // namespace

std::string printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        const auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
        if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c < 0x20 || c == 0x7F) {
            hex_escape(out, c, "\\x%02x");
        } else if (c == 0xC2 && next >= 0x80 && next <= 0x9F) {  // C1 controls, U+0080..U+009F
            hex_escape(out, next, "\\u%04x");
            ++i;
        } else if (c == 0xE2 && i + 2 < text.size() &&
                   ((next == 0x80 && static_cast<unsigned char>(text[i + 2]) >= 0xAA &&
                     static_cast<unsigned char>(text[i + 2]) <= 0xAE) ||
                    (next == 0x81 && static_cast<unsigned char>(text[i + 2]) >= 0xA6 &&
                     static_cast<unsigned char>(text[i + 2]) <= 0xA9))) {  // bidi overrides and isolates
            const unsigned code = 0x2000u + ((next & 0x3Fu) << 6) + (static_cast<unsigned char>(text[i + 2]) & 0x3Fu);
            hex_escape(out, code, "\\u%04x");
            i += 2;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

}  // namespace herald
