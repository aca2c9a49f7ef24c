// The acceptance scenarios T1-T6 and the fault runs, each against the real
// `herald serve` with a realistic config, the real plugins and the fake channels.
#include <gtest/gtest.h>

#include <atomic>
#include <set>

#include "support/free_port.hpp"
#include "support/run_process.hpp"
#include "support/serve_harness.hpp"

namespace herald {
namespace {

using namespace std::chrono_literals;
using test::ServeHarness;
namespace json = boost::json;

const std::string kRoutingKey = "0123456789abcdef0123456789abcdef";

// Twelve product teams: most on Slack (several share #deploys through one URL and channel id),
// two on Teams; SRE pages PagerDuty for every production failure.
class Acceptance : public ::testing::Test {
 protected:
    void SetUp() override {
        const std::string shared_url = h_.secret("shared-url", h_.fake_url("/slack/services/T0/B0SHARED/shared"));
        for (int i = 1; i <= 12; ++i) {
            const std::string team = "team" + std::to_string(i);
            std::string channel;
            if (i == 11 || i == 12) {
                channel = "  - name: deploys\n    type: teams\n    settings:\n      webhook_url: " +
                          h_.secret(team, h_.fake_url("/teams/workflows/" + team)) +
                          "\n    statuses: [failed, succeeded]\n";
            } else if (i <= 6) {  // these six post into one shared Slack channel
                channel = "  - name: deploys\n    type: slack\n    settings:\n      webhook_url: " + shared_url +
                          "\n      channel: C0SHARED\n" + (i % 2 == 0 ? "    statuses: [failed, succeeded]\n" : "");
            } else {
                channel = "  - name: deploys\n    type: slack\n    settings:\n      webhook_url: " +
                          h_.secret(team, h_.fake_url("/slack/services/T0/B0" + team + "/" + team)) +
                          "\n      channel: C0" + team + "\n" + (i == 7 ? "    statuses: [failed, succeeded]\n" : "");
            }
            h_.team(team, "version: 1\nteam: " + team + "\nservices: [\"" + team + "-*\"]\nchannels:\n" + channel);
        }
        // Team 13 takes deploy news into its own tooling through the generic webhook.
        h_.team("team13",
                "version: 1\nteam: team13\nservices: [\"team13-*\"]\nchannels:\n  - name: hook\n"
                "    type: webhook\n    settings:\n      url: " +
                    h_.secret("team13", h_.fake_url("/webhook/team13")) + "\n");
        h_.team(
            "sre",
            "version: 1\nteam: sre\nservices: [ingress]\nchannels:\n  - name: pager\n    type: pagerduty\n"
            "    settings:\n      routing_key: " +
                h_.secret("pd", kRoutingKey) + "\n      events_url: " + h_.fake_url("/pagerduty") +
                "\n    statuses: [failed, succeeded]\n"
                "subscriptions:\n  - name: production-failures\n    channel: pager\n    environments: [production]\n"
                "    statuses: [failed, succeeded]\n");
        // A fixed intake port: the pipeline client in T5 keeps one URL across the restart.
        h_.set_intake_port(test::free_port());
        h_.write_host_config();
        h_.start_herald();
    }

    // Paths the fake saw for 2xx answers, by channel kind.
    std::vector<std::string> delivered_paths(const std::string& channel) {
        std::vector<std::string> out;
        for (const auto& r : h_.fake_requests(channel)) {
            const auto status = r.at("status").as_int64();
            if (status >= 200 && status < 300) out.emplace_back(r.at("path").as_string());
        }
        return out;
    }

