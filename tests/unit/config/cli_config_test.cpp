// The config commands as a user runs them: the example config passes, findings print as
// file:line:column, exit status tells, and secrets never reach the output.
#include <gtest/gtest.h>

#include <cstdlib>

#include "support/run_process.hpp"
#include "support/temp_dir.hpp"

namespace herald {
namespace {

const std::string kHerald = HERALD_BINARY;
const std::string kPlugins = std::string(" --plugins ") + HERALD_PLUGIN_DIR;
const std::string kExample = std::string(HERALD_SOURCE_DIR) + "/config/herald.yaml";

TEST(ConfigCheckCommand, ExampleConfigPasses) {
    const auto r = test::run_process(kHerald + " config check " + kExample + kPlugins + " 2>&1");
    EXPECT_EQ(r.exit_status, 0) << r.output;
    EXPECT_NE(r.output.find("config check: 0 errors, 0 warnings (6 teams"), std::string::npos) << r.output;
}

TEST(ConfigCheckCommand, ExampleConfigPassesWithSecretsResolved) {
    const std::string env = ". " + std::string(HERALD_SOURCE_DIR) + "/config/local.env && ";
    const auto r =
        test::run_process(env + kHerald + " config check " + kExample + kPlugins + " --resolve-secrets 2>&1");
    EXPECT_EQ(r.exit_status, 0) << r.output;
}

TEST(ConfigCheckCommand, ErrorsPrintWithPositionAndExitOne) {
    test::TempDir dir;
    dir.write("routing/a.yaml", "version: 1\nteam: a\nchannels:\n  - name: d\n    type: slak\n");
    const auto r =
        test::run_process(kHerald + " config check " + (dir.path() / "routing").string() + kPlugins + " 2>&1");
    EXPECT_EQ(r.exit_status, 1);
    EXPECT_NE(r.output.find((dir.path() / "routing/a.yaml").string() +
                            ":5:11: error: unknown channel type 'slak'; did you mean 'slack'?"),
              std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("config check: 1 error, 0 warnings"), std::string::npos) << r.output;
}

TEST(RouteTestCommand, ShowsDestinationsAndMasksSecretsInRenderedRequests) {
    const std::string env = ". " + std::string(HERALD_SOURCE_DIR) + "/config/local.env && ";
    const std::string event = std::string(HERALD_SOURCE_DIR) + "/config/events/failed-with-rollback.json";
    const auto r = test::run_process(env + kHerald + " route test --config " + kExample + " --event " + event +
                                     kPlugins + " --render 2>&1");
    EXPECT_EQ(r.exit_status, 0) << r.output;
    EXPECT_NE(r.output.find("-> 3 destinations"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("payments/payments-deploys (slack): owner: service 'payments-api'"), std::string::npos);
    EXPECT_NE(r.output.find("sre/sre-pager (pagerduty): subscription 'sre/production-failures'"), std::string::npos);
    EXPECT_NE(r.output.find("\"event_action\":\"trigger\""), std::string::npos) << r.output;
    // The values from local.env never appear; masks do.
    EXPECT_EQ(r.output.find("0123456789abcdef0123456789abcdef"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("B0PAYMENTS"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("\"routing_key\":\"****\""), std::string::npos) << r.output;
}

TEST(RouteTestCommand, InvalidEventIsReportedByField) {
    test::TempDir dir;
    const auto event = dir.write("e.json", R"({"id":"x","service":"s","environment":"prod","status":"failed"})");
    const auto r = test::run_process(kHerald + " route test --config " + kExample + " --event " + event.string() +
                                     kPlugins + " 2>&1");
    EXPECT_EQ(r.exit_status, 1);
    EXPECT_NE(r.output.find("error: commit.sha: required when status is \"failed\""), std::string::npos) << r.output;
}

}  // namespace
}  // namespace herald
