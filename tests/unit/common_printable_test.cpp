// printable(): what the CLI and text logs show of untrusted text.
#include <gtest/gtest.h>

#include "common/printable.hpp"

namespace herald {
namespace {

TEST(Printable, ControlCharactersBecomeVisibleEscapes) {
    EXPECT_EQ(printable("a\nb\r\tc"), "a\\nb\\r\\tc");
    EXPECT_EQ(printable("\x1b[31mred"), "\\x1b[31mred");
    EXPECT_EQ(printable(std::string("nul\0x", 5)), "nul\\x00x");
    EXPECT_EQ(printable("\xc2\x9b"
                        "2J"),
              "\\u009b2J");  // C1 CSI
    EXPECT_EQ(printable("\xe2\x80\xae"
                        "txt"),
              "\\u202etxt");                                 // right-to-left override
    EXPECT_EQ(printable("Ошибка — «ok»"), "Ошибка — «ok»");  // ordinary Unicode unchanged
}

}  // namespace
}  // namespace herald
