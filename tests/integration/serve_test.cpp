// `herald serve` against real parts: the real binary, a real SQLite file, the real plugins and
// the fake channels on 127.0.0.1.
#include <gtest/gtest.h>

#include "support/serve_harness.hpp"

namespace herald {
namespace {

using namespace std::chrono_literals;
using test::ServeHarness;
namespace json = boost::json;

std::string slack_team(ServeHarness& h, const std::string& team, const std::string& service,
                       const std::string& webhook_path, const std::string& extra_channel = "",
                       const std::string& statuses = "[failed, succeeded]") {
    return "version: 1\nteam: " + team + "\nservices: [" + service +
           "]\nchannels:\n  - name: deploys\n    type: slack\n"
           "    settings:\n      webhook_url: " +
           h.secret(team + "-slack", h.fake_url(webhook_path)) + "\n" + extra_channel + "    statuses: " + statuses +
           "\n";
}

class Serve : public ::testing::Test {
 protected:
    void start(const std::string& host_extra = "") {
        h_.write_host_config(host_extra);
        h_.start_herald();
    }
    ServeHarness h_;
};

TEST_F(Serve, AuthenticationFailuresAre401AndValidCredentialsAccepted) {
    h_.team("payments", slack_team(h_, "payments", "payments-api", "/slack/services/T/B/payments"));
    start();
    const std::string body = test::failed_event("auth-1", "payments-api");
    EXPECT_EQ(h_.post(body, {}, false).status, 401);
    EXPECT_EQ(h_.post(body, {"X-Herald-Signature-256: sha256=00ff"}, false).status, 401);
    EXPECT_EQ(h_.post(body, {"X-Herald-Signature-256: sha256=" + hmac_sha256_hex("wrong", body)}, false).status, 401);
    EXPECT_EQ(h_.post(body, {"Authorization: Bearer nope"}, false).status, 401);
    EXPECT_EQ(h_.post(body, {"X-Herald-Source: nobody"}).status, 401);
    const auto ok = h_.post(body);
    EXPECT_EQ(ok.status, 202) << ok.body;
    EXPECT_EQ(ok.body, R"({"id":"auth-1","status":"accepted"})");
    EXPECT_EQ(h_.post(test::failed_event("auth-2", "payments-api"), {"Authorization: Bearer test-bearer-token"}, false)
                  .status,
              202);
}

TEST_F(Serve, SignedTimestampsHaveAReplayWindow) {
    h_.team("payments", slack_team(h_, "payments", "payments-api", "/slack/services/T/B/payments"));
    start();
    const std::string body = test::failed_event("ts-1", "payments-api");
    const auto now = std::to_string(std::time(nullptr));
    const auto old = std::to_string(std::time(nullptr) - 3600);
    auto signed_with = [&](const std::string& ts) {
        return std::vector<std::string>{
            "X-Herald-Timestamp: " + ts,
            "X-Herald-Signature-256: sha256=" + hmac_sha256_hex(test::kSourceSecret, ts + "." + body)};
    };
    EXPECT_EQ(h_.post(body, signed_with(old), false).status, 401);
    EXPECT_EQ(h_.post(body, signed_with(now), false).status, 202);
}

TEST_F(Serve, ClientErrorsNameTheProblem) {
    h_.team("payments", slack_team(h_, "payments", "payments-api", "/slack/services/T/B/payments"));
    start("limits:\n  max_body_bytes: 4096\n");
    const std::string body = test::failed_event("e-1", "payments-api");
    // Signed but sent as text/plain.
    auto plain = test::http_request(
        "POST", h_.intake_url("/v1/events"), body,
        {"Content-Type: text/plain", "X-Herald-Signature-256: sha256=" + hmac_sha256_hex(test::kSourceSecret, body)});
    EXPECT_EQ(plain.status, 415);
    auto r = h_.post("{not json");
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find("body is not valid JSON"), std::string::npos) << r.body;
    r = h_.post(
        R"({"id":"x","service":"s","environment":"prod","status":"failed","triggered_by":"ci","pipeline":{"url":"https://c/1"}})");
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find(R"({"field":"commit.sha","rule":"required when status is \"failed\""})"), std::string::npos)
        << r.body;
    r = h_.post(test::failed_event("big", "payments-api", "production",
                                   R"(,"failure":{"reason":")" + std::string(5000, 'x') + "\"}"));
    EXPECT_EQ(r.status, 413);
    EXPECT_EQ(test::http_request("GET", h_.intake_url("/v1/events")).status, 405);
    EXPECT_EQ(test::http_request("GET", h_.intake_url("/nope")).status, 404);
    EXPECT_EQ(test::http_request("GET", h_.intake_url("/healthz")).status, 200);
}

