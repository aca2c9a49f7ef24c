#include <gtest/gtest.h>

#include <herald/conformance.hpp>

TEST(EchoPlugin, PassesTheConformanceKit) {
    const auto plugin = herald::conformance::open_plugin(ECHO_PLUGIN);
    ASSERT_NE(plugin.descriptor, nullptr) << plugin.error;
    herald::conformance::Options options;
    options.required_body_fields = {"/id", "/service"};
    const auto report = herald::conformance::run(*plugin.descriptor, options);
    EXPECT_TRUE(report.passed()) << report.text();
}
