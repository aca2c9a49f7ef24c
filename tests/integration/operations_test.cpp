// The operations surface of a running host: health, readiness, metrics, the admin API and CLI,
// reload, and logs that never show a secret.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <regex>

#include "support/run_process.hpp"
#include "support/serve_harness.hpp"

namespace herald {
namespace {

using namespace std::chrono_literals;
using test::ServeHarness;
namespace json = boost::json;

const std::string kAdminToken = "admin-token-7f3a9c";

std::string slack_team(ServeHarness& h, const std::string& team, const std::string& service, const std::string& path,
                       const std::string& statuses = "[failed, succeeded]") {
    return "version: 1\nteam: " + team + "\nservices: [" + service +
           "]\nchannels:\n  - name: deploys\n    type: slack\n"
           "    settings:\n      webhook_url: " +
           h.secret(team + "-slack", h.fake_url(path)) + "\n    statuses: " + statuses + "\n";
}

// The value of one sample in Prometheus text, or -1.
double metric(const std::string& text, const std::string& series) {
    const auto pos = text.find("\n" + series + " ");
    if (pos == std::string::npos) return -1;
    return std::stod(text.substr(pos + series.size() + 2));
}

std::string find_promtool() {
    if (const char* env = std::getenv("HERALD_PROMTOOL")) return env;
    const std::string cached = std::string(HERALD_SOURCE_DIR) + "/.cache/prometheus/usr/bin/promtool";
    if (std::filesystem::exists(cached)) return cached;
    if (std::filesystem::exists("/usr/bin/promtool")) return "/usr/bin/promtool";
    return {};
}

class Operations : public ::testing::Test {
 protected:
    void SetUp() override {
        h_.team("payments", slack_team(h_, "payments", "payments-api", "/slack/services/T/B/payments"));
        h_.set_admin_token(kAdminToken);
        h_.write_host_config("delivery:\n  slack:\n    rate_per_second: 100\n    burst: 100\n");
        h_.start_herald();
    }
    test::HttpResult admin(const std::string& method, const std::string& path, bool with_token = true) {
        std::vector<std::string> headers;
        if (with_token) headers.push_back("Authorization: Bearer " + kAdminToken);
        return test::http_request(method, h_.admin_url(path), "", headers);
    }
    std::string cli(const std::string& args) {
        return std::string("HERALD_ADMIN_TOKEN=") + kAdminToken + " " + HERALD_BINARY + " " + args + " --admin " +
               h_.admin_url("") + " 2>&1";
    }
    ServeHarness h_;
};

TEST_F(Operations, HealthReadinessAndMetricsThatMoveWithTraffic) {
    EXPECT_EQ(test::http_request("GET", h_.intake_url("/healthz")).status, 200);
    const auto ready = test::http_request("GET", h_.intake_url("/readyz"));
    EXPECT_EQ(ready.status, 200);
    EXPECT_EQ(ready.body, R"({"status":"ready"})");

    for (int i = 0; i < 3; ++i)
        ASSERT_EQ(h_.post(test::failed_event("m-" + std::to_string(i), "payments-api")).status, 202);
    ASSERT_EQ(h_.post(test::failed_event("m-0", "payments-api")).status, 200);
    ASSERT_EQ(h_.post(test::succeeded_event("m-unowned", "nobody-owns-this")).status, 202);
    ASSERT_EQ(h_.post("{}", {}, false).status, 401);
    ASSERT_TRUE(h_.wait_for_jobs_done(4, 10s));

    const auto res = test::http_request("GET", h_.intake_url("/metrics"));
    ASSERT_EQ(res.status, 200);
    EXPECT_EQ(res.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    const std::string& m = res.body;
    EXPECT_EQ(metric(m, R"(herald_events_received_total{source="ci",result="accepted"})"), 4);
    EXPECT_EQ(metric(m, R"(herald_events_received_total{source="ci",result="duplicate"})"), 1);
    EXPECT_EQ(metric(m, R"(herald_events_received_total{source="unknown",result="unauthorized"})"), 1);
    EXPECT_EQ(metric(m, R"(herald_events_unrouted_total{destination="fallback"})"), 1);
    EXPECT_EQ(metric(m, R"(herald_deliveries_total{channel_type="slack",outcome="delivered"})"), 3);
    EXPECT_EQ(metric(m, R"(herald_deliveries_total{channel_type="webhook",outcome="delivered"})"), 1);
    EXPECT_EQ(metric(m, R"(herald_delivery_latency_seconds_count{channel_type="slack",confirmation="confirmed"})"), 3);
    EXPECT_EQ(metric(m, R"(herald_pending_jobs)"), 0);
    EXPECT_EQ(metric(m, R"(herald_dead_letter_jobs)"), 0);
    EXPECT_EQ(metric(m, R"(herald_config_last_reload_successful)"), 1);
    EXPECT_EQ(metric(m, R"(herald_store_writable)"), 1);
    EXPECT_EQ(metric(m, R"(herald_plugin_info{name="slack",version="1.0.0",abi="1.2"})"), 1);
    EXPECT_NE(m.find("# HELP herald_delivery_latency_seconds "), std::string::npos);
    EXPECT_NE(m.find("# TYPE herald_delivery_latency_seconds histogram"), std::string::npos);

    const std::string promtool = find_promtool();
    ASSERT_FALSE(promtool.empty()) << "promtool not found: scripts/install-deps.sh puts it in .cache/prometheus";
    const auto file = h_.dir() / "metrics.txt";
    std::ofstream(file) << m;
    const auto check = test::run_process(promtool + " check metrics < " + file.string() + " 2>&1");
    EXPECT_EQ(check.exit_status, 0) << check.output;
}

TEST_F(Operations, DeployHealthMetricsFollowFailuresRecoveriesAndRestarts) {
    const std::string timed = R"(,"started_at":"2026-11-27T07:40:00Z","finished_at":"2026-11-27T07:48:00Z")";
    ASSERT_EQ(h_.post(test::failed_event("dh-1", "payments-api", "production", timed)).status, 202);
    ASSERT_EQ(h_.post(test::failed_event("dh-2", "payments-api", "staging")).status, 202);
    ASSERT_EQ(h_.post(test::succeeded_event("dh-3", "payments-api", "staging")).status, 202);
    auto scrape = [&] { return test::http_request("GET", h_.intake_url("/metrics")).body; };
    std::string m = scrape();
    EXPECT_EQ(
        metric(
            m,
            R"(herald_deploys_total{service="payments-api",environment="production",status="failed",team="payments"})"),
        1);
    EXPECT_EQ(
        metric(
            m,
            R"(herald_deploys_total{service="payments-api",environment="staging",status="succeeded",team="payments"})"),
        1);
    EXPECT_EQ(metric(m, R"(herald_deploy_failing{service="payments-api",environment="production"})"), 1);
    EXPECT_EQ(metric(m, R"(herald_deploy_failing{service="payments-api",environment="staging"})"), -1);  // recovered
    EXPECT_EQ(metric(m, R"(herald_time_to_recover_seconds_count{environment="staging",team="payments"})"), 1);
    EXPECT_EQ(metric(m, R"(herald_deploy_duration_seconds_sum{environment="production",status="failed"})"), 480);

    // After a restart the gauge still shows what the store knows is failing.
    h_.herald().stop();
    h_.start_herald();
    m = scrape();
    EXPECT_EQ(metric(m, R"(herald_deploy_failing{service="payments-api",environment="production"})"), 1) << m;
    EXPECT_EQ(metric(m, R"(herald_deploy_failing{service="payments-api",environment="staging"})"), -1);
}

TEST_F(Operations, AdminApiNeedsTheToken) {
    EXPECT_EQ(admin("GET", "/api/v1/dlq", false).status, 401);
    EXPECT_EQ(test::http_request("GET", h_.admin_url("/api/v1/dlq"), "", {"Authorization: Bearer wrong"}).status, 401);
    EXPECT_EQ(admin("GET", "/api/v1/dlq").status, 200);
    EXPECT_EQ(admin("GET", "/api/v1/nothing").status, 404);
}

TEST_F(Operations, EventShowsItsDeliveriesAndAttempts) {
    h_.fault(R"({"path_prefix":"/slack/","mode":"status","status":503,"count":1})");
    ASSERT_EQ(h_.post(test::failed_event("show-1", "payments-api")).status, 202);
    ASSERT_TRUE(h_.wait_for_jobs_done(1, 10s));
    const auto r = admin("GET", "/api/v1/events/show-1");
    ASSERT_EQ(r.status, 200) << r.body;
    const auto body = json::parse(r.body).as_object();
    EXPECT_EQ(body.at("event").at("service").as_string(), "payments-api");
    const auto& job = body.at("deliveries").at(0).as_object();
    EXPECT_EQ(job.at("state").as_string(), "delivered");
    EXPECT_EQ(job.at("reason").as_string(), "owner: service 'payments-api'");
    const auto& history = job.at("history").as_array();
    ASSERT_EQ(history.size(), 2u);
    EXPECT_EQ(history[0].at("status_code").as_int64(), 503);
    EXPECT_EQ(history[0].at("outcome").as_string(), "retry");
    EXPECT_EQ(history[1].at("status_code").as_int64(), 200);
    EXPECT_EQ(admin("GET", "/api/v1/events/nope").status, 404);

    const auto shown = test::run_process(cli("events show show-1"));
    EXPECT_EQ(shown.exit_status, 0) << shown.output;
    EXPECT_NE(shown.output.find("event show-1: payments-api failed in production"), std::string::npos) << shown.output;
    EXPECT_NE(shown.output.find("payments/deploys"), std::string::npos) << shown.output;
    EXPECT_NE(shown.output.find("HTTP 503"), std::string::npos) << shown.output;
}

TEST_F(Operations, EventsAreListedWithFilters) {
    ASSERT_EQ(h_.post(test::failed_event("list-1", "payments-api")).status, 202);
    ASSERT_EQ(h_.post(test::succeeded_event("list-2", "payments-api", "staging")).status, 202);
    ASSERT_EQ(h_.post(test::succeeded_event("list-3", "nobody-owns-this")).status, 202);
    ASSERT_TRUE(h_.wait_for_jobs_done(3, 10s));

    auto ids = [](const test::HttpResult& r) {
        std::vector<std::string> out;
        const json::value body = json::parse(r.body);
        for (const auto& e : body.at("items").as_array()) out.emplace_back(e.at("id").as_string());
        return out;
    };
    const auto all = admin("GET", "/api/v1/events");
    ASSERT_EQ(all.status, 200) << all.body;
    EXPECT_EQ(ids(all), (std::vector<std::string>{"list-3", "list-2", "list-1"}));
    EXPECT_EQ(ids(admin("GET", "/api/v1/events?service=payments-api&status=failed")),
              std::vector<std::string>{"list-1"});
    EXPECT_EQ(ids(admin("GET", "/api/v1/events?environment=staging&since=1h")), std::vector<std::string>{"list-2"});
    const auto page = json::parse(admin("GET", "/api/v1/events?limit=2").body).as_object();
    ASSERT_TRUE(page.contains("next_before"));
    EXPECT_EQ(ids(admin("GET", "/api/v1/events?limit=2&before=" + std::to_string(page.at("next_before").as_int64()))),
              std::vector<std::string>{"list-1"});
    EXPECT_EQ(admin("GET", "/api/v1/events?status=broken").status, 400);
    EXPECT_EQ(admin("GET", "/api/v1/events?colour=red").status, 400);
    EXPECT_EQ(admin("GET", "/api/v1/events", false).status, 401);

    const auto table = test::run_process(cli("events list --service payments-api"));
    EXPECT_EQ(table.exit_status, 0) << table.output;
    EXPECT_NE(table.output.find("list-1"), std::string::npos) << table.output;
    EXPECT_NE(table.output.find("1/1 delivered"), std::string::npos) << table.output;
    EXPECT_EQ(table.output.find("list-3"), std::string::npos) << table.output;
    const auto as_json = test::run_process(cli("events list --status failed --json"));
    EXPECT_EQ(json::parse(as_json.output).at("items").at(0).at("id"), "list-1");
    EXPECT_EQ(test::run_process(cli("events list --since yesterday")).exit_status, 2);
}

TEST_F(Operations, DeadLettersCanBeListedShownReplayedAndDropped) {
    h_.fault(R"({"path_prefix":"/slack/","mode":"status","status":404,"body":"channel_not_found"})");
    ASSERT_EQ(h_.post(test::failed_event("dlq-a", "payments-api")).status, 202);
    ASSERT_EQ(h_.post(test::failed_event("dlq-b", "payments-api")).status, 202);
    ASSERT_TRUE(h_.wait_for_jobs_done(2, 10s));

    const auto listed = json::parse(admin("GET", "/api/v1/dlq?team=payments").body).at("items").as_array();
    ASSERT_EQ(listed.size(), 2u);
    const int64_t first = listed[0].at("id").as_int64();
    const int64_t second = listed[1].at("id").as_int64();
    EXPECT_EQ(listed[0].at("dead_reason").as_string(), "rejected by the channel: HTTP 404: channel_not_found");
    EXPECT_EQ(json::parse(admin("GET", "/api/v1/dlq?team=other").body).at("items").as_array().size(), 0u);
    const auto page = json::parse(admin("GET", "/api/v1/dlq?limit=1").body).as_object();
    EXPECT_EQ(page.at("items").as_array().size(), 1u);
    EXPECT_EQ(page.at("next_after").as_int64(), first);

    const auto table = test::run_process(cli("dlq list"));
    EXPECT_EQ(table.exit_status, 0);
    EXPECT_NE(table.output.find("rejected by the channel: HTTP 404: channel_not_found"), std::string::npos)
        << table.output;
    const auto shown = test::run_process(cli("dlq show " + std::to_string(first)));
    EXPECT_NE(shown.output.find("last response: channel_not_found"), std::string::npos) << shown.output;

    // The channel recovers; a replay delivers, and the history keeps the failed attempt.
    h_.clear_faults();
    const auto replayed = test::run_process(cli("dlq replay " + std::to_string(first)));
    EXPECT_EQ(replayed.exit_status, 0) << replayed.output;
    EXPECT_NE(replayed.output.find("1 delivery back to pending: " + std::to_string(first)), std::string::npos);
    ASSERT_TRUE(test::wait_until([&] { return h_.jobs().at(0).state == "delivered"; }, 10s)) << h_.herald_log();
    const auto after = json::parse(admin("GET", "/api/v1/events/dlq-a").body);
    EXPECT_EQ(after.at("deliveries").at(0).at("history").as_array().size(), 2u);

    EXPECT_EQ(admin("DELETE", "/api/v1/dlq/" + std::to_string(second)).status, 200);
    EXPECT_EQ(admin("GET", "/api/v1/dlq/" + std::to_string(second)).status, 404);
    EXPECT_EQ(admin("POST", "/api/v1/dlq/" + std::to_string(first) + "/replay").status, 404);  // no longer dead
    const auto metrics = test::http_request("GET", h_.intake_url("/metrics")).body;
    EXPECT_EQ(metric(metrics, "herald_dead_letter_jobs"), 0);
}

TEST_F(Operations, BulkReplayTakesTheSameFilters) {
    h_.fault(R"({"path_prefix":"/slack/","mode":"status","status":410,"body":"channel_is_archived"})");
    for (int i = 0; i < 3; ++i)
        ASSERT_EQ(h_.post(test::failed_event("bulk-" + std::to_string(i), "payments-api")).status, 202);
    ASSERT_TRUE(h_.wait_for_jobs_done(3, 10s));
    h_.clear_faults();
    const auto r = test::run_process(cli("dlq replay --all --team payments --json"));
    EXPECT_EQ(r.exit_status, 0) << r.output;
    EXPECT_EQ(json::parse(r.output).at("replayed").as_array().size(), 3u);
    ASSERT_TRUE(h_.wait_for_jobs_done(3, 10s));
    for (const auto& job : h_.jobs()) EXPECT_EQ(job.state, "delivered");
}

TEST_F(Operations, ReloadUnderLoadRefusesABadConfigAndAppliesAGoodOne) {
    // A webhook destination takes the load (the fake Slack keeps Slack's 1 message/s).
    h_.team("bulk",
            "version: 1\nteam: bulk\nservices: [bulk-api]\nchannels:\n  - name: hook\n    type: webhook\n"
            "    settings:\n      url: " +
                h_.secret("bulk", h_.fake_url("/webhook/bulk")) + "\n");
    ASSERT_EQ(admin("POST", "/-/reload").status, 200);
    std::atomic<bool> posting{true};
    std::atomic<int> accepted{0};
    std::thread load([&] {
        for (int i = 0; posting && i < 2000; ++i) {
            if (h_.post(test::failed_event("load-" + std::to_string(i), "bulk-api")).status == 202) ++accepted;
            std::this_thread::sleep_for(2ms);
        }
    });
    std::this_thread::sleep_for(200ms);
    h_.team("broken", "version: 1\nteam: broken\nchannels:\n  - name: x\n    type: slak\n");
    const auto refused = admin("POST", "/-/reload");
    EXPECT_EQ(refused.status, 422);
    EXPECT_NE(refused.body.find("unknown channel type 'slak'; did you mean 'slack'?"), std::string::npos)
        << refused.body;
    const auto cli_refused = test::run_process(cli("reload"));
    EXPECT_EQ(cli_refused.exit_status, 1);
    EXPECT_NE(cli_refused.output.find("unknown channel type 'slak'"), std::string::npos) << cli_refused.output;
    std::this_thread::sleep_for(200ms);

    std::filesystem::remove(h_.dir() / "routing/broken.yaml");
    h_.team("search", slack_team(h_, "search", "search-api", "/slack/services/T/B/search"));
    EXPECT_EQ(admin("POST", "/-/reload").status, 200);
    ASSERT_EQ(h_.post(test::failed_event("after-reload", "search-api")).status, 202);
    // Enough load to mean something, however slow this machine is today (bounded).
    test::wait_until([&] { return accepted.load() > 100; }, 20s);
    posting = false;
    load.join();
    ASSERT_GT(accepted.load(), 100);
    ASSERT_TRUE(h_.wait_for_jobs_done(static_cast<size_t>(accepted) + 1, 30s)) << h_.herald_log();
    size_t delivered = 0;
    for (const auto& job : h_.jobs()) delivered += job.state == "delivered";
    EXPECT_EQ(delivered, static_cast<size_t>(accepted) + 1) << "every event posted during the reloads is delivered";
    const auto jobs = h_.jobs();
    const auto after =
        std::find_if(jobs.begin(), jobs.end(), [](const auto& j) { return j.event_id == "after-reload"; });
    ASSERT_NE(after, jobs.end());
    EXPECT_EQ(after->team, "search");  // the new team file is in force
    const auto m = test::http_request("GET", h_.intake_url("/metrics")).body;
    EXPECT_EQ(metric(m, R"(herald_config_reloads_total{result="failure"})"), 2);
    EXPECT_EQ(metric(m, R"(herald_config_reloads_total{result="success"})"), 2);
}

TEST_F(Operations, SighupReloads) {
    h_.team("search", slack_team(h_, "search", "search-api", "/slack/services/T/B/search"));
    kill(h_.herald().pid(), SIGHUP);
    ASSERT_TRUE(test::wait_until([&] { return h_.herald_log().find("config: reloaded") != std::string::npos; }, 10s));
    ASSERT_EQ(h_.post(test::failed_event("hup-1", "search-api")).status, 202);
    ASSERT_TRUE(h_.wait_for_jobs_done(1, 10s));
    EXPECT_EQ(h_.jobs().at(0).team, "search");
}

TEST(OperationsLogs, JsonLogsCarryEventFieldsAndNoSecret) {
    ServeHarness h;
    const std::string webhook_secret_part = "SECRETPATH9d8c7b";
    h.team("payments",
           "version: 1\nteam: payments\nservices: [payments-api]\nchannels:\n  - name: deploys\n"
           "    type: slack\n    settings:\n      webhook_url: " +
               h.secret("url", h.fake_url("/slack/services/T/B/" + webhook_secret_part)) + "\n");
    h.set_admin_token(kAdminToken);
    h.write_host_config();
    h.extra_args({"--log-format", "json"});
    h.start_herald();
    h.fault(R"({"path_prefix":"/slack/","mode":"status","status":400,"body":"invalid_payload )" + webhook_secret_part +
            R"("})");
    ASSERT_EQ(h.post(test::failed_event("log-1", "payments-api")).status, 202);
    ASSERT_TRUE(h.wait_for_jobs_done(1, 10s));
    test::http_request("POST", h.admin_url("/-/reload"), "", {"Authorization: Bearer " + kAdminToken});
    h.herald().stop();

    const std::string log = h.herald_log();
    for (const std::string& secret :
         {webhook_secret_part, test::kSourceSecret, kAdminToken, std::string("test-bearer-token")}) {
        EXPECT_EQ(log.find(secret), std::string::npos) << "secret '" << secret << "' in the log:\n" << log;
    }
    bool saw_event_line = false;
    std::istringstream lines(log);
    for (std::string line; std::getline(lines, line);) {
        boost::system::error_code ec;
        const auto v = json::parse(line, ec);
        ASSERT_FALSE(ec) << "not a JSON line: " << line;
        if (v.as_object().contains("event")) {
            saw_event_line = true;
            EXPECT_EQ(v.at("event").as_string(), "log-1");
            EXPECT_EQ(v.at("team").as_string(), "payments");
            EXPECT_EQ(v.at("channel").as_string(), "deploys");
            EXPECT_EQ(v.at("attempt").as_int64(), 1);
        }
    }
    EXPECT_TRUE(saw_event_line) << log;
    // The dead-letter record masks the secret the channel echoed back.
    const auto dead = h.jobs().at(0);
    EXPECT_EQ(dead.dead_reason.find(webhook_secret_part), std::string::npos) << dead.dead_reason;
}

}  // namespace
}  // namespace herald
