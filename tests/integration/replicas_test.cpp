// Several `herald serve` replicas on one PostgreSQL database, as a load balancer would spread
// events over them: one shared Slack channel gets every event once, at its 1 message/s, with
// no 429 and each service's events in order; kill -9 of replicas mid-burst, again and again,
// loses nothing acknowledged; a dead replica's lanes are taken over within the lease.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <iostream>
#include <mutex>
#include <regex>
#include <thread>

#include "support/postgres_server.hpp"
#include "support/serve_harness.hpp"

namespace herald {
namespace {

using namespace std::chrono_literals;
using test::ServeHarness;
namespace json = boost::json;

std::string event(const std::string& id, const std::string& service, const std::string& status,
                  const std::string& version) {
    return R"({"id":")" + id + R"(","service":")" + service + R"(","environment":"production","status":")" + status +
           R"(","version":")" + version +
           R"(","commit":{"sha":"abc123"},"triggered_by":"ci","pipeline":{"url":"https://ci.example.com/r/1"}})";
}

class Replicas : public ::testing::Test {
 protected:
    // `count` replicas on one database; a 2 s lease so that takeovers are quick to test.
    void start(size_t count, const std::string& channels) {
        h_.set_storage_block("storage:\n  kind: postgres\n  lease_seconds: 2\n  url: " +
                             h_.secret("database", db_.new_database()));
        h_.team("payments",
                "version: 1\nteam: payments\nservices: [payments-api, ledger, refunds]\nchannels:\n" + channels);
        h_.write_host_config();
        for (size_t i = 0; i < count; ++i) h_.start_replica(i);
    }

    std::string logs(size_t count) {
        std::string out;
        for (size_t i = 0; i < count; ++i) out += "--- replica " + std::to_string(i) + "\n" + h_.replica_log(i);
        return out;
    }

