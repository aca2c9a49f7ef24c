// Replicas on one PostgreSQL database: a lane's jobs reach its one owner, whichever replica
// stored them, in id order; a stopped replica's lanes move to another; rate limits and
// Retry-After pauses hold across replicas. Each "replica" here is a store and its work sharing
// with a sink that records what it is handed.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "unit/store/store_test_items.hpp"

namespace herald {
namespace {

using namespace std::chrono_literals;
using test::item;
using test::outcome;
using test::postgres;

class RecordingSink final : public SharedWorkSink {
 public:
    void on_shared_jobs(std::vector<OpenJob> jobs) override {
        std::lock_guard lock(mutex_);
        for (auto& job : jobs) jobs_.push_back(std::move(job));
        changed_.notify_all();
    }
    void forget_shared_jobs() override {
        std::lock_guard lock(mutex_);
        ++forgotten_;
        jobs_.clear();
    }
    void work_allowed_until(int64_t local_ms) override { allowed_until_.store(local_ms); }

    // The ids handed over so far, once `count` have come or `limit` has passed.
    std::vector<int64_t> wait_for(size_t count, std::chrono::milliseconds limit = 10s) {
        std::unique_lock lock(mutex_);
        changed_.wait_for(lock, limit, [&] { return jobs_.size() >= count; });
        std::vector<int64_t> ids;
        for (const auto& job : jobs_) ids.push_back(job.id);
        return ids;
    }
    int forgotten() {
        std::lock_guard lock(mutex_);
        return forgotten_;
    }
    int64_t allowed_until() const { return allowed_until_.load(); }

 private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<OpenJob> jobs_;
    int forgotten_ = 0;
    std::atomic<int64_t> allowed_until_{0};
};

struct Replica {
    explicit Replica(const std::string& url, int64_t lease_ms = 3000) : store(open_postgres_store(url)) {
        WorkSharingOptions options;
        options.replica_name = "test";
        options.lease_ms = lease_ms;
        options.heartbeat_ms = 200;
        sharing = store->work_sharing(options);
        sharing->start(sink);
    }
    std::unique_ptr<Store> store;
    RecordingSink sink;
    std::unique_ptr<WorkSharing> sharing;
};

std::vector<int64_t> ids_of(const std::vector<IngestOutcome>& outcomes) {
    std::vector<int64_t> ids;
    for (const auto& o : outcomes) {
        for (const auto& job : o.jobs) ids.push_back(job.id);
    }
    return ids;
}

TEST(PostgresWorkSharing, ALanesJobsReachItsOneOwnerInOrderWhicheverReplicaStoredThem) {
    const std::string url = postgres().new_database();
    Replica a(url), b(url);
    ASSERT_NE(a.sharing, nullptr);
    EXPECT_GT(a.sink.allowed_until(), 0) << "the lease lets deliveries start";

    std::vector<int64_t> stored;
    for (int i = 0; i < 6; ++i) {
        Replica& by = i % 2 == 0 ? a : b;  // the first store claims the lane for a
        auto ids = ids_of(by.store->commit({item("e" + std::to_string(i), "api", DeployStatus::failed, 1000 + i)}, {}));
        stored.insert(stored.end(), ids.begin(), ids.end());
    }
    EXPECT_EQ(a.sink.wait_for(6), stored) << "every job of the lane, each once, in id order";
    EXPECT_TRUE(b.sink.wait_for(1, 300ms).empty()) << "a lane has one owner";
    EXPECT_EQ(a.sharing->owned_lanes(), 1u);

    // Another service's lane, first stored by b, is b's.
    const auto other = ids_of(b.store->commit({item("o1", "billing", DeployStatus::failed, 2000)}, {}));
    EXPECT_EQ(b.sink.wait_for(1), other);
}

// Notifications that arrive while the owner is reading are not lost: a burst ends with every
// job handed over, with no later event to wake the owner.
TEST(PostgresWorkSharing, ABurstFromAnotherReplicaArrivesWhole) {
    const std::string url = postgres().new_database();
    Replica a(url), b(url);
    a.store->commit({item("first", "api", DeployStatus::failed, 1000)}, {});  // a owns the lane
    ASSERT_EQ(a.sink.wait_for(1).size(), 1u);
    for (int i = 0; i < 300; ++i)
        b.store->commit({item("b" + std::to_string(i), "api", DeployStatus::failed, 2000 + i)}, {});
    EXPECT_EQ(a.sink.wait_for(301, 5s).size(), 301u);
}

TEST(PostgresWorkSharing, AStoppedReplicasOpenJobsMoveToAnotherInOrder) {
    const std::string url = postgres().new_database();
    auto a = std::make_unique<Replica>(url);
    Replica b(url);
    const auto first = a->store->commit({item("e1", "api", DeployStatus::failed, 1000)}, {});
    const auto second = a->store->commit({item("e2", "api", DeployStatus::succeeded, 1001)}, {});
    const auto third = b.store->commit({item("e3", "api", DeployStatus::failed, 1002)}, {});
    ASSERT_EQ(a->sink.wait_for(3).size(), 3u);
    // e1 delivered: only e2 and e3 are open when a stops.
    a->store->commit({}, {outcome(first[0].jobs[0], JobState::delivered, 1500)});
    const auto started = std::chrono::steady_clock::now();
    a.reset();  // stops: gives its lanes up at once
    const std::vector<int64_t> open = {second[0].jobs[0].id, third[0].jobs[0].id};
    EXPECT_EQ(b.sink.wait_for(2, 5s), open);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s) << "no wait for the lease to run out";
    EXPECT_EQ(b.sharing->owned_lanes(), 1u);
}

TEST(PostgresWorkSharing, AReplayedJobGoesToItsLanesOwner) {
    const std::string url = postgres().new_database();
    Replica a(url), b(url);
    const auto stored = a.store->commit({item("e1", "api", DeployStatus::failed, 1000)}, {});
    ASSERT_EQ(a.sink.wait_for(1).size(), 1u);
    b.store->commit({}, {outcome(stored[0].jobs[0], JobState::dead, 1500)});
    const auto replayed = b.store->replay_dead({stored[0].jobs[0].id}, 2000);
    ASSERT_EQ(replayed.size(), 1u);
    EXPECT_EQ(a.sink.wait_for(2), (std::vector<int64_t>{stored[0].jobs[0].id, stored[0].jobs[0].id}))
        << "the owner is handed the replayed job again";
    EXPECT_TRUE(b.sink.wait_for(1, 300ms).empty());
}

TEST(PostgresWorkSharing, RateLimitsAndPausesHoldAcrossReplicas) {
    const std::string url = postgres().new_database();
    auto one = open_postgres_store(url)->shared_rate_limits();
    auto two = open_postgres_store(url)->shared_rate_limits();
    ASSERT_NE(one, nullptr);
    const int64_t now = 1'000'000;
    EXPECT_EQ(one->take("slack:C1", 1.0, 1, now), now) << "the first request goes";
    const int64_t wait = two->take("slack:C1", 1.0, 1, now) - now;
    EXPECT_GT(wait, 0) << "the other replica waits its turn at 1/s";
    EXPECT_LE(wait, 1000);
    EXPECT_EQ(two->take("slack:C2", 1.0, 1, now), now) << "another key is not held back";

    two->pause_until("hook", now + 5000, now);
    const int64_t paused = one->take("hook", 0.0, 1, now) - now;
    EXPECT_GT(paused, 3000) << "a Retry-After pause on one replica holds the other";
    EXPECT_LE(paused, 5000) << "milliseconds are whole on the database's clock, so never more than asked";
}

}  // namespace
}  // namespace herald