TEST_F(Serve, DuplicateIdIsAcknowledgedButNotifiedOnce) {
    h_.team("payments", slack_team(h_, "payments", "payments-api", "/slack/services/T/B/payments"));
    start();
    const std::string body = test::failed_event("dup-1", "payments-api");
    EXPECT_EQ(h_.post(body).status, 202);
    const auto again = h_.post(body);
    EXPECT_EQ(again.status, 200);
    EXPECT_EQ(again.body, R"({"id":"dup-1","status":"duplicate"})");
    ASSERT_TRUE(h_.wait_for_jobs_done(1, 10s));
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(h_.fake_requests("slack").size(), 1u);
}

TEST_F(Serve, RetryAfterIsHonouredAndNothingIsSentBeforeIt) {
    h_.team("payments", slack_team(h_, "payments", "payments-api", "/slack/services/T/B/payments"));
    start();
    h_.fault(R"({"path_prefix":"/slack/","mode":"status","status":429,"retry_after_s":2,"count":1})");
    ASSERT_EQ(h_.post(test::failed_event("ra-1", "payments-api")).status, 202);
    ASSERT_TRUE(h_.wait_for_jobs_done(1, 15s)) << h_.herald_log();
    const auto requests = h_.fake_requests("slack");
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_EQ(requests[0].at("status").as_int64(), 429);
    EXPECT_EQ(requests[1].at("status").as_int64(), 200);
    const int64_t gap = requests[1].at("received_at_ms").as_int64() - requests[0].at("received_at_ms").as_int64();
    EXPECT_GE(gap, 2000);
    EXPECT_EQ(h_.jobs().at(0).state, "delivered");
}

TEST_F(Serve, ServerErrorsAreRetriedThenDelivered) {
    h_.team("payments", slack_team(h_, "payments", "payments-api", "/slack/services/T/B/payments"));
    start("delivery:\n  slack:\n    initial_backoff_ms: 100\n");
    h_.fault(R"({"path_prefix":"/slack/","mode":"status","status":503,"count":2})");
    ASSERT_EQ(h_.post(test::failed_event("5xx-1", "payments-api")).status, 202);
    ASSERT_TRUE(h_.wait_for_jobs_done(1, 15s)) << h_.herald_log();
    const auto jobs = h_.jobs();
    EXPECT_EQ(jobs.at(0).state, "delivered");
    EXPECT_EQ(jobs.at(0).attempts, 3);
    EXPECT_EQ(h_.fake_requests("slack").size(), 3u);
}

TEST_F(Serve, PermanentRejectionGoesToTheDeadLetterQueueWithItsReason) {
    h_.team("payments", slack_team(h_, "payments", "payments-api", "/slack/services/T/B/payments"));
    start();
    h_.fault(R"({"path_prefix":"/slack/","mode":"status","status":404,"body":"channel_not_found"})");
    ASSERT_EQ(h_.post(test::failed_event("dlq-1", "payments-api")).status, 202);
    ASSERT_TRUE(h_.wait_for_jobs_done(1, 10s));
    const auto job = h_.jobs().at(0);
    EXPECT_EQ(job.state, "dead");
    EXPECT_EQ(job.attempts, 1);
    EXPECT_EQ(job.dead_reason, "rejected by the channel: HTTP 404: channel_not_found");
    EXPECT_EQ(h_.fake_requests("slack").size(), 1u);
}

TEST_F(Serve, FailingTeamsEndpointIsDeadLetteredWithinThirtySeconds) {
    h_.team("identity",
            "version: 1\nteam: identity\nservices: [auth-service]\nchannels:\n  - name: deploys\n    type: teams\n"
            "    settings:\n      webhook_url: " +
                h_.secret("teams", h_.fake_url("/teams/workflows/identity")) + "\n");
    start();
    h_.fault(R"({"path_prefix":"/teams/","mode":"status","status":500})");
    const auto posted = std::chrono::steady_clock::now();
    ASSERT_EQ(h_.post(test::failed_event("teams-1", "auth-service")).status, 202);
    ASSERT_TRUE(h_.wait_for_jobs_done(1, 35s)) << h_.herald_log();
    const auto elapsed = std::chrono::steady_clock::now() - posted;
    const auto job = h_.jobs().at(0);
    EXPECT_EQ(job.state, "dead");
    EXPECT_EQ(job.attempts, 4);  // the first try and 3 retries
    EXPECT_EQ(job.dead_reason.rfind("gave up after 4 attempts; last error: HTTP 500", 0), 0u) << job.dead_reason;
    EXPECT_LT(elapsed, 30s);
    EXPECT_EQ(h_.fake_requests("teams").size(), 4u);
}