    // Whether every id reached the fake webhook (bounded wait).
    bool all_delivered(const std::vector<std::string>& ids, std::chrono::milliseconds limit = 60s) {
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
    // Deliveries beyond the first of each id.
    size_t duplicates(const std::vector<std::string>& ids) {
        auto seen = h_.webhook_deliveries_by_event();
        size_t extra = 0;
        for (const auto& id : ids) extra += seen[id] > 1 ? static_cast<size_t>(seen[id] - 1) : 0;
        return extra;
    }

    // The version of every request the fake Slack webhook received, in arrival order.
    std::vector<std::string> slack_versions() {
        static const std::regex version(R"(\*Version\*\\n([0-9.]+))");
        std::vector<std::string> out;
        for (const auto& r : h_.fake_requests("slack")) {
            const std::string body(r.at("body").as_string());
            std::smatch m;
            if (std::regex_search(body, m, version)) out.push_back(m[1]);
        }
        return out;
    }

    test::PostgresServer db_;
    ServeHarness h_;
};

TEST_F(Replicas, ThreeShareABurstToOneSlackChannelAtItsRateInOrderWithoutA429) {
    start(3,
          "  - name: deploys\n    type: slack\n    statuses: [started, failed, succeeded]\n    settings:\n"
          "      webhook_url: " +
              h_.secret("slack", h_.fake_url("/slack/services/T/B/shared")) + "\n");
    // Two services, four events each, posted round-robin to the three replicas.
    const std::vector<std::string> services = {"payments-api", "ledger"};
    const std::vector<std::string> statuses = {"started", "failed", "started", "succeeded"};
    std::map<std::string, std::vector<std::string>> posted;
    size_t next = 0;
    for (size_t step = 0; step < statuses.size(); ++step) {
        for (size_t s = 0; s < services.size(); ++s) {
            const std::string version = std::to_string(s + 1) + ".0." + std::to_string(step);
            const std::string id = services[s] + "-" + std::to_string(step);
            const auto r = h_.post_to(next++ % 3, event(id, services[s], statuses[step], version));
            ASSERT_EQ(r.status, 202) << r.body;
            posted[services[s]].push_back(version);
        }
    }
    const size_t total = services.size() * statuses.size();
    ASSERT_TRUE(test::wait_until([&] { return slack_versions().size() >= total; }, 30s)) << logs(3);
    std::this_thread::sleep_for(1500ms);  // a duplicate would arrive by now

    const auto versions = slack_versions();
    EXPECT_EQ(versions.size(), total) << "each event once";
    int64_t limited = 0;
    for (const auto& r : h_.fake_requests("slack")) limited += r.at("status").to_number<int64_t>() == 429 ? 1 : 0;
    EXPECT_EQ(limited, 0) << "three replicas together keep to the channel's 1 message/s";
    for (size_t s = 0; s < services.size(); ++s) {
        std::vector<std::string> seen;
        for (const auto& v : versions) {
            if (v.rfind(std::to_string(s + 1) + ".0.", 0) == 0) seen.push_back(v);
        }
        EXPECT_EQ(seen, posted[services[s]]) << services[s] << " in the order its events were accepted";
    }
}

// What a platform team needs of replicas in one test: kill one of three mid-burst to a shared
// Slack channel, and every acknowledged event still arrives, in order, within the rate limit.
TEST_F(Replicas, AKilledReplicasShareOfASlackBurstArrivesInOrderWithinTheRateLimit) {
    start(3,
          "  - name: deploys\n    type: slack\n    statuses: [started, failed, succeeded]\n    settings:\n"
          "      webhook_url: " +
              h_.secret("slack", h_.fake_url("/slack/services/T/B/shared")) + "\n");
    const std::vector<std::string> services = {"payments-api", "ledger", "refunds"};
    const std::vector<std::string> statuses = {"started", "failed", "succeeded"};
    std::map<std::string, std::vector<std::string>> posted;
    size_t next = 0;
    for (size_t step = 0; step < statuses.size(); ++step) {
        for (size_t s = 0; s < services.size(); ++s) {
            const std::string version = std::to_string(s + 1) + ".0." + std::to_string(step);
            const auto r = h_.post_to(
                next++ % 3, event(services[s] + "-" + std::to_string(step), services[s], statuses[step], version));
            ASSERT_EQ(r.status, 202) << r.body;
            posted[services[s]].push_back(version);
        }
    }
    // Every replica owns a lane (each accepted a service's first event); one dies mid-burst.
    std::this_thread::sleep_for(2500ms);
    h_.replica(1).kill_hard();
    const size_t total = services.size() * statuses.size();
    std::vector<std::string> versions;
    ASSERT_TRUE(test::wait_until(
        [&] {
            versions = slack_versions();
            return std::set<std::string>(versions.begin(), versions.end()).size() >= total;
        },
        30s))
        << logs(3);
    int64_t limited = 0;
    for (const auto& r : h_.fake_requests("slack")) limited += r.at("status").to_number<int64_t>() == 429 ? 1 : 0;
    EXPECT_EQ(limited, 0) << "the channel's 1 message/s held across replicas and the takeover";
    for (size_t s = 0; s < services.size(); ++s) {
        std::vector<std::string> first_seen;
        for (const auto& v : versions) {
            if (v.rfind(std::to_string(s + 1) + ".0.", 0) == 0 &&
                std::find(first_seen.begin(), first_seen.end(), v) == first_seen.end()) {
                first_seen.push_back(v);
            }
        }
        EXPECT_EQ(first_seen, posted[services[s]]) << services[s] << " in the order its events were accepted";
    }
    std::cout << "Slack burst with a replica killed: " << total << " events, " << versions.size()
              << " messages (duplicates: " << versions.size() - total << "), no 429\n";
}

TEST_F(Replicas, KillNineOfReplicasMidBurstAgainAndAgainLosesNothingAcknowledged) {
    h_.fault(R"({"path_prefix":"/webhook/","mode":"slow","delay_ms":15})");
    start(2, "  - name: hook\n    type: webhook\n    statuses: [failed, succeeded]\n    settings:\n      url: " +
                 h_.secret("hook", h_.fake_url("/webhook/payments")) + "\n");
    const std::vector<std::string> services = {"payments-api", "ledger", "refunds"};
    std::vector<std::string> accepted;
    std::map<std::string, std::vector<std::string>> order;  // per service, as accepted
    int kills = 0;
    for (int round = 0; round < 4; ++round) {
        const size_t victim = static_cast<size_t>(round % 2);
        for (int i = 0; i < 60; ++i) {
            const std::string service = services[static_cast<size_t>(i) % services.size()];
            const std::string id = "r" + std::to_string(round) + "-" + std::to_string(i);
            // Spread over both replicas; after the kill only the survivor answers.
            const size_t to = i < 40 ? static_cast<size_t>(i) % 2 : 1 - victim;
            if (i == 40) {
                h_.replica(victim).kill_hard();
                ++kills;
            }
            if (h_.post_to(to, test::failed_event(id, service)).status == 202) {
                accepted.push_back(id);
                order[service].push_back(id);
            }
        }
        h_.start_replica(victim);
    }
    ASSERT_TRUE(all_delivered(accepted)) << logs(2);
    const size_t extra = duplicates(accepted);
    // Each service's first deliveries follow its acceptance order.
    std::map<std::string, std::vector<std::string>> first_seen;
    std::set<std::string> delivered;
    for (const auto& r : h_.fake_requests("webhook")) {
        const auto body = json::parse(r.at("body").as_string());
        const std::string id(body.at("event").at("id").as_string());
        const std::string service(body.at("event").at("service").as_string());
        if (delivered.insert(id).second) first_seen[service].push_back(id);
    }
    for (const auto& service : services) EXPECT_EQ(first_seen[service], order[service]) << service;
    EXPECT_EQ(accepted.size(), 240u);
    EXPECT_LE(extra, static_cast<size_t>(kills) * services.size()) << "at most the requests in flight per kill";
    std::cout << "Replica kill -9 run: " << accepted.size() << " accepted over " << kills
              << " kills of one of two replicas, all delivered, " << extra << " duplicates\n";
}

TEST_F(Replicas, ADeadReplicasLanesAreTakenOverWithinTheLease) {
    start(2, "  - name: hook\n    type: webhook\n    statuses: [failed, succeeded]\n    settings:\n      url: " +
                 h_.secret("hook", h_.fake_url("/webhook/payments")) + "\n");
    // Replica 0 accepts first, so it owns the lane.
    ASSERT_EQ(h_.post_to(0, test::failed_event("owned", "payments-api")).status, 202);
    ASSERT_TRUE(test::wait_until([&] { return h_.webhook_deliveries_by_event()["owned"] == 1; }, 10s)) << logs(2);
    h_.replica(0).kill_hard();
    const auto killed = std::chrono::steady_clock::now();
    ASSERT_EQ(h_.post_to(1, test::failed_event("after-kill", "payments-api")).status, 202);
    ASSERT_TRUE(test::wait_until([&] { return h_.webhook_deliveries_by_event()["after-kill"] == 1; }, 15s)) << logs(2);
    const auto takeover =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - killed);
    std::cout << "Lease takeover after kill -9 (lease 2 s, heartbeat 666 ms): " << takeover.count()
              << " ms from the kill to the delivery by the other replica\n";
    EXPECT_GE(takeover, 1000ms) << "the lane waited for the dead replica's lease";
    EXPECT_LT(takeover, 4s) << "lease plus a heartbeat or two";
}

