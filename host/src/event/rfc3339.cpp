#include "event/rfc3339.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>

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

namespace herald {

std::optional<int64_t> rfc3339_to_unix_ms(std::string_view t) {
    if (!is_rfc3339_timestamp(t)) return std::nullopt;
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    digits(t, 0, 4, year);
    digits(t, 5, 2, month);
    digits(t, 8, 2, day);
    digits(t, 11, 2, hour);
    digits(t, 14, 2, minute);
    digits(t, 17, 2, second);
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    int64_t ms = static_cast<int64_t>(timegm(&tm)) * 1000;
    size_t pos = 19;
    if (t[pos] == '.') {
        int64_t scale = 100;
        for (++pos; pos < t.size() && std::isdigit(static_cast<unsigned char>(t[pos])); ++pos, scale /= 10) {
            ms += (t[pos] - '0') * scale;
        }
    }
    if (t[pos] == '+' || t[pos] == '-') {
        int oh = 0, om = 0;
        digits(t, pos + 1, 2, oh);
        digits(t, pos + 4, 2, om);
        const int64_t offset_ms = (int64_t{oh} * 60 + om) * 60'000;
        ms += t[pos] == '+' ? -offset_ms : offset_ms;
    }
    return ms;
}

std::optional<int64_t> parse_since(std::string_view text, int64_t now_ms) {
    if (text.empty()) return std::nullopt;
    // A time before the epoch (year 1013, say) means "everything", as a long duration does.
    if (auto at = rfc3339_to_unix_ms(text)) return std::max<int64_t>(*at, 0);
    size_t pos = 0;
    int64_t number = 0;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])) && pos < 15) {
        number = number * 10 + (text[pos++] - '0');
    }
    if (pos == 0) return std::nullopt;
    if (pos == text.size()) return number;  // unix milliseconds
    if (pos + 1 != text.size()) return std::nullopt;
    static constexpr std::pair<char, int64_t> kUnits[] = {
        {'s', 1000}, {'m', 60'000}, {'h', 3'600'000}, {'d', 86'400'000}, {'w', 7 * 86'400'000LL}};
    for (const auto& [unit, ms] : kUnits) {
        if (text[pos] != unit) continue;
        // A duration reaching back before the epoch means "everything"; checking before the
        // multiplication also keeps it inside int64_t.
        if (number > now_ms / ms) return 0;
        return now_ms - number * ms;
    }
    return std::nullopt;
}

}  // namespace herald
