// Routing: ownership, globs, the team override, filters, subscriptions, fallback and dedupe.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "plugins/plugin_fixture.hpp"
#include "routing/routing_loader.hpp"
#include "support/temp_dir.hpp"

namespace herald {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const PluginRegistry& plugins() { return test::real_plugins(); }

std::string channel(const std::string& name, const std::string& url, const std::string& extra = "") {
    return "  - name: " + name + "\n    type: webhook\n    settings:\n      url: " + url + "\n" + extra;
}

class Router : public ::testing::Test {
 protected:
    void SetUp() override {
        dir_.write("routing/payments.yaml",
                   "version: 1\nteam: payments\nservices: [payments-api, \"payments-*\"]\nchannels:\n" +
                       channel("failures", "https://h/payments") +
                       channel("everything", "https://h/payments-all", "    statuses: ['*']\n") +
                       channel("shared-alerts", "https://h/shared", "    environments: [production]\n"));
        dir_.write("routing/payments-admin.yaml",
                   "version: 1\nteam: payments-admin\nservices: [\"billing-admin-*\"]\nchannels:\n" +
                       channel("admin", "https://h/admin"));
        dir_.write("routing/data.yaml", "version: 1\nteam: data\nservices: [etl]\nchannels:\n" +
                                            channel("eu-only", "https://h/data", "    labels: {region: 'eu-*'}\n"));
        dir_.write("routing/sre.yaml",
                   "version: 1\nteam: sre\nservices: []\nchannels:\n" + channel("pager", "https://h/pager") +
                       channel("alerts-too", "https://h/shared") +
                       "subscriptions:\n  - name: prod-failures\n    channel: pager\n    environments: [production]\n"
                       "  - name: payments-watch\n    channel: alerts-too\n    services: ['payments-*']\n"
                       "    environments: [production]\n");
        host_file_ = dir_.write("herald.yaml",
                                "version: 1\nrouting:\n  directory: routing\n  fallback:\n"
                                "    name: unrouted\n    type: webhook\n    settings: {url: "
                                "'https://h/fallback'}\ndestinations: {hosts: {webhook: [h]}}\n");
        LoadOptions options;
        options.allow_literal_secrets = true;
        Diagnostics d;
        host_ = load_host_config(host_file_, options, d);
        table_ = load_routing(dir_.path() / "routing", &host_, plugins(), options, d);
        EXPECT_FALSE(d.has_errors());
        for (const auto& f : d.findings()) {
            if (f.message.rfind("no sources", 0) != 0) ADD_FAILURE() << f.text();
        }
    }

    // "team/channel: reason" for each destination.
    std::vector<std::string> route(const std::string& service, const std::string& env, DeployStatus status,
                                   const std::string& team = "", std::map<std::string, std::string> labels = {}) {
        DeployEvent e;
        e.id = "e";
        e.service = service;
        e.environment = env;
        e.status = status;
        e.team = team;
        e.labels = std::move(labels);
        std::vector<std::string> out;
        for (const auto& d : table_.route(e)) out.push_back(d.channel->label() + ": " + d.reason);
        return out;
    }