TEST_F(Serve, OrderIsKeptPerDestinationAndServiceUnderRetries) {
    h_.team("payments", slack_team(h_, "payments", "payments-api", "/slack/services/T/B/payments"));
    start("delivery:\n  slack:\n    initial_backoff_ms: 200\n");
    h_.fault(R"({"path_prefix":"/slack/","mode":"status","status":503,"count":2})");
    ASSERT_EQ(h_.post(test::failed_event("order-1-failed", "payments-api")).status, 202);
    ASSERT_EQ(h_.post(test::succeeded_event("order-2-recovered", "payments-api")).status, 202);
    ASSERT_TRUE(h_.wait_for_jobs_done(2, 20s)) << h_.herald_log();
    std::vector<std::string> delivered;
    for (const auto& r : h_.fake_requests("slack")) {
        if (r.at("status").as_int64() == 200) delivered.push_back(std::string(r.at("body").as_string()));
    }
    ASSERT_EQ(delivered.size(), 2u);
    EXPECT_NE(delivered[0].find("Deploy failed: payments-api"), std::string::npos);
    EXPECT_NE(delivered[1].find("Recovered: payments-api"), std::string::npos);
    EXPECT_NE(delivered[1].find("Recovered after 1 failed deploy"), std::string::npos) << delivered[1];
}

TEST_F(Serve, TwoTeamsSharingOneSlackUrlStayWithinItsRateLimit) {
    const std::string shared = "/slack/services/T/B/shared";
    h_.team("alpha", slack_team(h_, "alpha", "alpha-api", shared, "      mention: '<!here>'\n"));
    h_.team("beta", slack_team(h_, "beta", "beta-api", shared));
    start();
    for (int i = 0; i < 4; ++i) {
        ASSERT_EQ(h_.post(test::failed_event("rl-a-" + std::to_string(i), "alpha-api")).status, 202);
        ASSERT_EQ(h_.post(test::failed_event("rl-b-" + std::to_string(i), "beta-api")).status, 202);
    }
    ASSERT_TRUE(h_.wait_for_jobs_done(8, 20s)) << h_.herald_log();
    const auto stats = h_.fake_stats().at("channels").at("slack").as_object();
    EXPECT_EQ(stats.at("ok").as_int64(), 8);
    EXPECT_FALSE(stats.contains("rate_limited")) << json::serialize(stats);
}

TEST_F(Serve, KillNineLosesNoAcceptedEvent) {
    h_.team("payments",
            "version: 1\nteam: payments\nservices: [payments-api]\nchannels:\n  - name: hook\n"
            "    type: webhook\n    settings:\n      url: " +
                h_.secret("hook", h_.fake_url("/webhook/payments")) + "\n");
    start();
    h_.fault(R"({"path_prefix":"/webhook/","mode":"slow","delay_ms":20})");
    std::vector<std::string> accepted;
    for (int i = 0; i < 300; ++i) {
        const std::string id = "crash-" + std::to_string(i);
        if (h_.post(test::failed_event(id, "payments-api")).status == 202) accepted.push_back(id);
    }
    h_.herald().kill_hard();
    const size_t before_restart = h_.fake_requests("webhook").size();
    EXPECT_LT(before_restart, accepted.size()) << "the crash came too late to test anything";
    h_.start_herald();
    ASSERT_TRUE(h_.wait_for_jobs_done(accepted.size(), 60s)) << h_.herald_log();
    auto seen = h_.webhook_deliveries_by_event();
    size_t duplicates = 0;
    for (const auto& id : accepted) {
        EXPECT_GE(seen[id], 1) << id << " was accepted but never delivered";
        if (seen[id] > 1) duplicates += static_cast<size_t>(seen[id] - 1);
    }
    std::cout << "kill -9 run: " << accepted.size() << " accepted, " << before_restart
              << " delivered before the crash, all delivered after restart, " << duplicates << " duplicates\n";
}

TEST_F(Serve, SigtermFinishesInFlightWorkAndKeepsTheRestPending) {
    h_.team("payments", slack_team(h_, "payments", "payments-api", "/slack/services/T/B/payments"));
    start();
    for (int i = 0; i < 3; ++i)
        ASSERT_EQ(h_.post(test::failed_event("term-" + std::to_string(i), "payments-api")).status, 202);
    std::this_thread::sleep_for(200ms);  // the first is delivered; the rest wait on the 1/s limit
    EXPECT_EQ(h_.herald().stop(), 0);
    const auto jobs = h_.jobs();
    ASSERT_EQ(jobs.size(), 3u);
    EXPECT_EQ(jobs[0].state, "delivered");
    EXPECT_EQ(jobs[2].state, "pending");
    EXPECT_NE(h_.herald_log().find("deliveries left pending for the next start"), std::string::npos);
    EXPECT_NE(test::http_request("POST", h_.intake_url("/v1/events"), "{}", {}, 1000).error, "");
}

}  // namespace
}  // namespace herald