    ServeHarness h_;
};

TEST_F(Acceptance, T1_FailedDeployReachesExactlyTheOwningTeam) {
    ASSERT_EQ(h_.post(test::failed_event("t1", "team8-billing", "staging")).status, 202);
    ASSERT_TRUE(h_.wait_for_jobs_done(1, 10s));
    const auto jobs = h_.jobs();
    ASSERT_EQ(jobs.size(), 1u);
    EXPECT_EQ(jobs[0].team, "team8");
    EXPECT_EQ(jobs[0].state, "delivered");
    EXPECT_EQ(delivered_paths("slack"), std::vector<std::string>{"/slack/services/T0/B0team8/team8"});
    EXPECT_TRUE(h_.fake_requests("teams").empty());
    EXPECT_TRUE(h_.fake_requests("pagerduty").empty());  // staging: SRE is not paged
    const int64_t latency = jobs[0].updated_at_ms - jobs[0].accepted_at_ms;
    std::cout << "T1 accepted -> delivered: " << latency << " ms\n";
    EXPECT_LT(latency, 1000);
}

TEST_F(Acceptance, T2_FailingTeamsEndpointDeadLettersWithin30sAndReplayDelivers) {
    h_.fault(R"({"path_prefix":"/teams/","mode":"status","status":502})");
    const auto start = std::chrono::steady_clock::now();
    ASSERT_EQ(h_.post(test::failed_event("t2", "team11-api", "staging")).status, 202);
    ASSERT_TRUE(h_.wait_for_jobs_done(1, 35s));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 30s);
    auto job = h_.jobs().at(0);
    EXPECT_EQ(job.state, "dead");
    EXPECT_EQ(job.attempts, 4);
    EXPECT_EQ(job.dead_reason, "gave up after 4 attempts; last error: HTTP 502");

    h_.clear_faults();
    const auto replay = test::http_request("POST", h_.admin_url("/api/v1/dlq/" + std::to_string(job.id) + "/replay"));
    ASSERT_EQ(replay.status, 200) << replay.body;
    ASSERT_TRUE(test::wait_until([&] { return h_.jobs().at(0).state == "accepted"; }, 10s));  // Workflows: unconfirmed
    EXPECT_EQ(delivered_paths("teams").size(), 1u);
}

TEST_F(Acceptance, T3_SuccessReachesOnlyTeamsThatAskedForSuccesses) {
    ASSERT_EQ(h_.post(test::succeeded_event("t3-a", "team7-api", "staging")).status, 202);   // asked
    ASSERT_EQ(h_.post(test::succeeded_event("t3-b", "team8-api", "staging")).status, 202);   // failures only
    ASSERT_EQ(h_.post(test::succeeded_event("t3-c", "team12-api", "staging")).status, 202);  // asked (Teams)
    ASSERT_TRUE(h_.wait_for_jobs_done(2, 10s));
    std::set<std::string> teams;
    for (const auto& j : h_.jobs()) teams.insert(j.team);
    EXPECT_EQ(teams, (std::set<std::string>{"team7", "team12"}));
    EXPECT_EQ(delivered_paths("slack"), std::vector<std::string>{"/slack/services/T0/B0team7/team7"});
    EXPECT_EQ(delivered_paths("teams"), std::vector<std::string>{"/teams/workflows/team12"});
}

TEST_F(Acceptance, T4_ReleaseTrainFromTwelveTeamsIsDeliveredWithoutA429) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 20; ++i) {
        const std::string team = "team" + std::to_string(i % 12 + 1);
        ASSERT_EQ(
            h_.post(test::failed_event("t4-" + std::to_string(i), team + "-svc" + std::to_string(i), "staging")).status,
            202);
    }
    ASSERT_TRUE(h_.wait_for_jobs_done(20, 120s)) << h_.herald_log();
    const auto drained = std::chrono::steady_clock::now() - start;
    for (const auto& j : h_.jobs())
        EXPECT_TRUE(j.state == "delivered" || j.state == "accepted") << j.team << " " << j.state;
    const auto stats = h_.fake_stats().at("channels").as_object();
    EXPECT_FALSE(stats.at("slack").as_object().contains("rate_limited")) << json::serialize(stats);
    EXPECT_EQ(stats.at("slack").at("ok").as_int64() + stats.at("teams").at("ok").as_int64(), 20);
    std::cout << "T4 release train drained in "
              << std::chrono::duration_cast<std::chrono::milliseconds>(drained).count() << " ms with zero 429s\n";
    EXPECT_LT(drained, 120s);
}

