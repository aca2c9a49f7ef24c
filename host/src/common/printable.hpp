// Makes untrusted text safe to print on a terminal or in a line-oriented log: control
// characters (line breaks, ANSI escapes, NUL, C1 controls) and Unicode bidirectional overrides
// become visible escapes, so a value can neither forge a line nor restyle the screen.
#pragma once

#include <string>
#include <string_view>

namespace herald {

std::string printable(std::string_view text);

}  // namespace herald