TEST_F(Replicas, TheDatabaseRestartedUnderLoadLosesNothingAcknowledged) {
    start(2, "  - name: hook\n    type: webhook\n    statuses: [failed, succeeded]\n    settings:\n      url: " +
                 h_.secret("hook", h_.fake_url("/webhook/payments")) + "\n");
    std::vector<std::string> accepted;
    std::mutex accepted_mutex;
    std::atomic<bool> done{false};
    std::thread poster([&] {
        for (int i = 0; i < 2000 && !done.load(); ++i) {
            const std::string id = "load-" + std::to_string(i);
            const auto r =
                h_.post_to(static_cast<size_t>(i) % 2, test::failed_event(id, i % 2 == 0 ? "ledger" : "refunds"));
            if (r.status == 202) {
                std::lock_guard lock(accepted_mutex);
                accepted.push_back(id);
            }
            std::this_thread::sleep_for(10ms);
        }
    });
    std::this_thread::sleep_for(800ms);
    db_.stop();
    std::this_thread::sleep_for(3s);  // longer than the 2 s lease: both replicas lose theirs
    db_.start();
    const size_t before_back = [&] {
        std::lock_guard lock(accepted_mutex);
        return accepted.size();
    }();
    std::this_thread::sleep_for(4s);  // the replicas accept again without a restart
    done.store(true);
    poster.join();
    ASSERT_GT(accepted.size(), before_back + 50) << logs(2);
    ASSERT_TRUE(all_delivered(accepted)) << logs(2);
    std::cout << "Database restart under load: " << accepted.size() << " accepted (503 while it was down), "
              << "all delivered after it came back, " << duplicates(accepted) << " duplicates\n";
}

// The dead-letter queue, its gauge and replay are the database's: a delivery that one replica
// dead-lettered is listed, counted and replayed through the other, and delivered by its owner.
TEST_F(Replicas, TheDeadLetterQueueIsTheSameOnEveryReplica) {
    h_.fault(R"({"path_prefix":"/webhook/","mode":"status","status":400})");
    start(2, "  - name: hook\n    type: webhook\n    statuses: [failed, succeeded]\n    settings:\n      url: " +
                 h_.secret("hook", h_.fake_url("/webhook/payments")) + "\n");
    ASSERT_EQ(h_.post_to(0, test::failed_event("dead-one", "payments-api")).status, 202);
    json::array items;
    ASSERT_TRUE(test::wait_until(
        [&] {
            const auto r = test::http_request("GET", h_.replica_admin_url(1, "/api/v1/dlq"));
            items = json::parse(r.body).at("items").as_array();
            return !items.empty();
        },
        10s))
        << logs(2);
    const int64_t job = items.at(0).at("id").to_number<int64_t>();
    const auto gauge = [&](size_t replica) {
        const std::string text = test::http_request("GET", h_.replica_intake_url(replica, "/metrics")).body;
        const auto pos = text.find("\nherald_dead_letter_jobs ");
        return pos == std::string::npos ? -1.0 : std::stod(text.substr(pos + 25));
    };
    EXPECT_EQ(gauge(1), 1.0) << "the replica that did not dead-letter it counts it";

    h_.clear_faults();
    const auto replayed =
        test::http_request("POST", h_.replica_admin_url(1, "/api/v1/dlq/" + std::to_string(job) + "/replay"));
    ASSERT_EQ(replayed.status, 200) << replayed.body;
    EXPECT_TRUE(test::wait_until([&] { return h_.webhook_deliveries_by_event()["dead-one"] == 2; }, 10s))
        << "rejected once, then delivered after the replay\n"
        << logs(2);
    EXPECT_TRUE(test::wait_until([&] { return gauge(0) == 0.0 && gauge(1) == 0.0; }, 5s));
}

}  // namespace
}  // namespace herald