TEST_F(Acceptance, T5_KillNineDuringDeliveryLosesNothingAndRetryingClientsGetIn) {
    // Slow answers (400 ms over 20 services: about 50 deliveries/s) keep most deliveries pending
    // or in flight when the host dies, however fast or slow this build posts.
    h_.fault(R"({"path_prefix":"/webhook/","mode":"slow","delay_ms":400})");
    std::vector<std::string> accepted;
    for (int i = 0; i < 1000; ++i) {
        const std::string id = "t5-" + std::to_string(i);
        if (h_.post(test::failed_event(id, "team13-svc" + std::to_string(i % 20), "staging")).status == 202) {
            accepted.push_back(id);
        }
    }
    ASSERT_EQ(accepted.size(), 1000u);
    h_.herald().kill_hard();
    const size_t before = h_.fake_requests("webhook").size();
    EXPECT_LT(before, 1000u) << "the host died too late to test anything";

    // While the host is down the socket refuses; the pipeline's client, `herald emit`, retries
    // until it gets in (up to six retries spread over 20 s here; three over five minutes by default).
    const auto refused = h_.post(test::failed_event("t5-during-outage", "team13-x", "staging"));
    EXPECT_EQ(refused.status, 0) << "the intake socket should refuse while the host is down";
    test::ProcessResult client_result;
    std::thread client([&] {
        client_result = test::run_process(
            "HERALD_URL='" + h_.intake_url("") + "' HERALD_SECRET='" + test::kSourceSecret + "' '" + HERALD_BINARY +
            "' emit --id t5-during-outage --status failed --service team13-x --environment staging "
            "--commit abc123 --triggered-by ci --pipeline-url https://ci.example.com/r/1 --retries 6 "
            "--retry-for 20s 2>&1");
    });
    std::this_thread::sleep_for(300ms);
    h_.start_herald();
    client.join();
    EXPECT_EQ(client_result.exit_status, 0) << client_result.output;
    EXPECT_NE(client_result.output.find("retrying in"), std::string::npos) << client_result.output;
    EXPECT_NE(client_result.output.find("202"), std::string::npos) << client_result.output;
    accepted.push_back("t5-during-outage");
    ASSERT_TRUE(h_.wait_for_jobs_done(accepted.size(), 90s)) << h_.herald_log();

    auto seen = h_.webhook_deliveries_by_event();
    size_t duplicates = 0;
    for (const auto& id : accepted) {
        EXPECT_GE(seen[id], 1) << id << " was accepted but never delivered";
        if (seen[id] > 1) duplicates += static_cast<size_t>(seen[id] - 1);
    }
    std::cout << "T5: " << accepted.size() << " accepted, " << before
              << " delivered before kill -9, every one delivered "
              << "after the restart, " << duplicates << " duplicates (at-least-once)\n";
}

TEST_F(Acceptance, T6_SlackTeamAndPagerDutyTeamEachOnlyInTheirOwnChannel) {
    ASSERT_EQ(h_.post(test::failed_event("t6-a", "team9-web", "staging")).status, 202);   // Slack team
    ASSERT_EQ(h_.post(test::failed_event("t6-b", "ingress", "production")).status, 202);  // SRE on PagerDuty
    ASSERT_TRUE(h_.wait_for_jobs_done(2, 10s));
    EXPECT_EQ(delivered_paths("slack"), std::vector<std::string>{"/slack/services/T0/B0team9/team9"});
    EXPECT_EQ(delivered_paths("pagerduty"), std::vector<std::string>{"/pagerduty/v2/enqueue"});
    auto incidents = h_.fake_stats().at("incidents").as_object();
    EXPECT_EQ(incidents.at("herald/ingress/production").as_string(), "triggered");

    ASSERT_EQ(h_.post(test::succeeded_event("t6-c", "ingress", "production")).status, 202);
    ASSERT_TRUE(h_.wait_for_jobs_done(3, 10s));
    incidents = h_.fake_stats().at("incidents").as_object();
    EXPECT_EQ(incidents.at("herald/ingress/production").as_string(), "resolved");
}

