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

// True when some string matches both globs (fnmatch rules). POSIX character classes such as
// [[:alpha:]] are taken as "any character", so the answer errs towards an overlap.
bool globs_overlap(std::string_view a, std::string_view b);

// True when the glob matches every name: a pattern of nothing but `*` (and at most `?`s
// besides, which still takes nearly everything).
bool is_catch_all(std::string_view pattern);

}  // namespace herald
