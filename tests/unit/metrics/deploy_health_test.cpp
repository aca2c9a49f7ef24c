// Deploy-health metrics: counts, the failing gauge, time to recover, duration, and the bound on
// label sets that event-supplied service names cannot break.
#include <gtest/gtest.h>

#include "metrics/deploy_health.hpp"

namespace herald {
namespace {

bool has_line(const std::string& text, const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos;
}

TEST(DeployHealth, CountsDeploysAndTracksFailingPairsUntilTheyRecover) {
    MetricsRegistry registry;
    DeployHealth health(registry);
    health.record({"api", "production", "failed", 1'000'000, false, 0, 120.0, "payments"});
    health.record({"api", "production", "failed", 1'100'000, false, 0, std::nullopt, "payments"});
    std::string text = registry.render();
    EXPECT_TRUE(has_line(
        text, R"(herald_deploys_total{service="api",environment="production",status="failed",team="payments"} 2)"))
        << text;
    EXPECT_TRUE(has_line(text, R"(herald_deploy_failing{service="api",environment="production"} 1)")) << text;
    EXPECT_TRUE(has_line(text, R"(herald_deploy_duration_seconds_count{environment="production",status="failed"} 1)"))
        << text;

    // Recovered 10 minutes after the first failure.
    health.record({"api", "production", "succeeded", 1'600'000, true, 1'000'000, std::nullopt, "payments"});
    text = registry.render();
    EXPECT_EQ(text.find(R"(herald_deploy_failing{service="api")"), std::string::npos) << text;
    EXPECT_TRUE(has_line(text, R"(herald_time_to_recover_seconds_count{environment="production",team="payments"} 1)"))
        << text;
    EXPECT_TRUE(has_line(text, R"(herald_time_to_recover_seconds_sum{environment="production",team="payments"} 600)"))
        << text;
    EXPECT_TRUE(
        has_line(text, R"(herald_time_to_recover_seconds_bucket{environment="production",team="payments",le="900"} 1)"))
        << text;
    EXPECT_TRUE(
        has_line(text, R"(herald_time_to_recover_seconds_bucket{environment="production",team="payments",le="300"} 0)"))
        << text;
}

TEST(DeployHealth, StartedAndCancelledDoNotChangeWhetherAPairIsFailing) {
    MetricsRegistry registry;
    DeployHealth health(registry);
    health.record({"api", "production", "failed", 1000, false, 0, std::nullopt, "payments"});
    health.record({"api", "production", "started", 2000, false, 0, std::nullopt, "payments"});
    health.record({"api", "production", "cancelled", 3000, false, 0, std::nullopt, "payments"});
    EXPECT_TRUE(has_line(registry.render(), R"(herald_deploy_failing{service="api",environment="production"} 1)"));
}

TEST(DeployHealth, LabelSetsAreBoundedWithAnOverflowBucket) {
    MetricsRegistry registry;
    DeployHealth health(registry, 2);
    for (int i = 0; i < 50; ++i)
        health.record({"svc-" + std::to_string(i), "production", "failed", 1, false, 0, {}, "payments"});
    const std::string text = registry.render();
    EXPECT_TRUE(has_line(
        text, R"(herald_deploys_total{service="svc-0",environment="production",status="failed",team="payments"} 1)"));
    EXPECT_TRUE(has_line(
        text, R"(herald_deploys_total{service="svc-1",environment="production",status="failed",team="payments"} 1)"));
    EXPECT_TRUE(has_line(
        text, R"(herald_deploys_total{service="_other",environment="_other",status="failed",team="payments"} 48)"))
        << text;
    EXPECT_EQ(text.find("svc-2"), std::string::npos);
    EXPECT_EQ(text.find(R"(herald_deploy_failing{service="_other")"), std::string::npos);  // no overflow pair
}

TEST(DeployHealth, FailingPairsSeededFromTheStoreSurviveARestart) {
    MetricsRegistry registry;
    DeployHealth health(registry);
    health.seed_failing({{"api", "production"}});
    EXPECT_TRUE(has_line(registry.render(), R"(herald_deploy_failing{service="api",environment="production"} 1)"));
}

}  // namespace
}  // namespace herald