struct FaultCase {
    std::string name;
    std::string fault;         // injected once on the channel
    std::string service;       // which channel the event reaches
    std::string fake_channel;  // slack | teams
    std::string expected_state;
};

void PrintTo(const FaultCase& c, std::ostream* os) { *os << c.name; }

class FaultRun : public Acceptance, public ::testing::WithParamInterface<FaultCase> {};

TEST_P(FaultRun, EndsDeliveredOrDeadLetteredNeverLostOrStuck) {
    const FaultCase& c = GetParam();
    h_.fault(c.fault);
    ASSERT_EQ(h_.post(test::failed_event("fault-failed", c.service, "staging")).status, 202);
    ASSERT_EQ(h_.post(test::succeeded_event("fault-recovered", c.service, "staging")).status, 202);
    ASSERT_TRUE(h_.wait_for_jobs_done(2, 60s)) << h_.herald_log();
    const auto jobs = h_.jobs();
    ASSERT_EQ(jobs.size(), 2u);
    EXPECT_EQ(jobs[0].state, c.expected_state) << jobs[0].last_error;
    if (jobs[0].state == "dead") {
        EXPECT_FALSE(jobs[0].dead_reason.empty());
    }
    EXPECT_NE(jobs[1].state, "dead") << jobs[1].dead_reason;
    // The recovery never overtakes its failure on the channel.
    std::vector<std::string> order;
    for (const auto& r : h_.fake_requests(c.fake_channel)) {
        const auto status = r.at("status").as_int64();
        if (status < 200 || status >= 300 || r.as_object().contains("fault")) continue;
        const std::string body(r.at("body").as_string());
        if (body.find("Deploy failed") != std::string::npos) order.push_back("failed");
        if (body.find("Recovered") != std::string::npos) order.push_back("recovered");
    }
    if (c.expected_state != "dead") {
        ASSERT_EQ(order.size(), 2u);
        EXPECT_EQ(order[0], "failed");
        EXPECT_EQ(order[1], "recovered");
    }
}

// Each fault the fake channels can inject, once, on the channel an event reaches.
const FaultCase kFaultCases[] = {

    FaultCase{"rate_limited", R"({"path_prefix":"/slack/","mode":"status","status":429,"retry_after_s":1,"count":1})",
              "team7-a", "slack", "delivered"},
    FaultCase{"server_error", R"({"path_prefix":"/slack/","mode":"status","status":500,"count":1})", "team7-a", "slack",
              "delivered"},
    FaultCase{"unavailable", R"({"path_prefix":"/slack/","mode":"status","status":503,"count":2})", "team7-a", "slack",
              "delivered"},
    FaultCase{"slow", R"({"path_prefix":"/slack/","mode":"slow","delay_ms":3000,"count":1})", "team7-a", "slack",
              "delivered"},
    FaultCase{"timeout", R"({"path_prefix":"/slack/","mode":"timeout","delay_ms":15000,"count":1})", "team7-a", "slack",
              "delivered"},
    FaultCase{"connection_reset", R"({"path_prefix":"/slack/","mode":"reset","count":1})", "team7-a", "slack",
              "delivered"},
    FaultCase{
        "error_in_2xx_body",
        R"({"path_prefix":"/teams/","mode":"error_body","body":"Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0","count":1})",
        "team12-a", "teams", "accepted"},
    FaultCase{"permanent_rejection",
              R"({"path_prefix":"/slack/","mode":"status","status":404,"body":"channel_not_found","count":1})",
              "team7-a", "slack", "dead"},
};

INSTANTIATE_TEST_SUITE_P(Faults, FaultRun, ::testing::ValuesIn(kFaultCases),
                         [](const auto& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace herald