    test::TempDir dir_;
    std::filesystem::path host_file_;
    HostConfig host_;
    RoutingTable table_;
};

TEST_F(Router, ExactServiceOwnerWithStatusFilters) {
    EXPECT_THAT(route("payments-api", "staging", DeployStatus::failed),
                ElementsAre("payments/failures: owner: service 'payments-api'",
                            "payments/everything: owner: service 'payments-api'"));
    // failures-only is the default filter; the catch-all channel still hears about successes.
    EXPECT_THAT(route("payments-api", "staging", DeployStatus::succeeded),
                ElementsAre("payments/everything: owner: service 'payments-api'"));
}

TEST_F(Router, GlobOwnershipRoutesToTheTeamOfTheMatchingGlob) {
    EXPECT_THAT(route("payments-worker", "staging", DeployStatus::failed),
                ElementsAre("payments/failures: owner: service matches 'payments-*'",
                            "payments/everything: owner: service matches 'payments-*'"));
    EXPECT_THAT(route("billing-admin-ui", "staging", DeployStatus::failed),
                ElementsAre("payments-admin/admin: owner: service matches 'billing-admin-*'"));
}

TEST_F(Router, TeamFieldOverridesOwnership) {
    EXPECT_THAT(route("payments-api", "staging", DeployStatus::failed, "payments-admin"),
                ElementsAre("payments-admin/admin: owner: event names team 'payments-admin'"));
}

TEST_F(Router, UnknownTeamFieldFallsBackToServiceOwnership) {
    EXPECT_THAT(route("etl", "staging", DeployStatus::failed, "nobody", {{"region", "eu-west-1"}}),
                ElementsAre("data/eu-only: owner: service 'etl'"));
}

TEST_F(Router, LabelFilters) {
    EXPECT_THAT(route("etl", "staging", DeployStatus::failed, "", {{"region", "eu-west-1"}}),
                ElementsAre("data/eu-only: owner: service 'etl'"));
    EXPECT_THAT(route("etl", "staging", DeployStatus::failed, "", {{"region", "us-east-1"}}), IsEmpty());
    EXPECT_THAT(route("etl", "staging", DeployStatus::failed), IsEmpty());
}

TEST_F(Router, SubscriptionsAddDestinationsAndSharedDestinationsAreDeliveredOnce) {
    // payments/shared-alerts and sre/alerts-too post to the same URL: one destination, both reasons.
    EXPECT_THAT(route("payments-api", "production", DeployStatus::failed),
                ElementsAre("payments/failures: owner: service 'payments-api'",
                            "payments/everything: owner: service 'payments-api'",
                            "payments/shared-alerts: owner: service 'payments-api'; subscription "
                            "'sre/payments-watch'",
                            "sre/pager: subscription 'sre/prod-failures'"));
}

TEST_F(Router, UnownedServiceGoesToFallbackWhateverItsStatus) {
    EXPECT_THAT(route("mystery", "staging", DeployStatus::succeeded),
                ElementsAre("unrouted: fallback: no team owns service 'mystery'"));
    EXPECT_THAT(route("mystery", "production", DeployStatus::failed, "ghosts"),
                ElementsAre("sre/pager: subscription 'sre/prod-failures'",
                            "unrouted: fallback: no team owns service 'mystery' (event names unknown team 'ghosts')"));
}

TEST_F(Router, EnvironmentFilters) {
    EXPECT_THAT(route("payments-api", "staging", DeployStatus::failed),
                ::testing::Not(::testing::Contains(::testing::HasSubstr("shared-alerts"))));
}

}  // namespace
}  // namespace herald

namespace herald {
namespace {

// Routing by rollback outcome: SRE is paged only when a production failure did not roll back.
TEST(RollbackRouting, SubscriptionsAndChannelsCanFilterOnTheRollbackOutcome) {
    test::TempDir dir;
    dir.write("routing/sre.yaml",
              "version: 1\nteam: sre\nservices: []\nchannels:\n"
              "  - name: pager\n    type: webhook\n    settings: {url: 'https://h/pager'}\n"
              "subscriptions:\n  - name: stuck-failures\n    channel: pager\n    services: ['*']\n"
              "    rollback: [failed, not_attempted, none]\n");
    dir.write("routing/web.yaml",
              "version: 1\nteam: web\nservices: [web]\nchannels:\n"
              "  - name: hook\n    type: webhook\n    settings: {url: 'https://h/web'}\n"
              "    rollback: [succeeded]\n");
    const auto host_file = dir.write("herald.yaml",
                                     "version: 1\nrouting:\n  directory: routing\n"
                                     "destinations: {hosts: {webhook: [h]}}\n");
    LoadOptions options;
    options.allow_literal_secrets = true;
    Diagnostics d;
    const HostConfig host = load_host_config(host_file, options, d);
    const RoutingTable table = load_routing(dir.path() / "routing", &host, test::real_plugins(), options, d);
    for (const auto& f : d.findings()) {
        if (f.severity == Severity::error) ADD_FAILURE() << f.text();
    }
    auto destinations = [&](const std::string& rollback) {
        DeployEvent e;
        e.id = "e";
        e.service = "web";
        e.environment = "production";
        e.status = DeployStatus::failed;
        e.rollback_status = rollback;
        std::vector<std::string> out;
        for (const auto& dest : table.route(e)) out.push_back(dest.channel->team + "/" + dest.channel->name);
        return out;
    };
    EXPECT_THAT(destinations("succeeded"), ElementsAre("web/hook"));
    EXPECT_THAT(destinations("failed"), ElementsAre("sre/pager"));
    EXPECT_THAT(destinations(""), ElementsAre("sre/pager"));
    EXPECT_THAT(destinations("in_progress"), IsEmpty());
}

TEST(RollbackRouting, UnknownRollbackValuesAreFindings) {
    test::TempDir dir;
    dir.write("routing/web.yaml",
              "version: 1\nteam: web\nservices: [web]\nchannels:\n"
              "  - name: hook\n    type: webhook\n    settings: {url: 'https://h/web'}\n"
              "    rollback: [succeded]\n");
    LoadOptions options;
    options.allow_literal_secrets = true;
    Diagnostics d;
    load_routing(dir.path() / "routing", nullptr, test::real_plugins(), options, d);
    bool found = false;
    for (const auto& f : d.findings()) {
        found |= f.message ==
                 "rollback: unknown rollback status 'succeded' (none, not_attempted, in_progress, succeeded, failed); "
                 "did you mean 'succeeded'?";
    }
    EXPECT_TRUE(found);
}

}  // namespace
}  // namespace herald
