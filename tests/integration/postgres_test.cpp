// `herald serve` on PostgreSQL: events are acknowledged after PostgreSQL's commit and delivered;
// while the database is down the intake answers 503 with Retry-After and /readyz says why; once
// the database is back Herald recovers without a restart and nothing acknowledged is lost.
#include <gtest/gtest.h>

#include "support/postgres_server.hpp"
#include "support/serve_harness.hpp"

namespace herald {
namespace {

using namespace std::chrono_literals;
using test::ServeHarness;

class Postgres : public ::testing::Test {
 protected:
    void SetUp() override {
        h_.set_storage_block("storage:\n  kind: postgres\n  lease_seconds: 2\n  url: " +
                             h_.secret("database", db_.new_database()));
        h_.team("payments",
                "version: 1\nteam: payments\nservices: [payments-api]\nchannels:\n"
                "  - name: hook\n    type: webhook\n    statuses: [failed, succeeded]\n    settings:\n"
                "      url: " +
                    h_.secret("payments-hook", h_.fake_url("/webhook/payments")) + "\n");
        h_.write_host_config();
        h_.start_herald();
    }

    bool delivered(const std::vector<std::string>& ids, std::chrono::milliseconds limit) {
        return test::wait_until(
            [&] {
                auto seen = h_.webhook_deliveries_by_event();
                for (const auto& id : ids) {
                    if (seen[id] == 0) return false;
                }
                return true;
            },
            limit);
    }

    test::PostgresServer db_;
    ServeHarness h_;
};

TEST_F(Postgres, AcknowledgedEventsAreDeliveredAndDuplicatesRecognised) {
    std::vector<std::string> ids;
    for (int i = 0; i < 20; ++i) {
        ids.push_back("pg-" + std::to_string(i));
        ASSERT_EQ(h_.post(test::failed_event(ids.back(), "payments-api")).status, 202);
    }
    EXPECT_EQ(h_.post(test::failed_event("pg-3", "payments-api")).status, 200) << "a duplicate";
    EXPECT_TRUE(delivered(ids, 20s)) << h_.herald_log();
    const auto events = test::http_request("GET", h_.admin_url("/api/v1/events?service=payments-api&limit=50"));
    EXPECT_EQ(events.status, 200);
    EXPECT_NE(events.body.find("\"id\":\"pg-19\""), std::string::npos) << events.body;
}

TEST_F(Postgres, DatabaseDownMeans503AndHeraldRecoversWhenItIsBack) {
    ASSERT_EQ(h_.post(test::failed_event("before", "payments-api")).status, 202);
    ASSERT_TRUE(delivered({"before"}, 20s)) << h_.herald_log();

    db_.stop();
    // The first commit after the restart finds the connection gone.
    test::HttpResult refused;
    ASSERT_TRUE(test::wait_until(
        [&] {
            refused = h_.post(test::failed_event("while-down", "payments-api"));
            return refused.status == 503;
        },
        10s))
        << refused.status << " " << refused.body;
    EXPECT_FALSE(refused.header("Retry-After").empty());
    const auto ready = test::http_request("GET", h_.admin_url("/readyz"));
    EXPECT_EQ(ready.status, 503);
    EXPECT_NE(ready.body.find("store"), std::string::npos) << ready.body;
    EXPECT_EQ(h_.herald_log().find("postgresql://"), std::string::npos) << "no URL in the log, only host:port/db";

    db_.start();
    // Ready again without a restart: the writer's probe reconnects.
    test::HttpResult accepted;
    ASSERT_TRUE(test::wait_until(
        [&] {
            accepted = h_.post(test::failed_event("after", "payments-api"));
            return accepted.status == 202;
        },
        20s))
        << accepted.status << " " << accepted.body << "\n"
        << h_.herald_log();
    EXPECT_TRUE(delivered({"before", "after"}, 20s)) << h_.herald_log();
}

TEST_F(Postgres, KillNineLosesNothingAcknowledged) {
    h_.fault(R"({"path_prefix":"/webhook/","mode":"slow","delay_ms":20})");
    std::vector<std::string> accepted;
    for (int i = 0; i < 150; ++i) {
        const std::string id = "pg-crash-" + std::to_string(i);
        if (h_.post(test::failed_event(id, "payments-api")).status == 202) accepted.push_back(id);
    }
    h_.herald().kill_hard();
    const size_t before_restart = h_.fake_requests("webhook").size();
    EXPECT_LT(before_restart, accepted.size()) << "the crash came too late to test anything";
    h_.start_herald();  // the writer's session, and with it its lock, ended with the process
    EXPECT_TRUE(delivered(accepted, 60s)) << h_.herald_log();
    auto seen = h_.webhook_deliveries_by_event();
    size_t duplicates = 0;
    for (const auto& id : accepted) duplicates += seen[id] > 1 ? static_cast<size_t>(seen[id] - 1) : 0;
    std::cout << "PostgreSQL kill -9 run: " << accepted.size() << " accepted, " << before_restart
              << " delivered before the crash, all delivered after restart, " << duplicates << " duplicates\n";
}

}  // namespace
}  // namespace herald
