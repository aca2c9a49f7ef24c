#pragma once

#include <fnmatch.h>

#include <string>
#include <string_view>

namespace herald {

// Shell-style glob (`*`, `?`, `[a-z]`), as fnmatch(3) defines it.
inline bool glob_match(const std::string& pattern, const std::string& text) {
    return fnmatch(pattern.c_str(), text.c_str(), 0) == 0;
}

inline bool is_glob(std::string_view pattern) { return pattern.find_first_of("*?[") != std::string_view::npos; }

}  // namespace herald
