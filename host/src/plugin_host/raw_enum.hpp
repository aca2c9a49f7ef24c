// Reads an enum field a plugin wrote as its raw integer: a plugin may store any value there,
// and loading an out-of-range value as the C++ enum type is undefined behaviour.
#pragma once

#include <cstring>
#include <type_traits>

namespace herald {

template <typename Enum>
long long raw_enum(const Enum& field) {
    std::underlying_type_t<Enum> value;
    static_assert(sizeof value == sizeof field);
    std::memcpy(&value, &field, sizeof value);
    return static_cast<long long>(value);
}

}  // namespace herald
