// The dispatcher's kept allowlist verdicts: a kept verdict must never outlive the allowlist it
// was reached under, nor answer for another channel type.
#include "dispatch/destination_verdicts.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace herald {
namespace {

using ::testing::HasSubstr;
using ::testing::Optional;

std::shared_ptr<const RuntimeConfig> allowing(const std::vector<std::string>& webhook_hosts) {
    HostConfig host;
    host.destinations.hosts["webhook"] = webhook_hosts;
    return RuntimeConfig::make(std::move(host), RoutingTable(RoutingConfig{}));
}

TEST(DestinationVerdicts, AReloadThatNarrowsTheAllowlistRefusesAUrlAllowedBefore) {
    DestinationVerdicts verdicts;
    const std::string url = "https://hooks.example.com/x";
    auto before = allowing({"*.example.com"});
    EXPECT_EQ(verdicts.check(before, "webhook", url), std::nullopt);
    EXPECT_EQ(verdicts.check(before, "webhook", url), std::nullopt);  // kept
    EXPECT_EQ(verdicts.size(), 1u);
    before.reset();  // the reloader drops the old snapshot; the verdicts must not mistake a new one for it
    EXPECT_THAT(verdicts.check(allowing({"other.example.org"}), "webhook", url),
                Optional(HasSubstr("'hooks.example.com' is not allowed")));
}

TEST(DestinationVerdicts, AVerdictAnswersOnlyForItsChannelType) {
    DestinationVerdicts verdicts;
    const auto config = allowing({"hooks.slack.com"});  // webhook may reach Slack's host; slack keeps its defaults
    const std::string url = "https://hooks.slack.com/services/T/B/x";
    EXPECT_EQ(verdicts.check(config, "webhook", url), std::nullopt);
    EXPECT_EQ(verdicts.check(config, "slack", url), std::nullopt);
    EXPECT_NE(verdicts.check(config, "pagerduty", url), std::nullopt);
    EXPECT_EQ(verdicts.check(config, "webhook", url), std::nullopt);
}

TEST(DestinationVerdicts, ManyDistinctUrlsKeepABoundedNumberOfVerdicts) {
    DestinationVerdicts verdicts;
    const auto config = allowing({"*.example.com"});
    for (int i = 0; i < 10'000; ++i) {
        ASSERT_EQ(verdicts.check(config, "webhook", "https://hooks.example.com/" + std::to_string(i)), std::nullopt);
        ASSERT_NE(verdicts.check(config, "webhook", "https://evil.test/" + std::to_string(i)), std::nullopt);
    }
    EXPECT_LE(verdicts.size(), 4096u);
}

}  // namespace
}  // namespace herald
