// The conformance kit, run on every shipped plugin as a plugin author would run it.
#include <gtest/gtest.h>

#include <herald/conformance.hpp>

namespace herald {
namespace {

struct KitCase {
    std::string plugin;
    std::vector<std::string> required_fields;
    std::string settings;  // empty: the kit synthesises them
};

void PrintTo(const KitCase& c, std::ostream* os) { *os << c.plugin; }

class ConformanceTest : public ::testing::TestWithParam<KitCase> {};

TEST_P(ConformanceTest, PluginPassesTheKit) {
    const auto opened = conformance::open_plugin(std::string(HERALD_PLUGIN_DIR) + "/" + GetParam().plugin + ".so");
    ASSERT_NE(opened.descriptor, nullptr) << opened.error;
    conformance::Options options;
    options.required_body_fields = GetParam().required_fields;
    options.settings_json = GetParam().settings;
    const auto report = conformance::run(*opened.descriptor, options);
    EXPECT_TRUE(report.passed()) << report.text();
    EXPECT_GT(report.checks_run, 50u);
}

INSTANTIATE_TEST_SUITE_P(
    Plugins, ConformanceTest,
    ::testing::Values(KitCase{"slack", {"/text", "/blocks"}, ""},
                      KitCase{"teams", {"/type", "/attachments/0/content/body"}, ""},
                      KitCase{"pagerduty", {"/routing_key"}, R"({"routing_key":"0123456789abcdef0123456789abcdef"})"},
                      KitCase{"webhook", {"/event/id", "/context"}, ""}),
    [](const auto& param_info) { return param_info.param.plugin; });

// The kit must be able to fail: a plugin that treats every answer as a rejection fails it.
TEST(ConformanceKit, FailsAPluginThatBreaksTheContract) {
    const auto opened = conformance::open_plugin(std::string(HERALD_TEST_ZOO_DIR) + "/good.so");
    ASSERT_NE(opened.descriptor, nullptr) << opened.error;
    const auto report = conformance::run(*opened.descriptor);
    EXPECT_FALSE(report.passed());
    EXPECT_NE(report.text().find("FAIL classify/429-retry-after: rejected, expected retry"), std::string::npos)
        << report.text();
    EXPECT_NE(report.text().find("FAIL create/requires-url"), std::string::npos) << report.text();
}

}  // namespace
}  // namespace herald
