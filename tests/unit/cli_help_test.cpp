// CLI conventions: --help anywhere prints that command's usage and exits 0 (never taken as an
// argument), and `herald serve` without --config says which file it loaded.
#include <gtest/gtest.h>

#include "support/run_process.hpp"
#include "support/temp_dir.hpp"

namespace herald {
namespace {

TEST(CliHelp, EveryCommandHasHelpThatExitsZero) {
    for (const char* command : {"serve", "post", "emit", "events", "dlq", "reload", "plugin", "config", "route"}) {
        const auto r = test::run_process(std::string(HERALD_BINARY) + " " + command + " --help 2>&1");
        EXPECT_EQ(r.exit_status, 0) << command << ": " << r.output;
        EXPECT_EQ(r.output.rfind(std::string("usage: herald ") + command, 0), 0u) << r.output;
        const auto via_help = test::run_process(std::string(HERALD_BINARY) + " help " + command + " 2>&1");
        EXPECT_EQ(via_help.output, r.output);
    }
}

TEST(CliHelp, HelpIsNeverTakenAsAnArgument) {
    // Would otherwise ask the admin API for an event called "--help".
    const auto r =
        test::run_process(std::string(HERALD_BINARY) + " events show --help --admin http://127.0.0.1:1 2>&1");
    EXPECT_EQ(r.exit_status, 0) << r.output;
    EXPECT_EQ(r.output.rfind("usage: herald events show", 0), 0u) << r.output;
}

TEST(CliHelp, UnknownCommandIsAUsageError) {
    const auto r = test::run_process(std::string(HERALD_BINARY) + " nope --help 2>&1");
    EXPECT_EQ(r.exit_status, 2);
    EXPECT_NE(r.output.find("unknown command 'nope'"), std::string::npos) << r.output;
}

TEST(ServeDefaultConfig, SaysWhichFileItLoadedOrThatThereIsNone) {
    test::TempDir dir;
    const std::string in_dir = "cd " + dir.path().string() + " && ";
    if (!std::filesystem::exists("/etc/herald/herald.yaml")) {
        const auto none = test::run_process(in_dir + HERALD_BINARY + " serve 2>&1");
        EXPECT_EQ(none.exit_status, 2) << none.output;
        EXPECT_NE(none.output.find("neither /etc/herald/herald.yaml nor config/herald.yaml exists"), std::string::npos)
            << none.output;
        dir.write("config/herald.yaml", "version: 1\n");  // found, then refused for its errors
        const auto found = test::run_process(in_dir + HERALD_BINARY + " serve 2>&1");
        EXPECT_EQ(found.exit_status, 1) << found.output;
        EXPECT_NE(found.output.find("no --config given; using config/herald.yaml"), std::string::npos) << found.output;
    }
}

}  // namespace
}  // namespace herald
