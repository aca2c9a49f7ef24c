#include "event/rfc3339.hpp"

#include <cctype>

namespace herald {
namespace {

bool digits(std::string_view text, size_t pos, size_t count, int& value) {
    if (pos + count > text.size()) return false;
    value = 0;
    for (size_t i = pos; i < pos + count; ++i) {
        if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
        value = value * 10 + (text[i] - '0');
    }
    return true;
}

int days_in_month(int year, int month) {
    static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

}  // namespace

bool is_rfc3339_timestamp(std::string_view t) {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!digits(t, 0, 4, year) || t.size() < 20 || t[4] != '-' || !digits(t, 5, 2, month) || t[7] != '-' ||
        !digits(t, 8, 2, day) || (t[10] != 'T' && t[10] != 't' && t[10] != ' ') || !digits(t, 11, 2, hour) ||
        t[13] != ':' || !digits(t, 14, 2, minute) || t[16] != ':' || !digits(t, 17, 2, second)) {
        return false;
    }
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 || minute > 59 ||
        second > 60) {
        return false;
    }
    size_t pos = 19;
    if (t[pos] == '.') {
        const size_t start = ++pos;
        while (pos < t.size() && std::isdigit(static_cast<unsigned char>(t[pos]))) ++pos;
        if (pos == start) return false;
    }
    if (pos >= t.size()) return false;
    if ((t[pos] == 'Z' || t[pos] == 'z') && pos + 1 == t.size()) return true;
    if (t[pos] != '+' && t[pos] != '-') return false;
    int offset_hour = 0, offset_minute = 0;
    return pos + 6 == t.size() && digits(t, pos + 1, 2, offset_hour) && t[pos + 3] == ':' &&
           digits(t, pos + 4, 2, offset_minute) && offset_hour <= 23 && offset_minute <= 59;
}

}  // namespace herald
