// The Store contract: every implementation (SQLite, the in-memory fake, any future one) must
// pass this suite. It is instantiated once per implementation below.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "support/memory_store.hpp"
#include "support/postgres_server.hpp"
#include "support/temp_dir.hpp"
#include "unit/store/store_test_items.hpp"

namespace herald {
namespace {

using test::item;
using test::outcome;
using test::postgres;

struct StoreFactory {
    std::string name;
    std::function<std::unique_ptr<Store>(const test::TempDir&)> open;
};

class StoreContract : public ::testing::TestWithParam<StoreFactory> {
 protected:
    void SetUp() override { store_ = GetParam().open(dir_); }
    test::TempDir dir_;
    std::unique_ptr<Store> store_;
};

TEST_P(StoreContract, CommitStoresEventsAndJobsAndRefusesDuplicateIds) {
    const auto first = store_->commit({item("e1", "api", DeployStatus::failed, 1000, {"a", "b"})}, {});
    ASSERT_EQ(first.size(), 1u);
    EXPECT_FALSE(first[0].duplicate);
    ASSERT_EQ(first[0].jobs.size(), 2u);
    EXPECT_EQ(first[0].jobs[0].target.channel, "a");
    const auto again = store_->commit({item("e1", "api", DeployStatus::failed, 2000)}, {});
    EXPECT_TRUE(again[0].duplicate);
    EXPECT_TRUE(again[0].jobs.empty());
    EXPECT_EQ(store_->open_jobs().size(), 2u);
    const auto read = store_->reader()->event(first[0].event_seq);
    ASSERT_TRUE(read.has_value());
    EXPECT_EQ(read->id, "e1");
    EXPECT_EQ(read->accepted_at_ms, 1000);
}

TEST_P(StoreContract, ADuplicateWritesNothingNotEvenTheServiceStatus) {
    store_->commit({item("e1", "api", DeployStatus::failed, 1000)}, {});
    // The same id again, now claiming success: refused whole, so the service is still failing.
    const auto again = store_->commit({item("e1", "api", DeployStatus::succeeded, 2000, {"a"})}, {});
    EXPECT_TRUE(again[0].duplicate);
    EXPECT_TRUE(again[0].jobs.empty());
    const auto next = store_->commit({item("e2", "api", DeployStatus::succeeded, 3000)}, {});
    EXPECT_TRUE(next[0].recovery.is_recovery);
    EXPECT_EQ(next[0].recovery.failures_before, 1u);
}

TEST_P(StoreContract, TheSameIdTwiceInOneCommitIsStoredOnce) {
    const auto both = store_->commit(
        {item("e1", "api", DeployStatus::failed, 1000, {"a"}), item("e1", "api", DeployStatus::failed, 1000, {"a"})},
        {});
    ASSERT_EQ(both.size(), 2u);
    EXPECT_FALSE(both[0].duplicate);
    EXPECT_TRUE(both[1].duplicate);
    EXPECT_TRUE(both[1].jobs.empty());
    EXPECT_EQ(store_->open_jobs().size(), 1u);
    const auto next = store_->commit({item("e2", "api", DeployStatus::succeeded, 3000)}, {});
    EXPECT_EQ(next[0].recovery.failures_before, 1u) << "the duplicate did not count as a second failure";
}

TEST_P(StoreContract, OpenJobsAreInAcceptanceOrderAndFinishedOnesLeave) {
    const auto a = store_->commit({item("e1", "api", DeployStatus::failed, 1000)}, {})[0].jobs[0];
    const auto b = store_->commit({item("e2", "web", DeployStatus::failed, 1001)}, {})[0].jobs[0];
    const auto c = store_->commit({item("e3", "api", DeployStatus::succeeded, 1002)}, {})[0].jobs[0];
    store_->commit({}, {outcome(b, JobState::delivered, 1100), outcome(c, JobState::retry, 1100)});
    const auto open = store_->open_jobs();
    ASSERT_EQ(open.size(), 2u);
    EXPECT_EQ(open[0].id, a.id);
    EXPECT_EQ(open[1].id, c.id);
    EXPECT_EQ(open[1].state, JobState::retry);
    EXPECT_EQ(open[1].attempts, 1u);
    EXPECT_EQ(open[1].next_attempt_at_ms, 2100);
}

TEST_P(StoreContract, ASuccessAfterFailuresIsARecoveryWithTheStreak) {
    store_->commit({item("f1", "api", DeployStatus::failed, 1000), item("f2", "api", DeployStatus::failed, 2000)}, {});
    const auto ok = store_->commit({item("s1", "api", DeployStatus::succeeded, 3000)}, {})[0];
    EXPECT_TRUE(ok.recovery.is_recovery);
    EXPECT_EQ(ok.recovery.failures_before, 2u);
    EXPECT_EQ(ok.recovery.failing_since_ms, 1000);
    const auto next = store_->commit({item("s2", "api", DeployStatus::succeeded, 4000)}, {})[0];
    EXPECT_FALSE(next.recovery.is_recovery);
}

TEST_P(StoreContract, ReceiptsAreKeptPerDestinationAndDeployment) {
    const auto job = store_->commit({item("e1", "api", DeployStatus::started, 1000)}, {})[0].jobs[0];
    store_->commit({}, {outcome(job, JobState::delivered, 1100, "ts-123")});
    EXPECT_EQ(store_->reader()->receipt(job.target.destination_hash, job.deployment_id), "ts-123");
    EXPECT_EQ(store_->reader()->receipt("other", job.deployment_id), std::nullopt);
}

TEST_P(StoreContract, DeadJobsCanBeListedReplayedAndDropped) {
    const auto jobs = store_->commit({item("e1", "api", DeployStatus::failed, 1000, {"a", "b"})}, {})[0].jobs;
    store_->commit({}, {outcome(jobs[0], JobState::dead, 1100), outcome(jobs[1], JobState::dead, 1100)});
    auto admin = store_->admin_reader();
    EXPECT_EQ(admin->count_dead(), 2);
    DeadLetterFilter by_channel;
    by_channel.channel = "b";
    ASSERT_EQ(admin->dead_letters(by_channel).size(), 1u);
    EXPECT_EQ(admin->dead_letters(by_channel)[0].dead_reason, "gave up");

    const auto replayed = store_->replay_dead({jobs[0].id, 999999}, 5000);
    ASSERT_EQ(replayed.size(), 1u);
    EXPECT_EQ(replayed[0].attempts, 0u);
    EXPECT_LE(replayed[0].next_attempt_at_ms, 5000);  // due at once
    EXPECT_EQ(store_->open_jobs().size(), 1u);
    const auto shown = admin->job(jobs[0].id);
    ASSERT_TRUE(shown.has_value());
    EXPECT_EQ(shown->history.size(), 1u);  // history kept across the replay

    EXPECT_FALSE(store_->drop_dead(jobs[0].id));  // pending now: not droppable
    EXPECT_TRUE(store_->drop_dead(jobs[1].id));
    EXPECT_EQ(admin->count_dead(), 0);
}

TEST_P(StoreContract, RetentionRemovesOnlyOldFinishedWork) {
    const auto jobs = store_->commit({item("e1", "api", DeployStatus::failed, 1000, {"a", "b", "c", "d"})}, {})[0].jobs;
    store_->commit({}, {outcome(jobs[0], JobState::delivered, 1100), outcome(jobs[1], JobState::dead, 1100),
                        outcome(jobs[2], JobState::delivered, 9000)});
    store_->prune_finished(5000);
    auto admin = store_->admin_reader();
    EXPECT_FALSE(admin->job(jobs[0].id).has_value());  // delivered long ago: pruned
    EXPECT_TRUE(admin->job(jobs[1].id).has_value());   // dead: kept for the DLQ
    EXPECT_TRUE(admin->job(jobs[2].id).has_value());   // delivered recently
    EXPECT_TRUE(admin->job(jobs[3].id).has_value());   // still pending
}

TEST_P(StoreContract, EventsAreListedNewestFirstWithFiltersAndPages) {
    const auto first = store_->commit({item("e1", "api", DeployStatus::failed, 1000, {"a", "b"})}, {})[0].jobs;
    store_->commit({item("e2", "web", DeployStatus::succeeded, 2000)}, {});
    store_->commit({item("e3", "api", DeployStatus::succeeded, 3000)}, {});
    store_->commit({}, {outcome(first[0], JobState::delivered, 1100), outcome(first[1], JobState::dead, 1100)});
    auto admin = store_->admin_reader();
    std::vector<std::string> ids;
    for (const auto& e : admin->events({})) ids.push_back(e.id);
    EXPECT_EQ(ids, (std::vector<std::string>{"e3", "e2", "e1"}));

    EventListFilter api;
    api.service = "api";
    const auto listed = admin->events(api);
    ASSERT_EQ(listed.size(), 2u);
    EXPECT_EQ(listed[1].id, "e1");
    EXPECT_EQ(listed[1].deliveries, 2);
    EXPECT_EQ(listed[1].delivered, 1);
    EXPECT_EQ(listed[1].dead, 1);

    EventListFilter failed;
    failed.status = "failed";
    EXPECT_EQ(admin->events(failed).size(), 1u);
    EventListFilter recent;
    recent.since_ms = 2000;
    EXPECT_EQ(admin->events(recent).size(), 2u);
    EventListFilter page;
    page.limit = 2;
    const auto first_page = admin->events(page);
    ASSERT_EQ(first_page.size(), 2u);
    page.before_seq = first_page.back().seq;
    const auto second_page = admin->events(page);
    ASSERT_EQ(second_page.size(), 1u);
    EXPECT_EQ(second_page[0].id, "e1");
}

TEST_P(StoreContract, FailingServicesAreThoseWhoseLastDeployFailed) {
    store_->commit({item("e1", "api", DeployStatus::failed, 1000)}, {});
    store_->commit({item("e2", "api", DeployStatus::failed, 2000)}, {});
    store_->commit({item("e3", "web", DeployStatus::failed, 3000)}, {});
    store_->commit({item("e4", "web", DeployStatus::succeeded, 4000)}, {});
    store_->commit({item("e5", "db", DeployStatus::started, 5000)}, {});
    const auto failing = store_->admin_reader()->failing_services();
    ASSERT_EQ(failing.size(), 1u);
    EXPECT_EQ(failing[0].service, "api");
    EXPECT_EQ(failing[0].failing_since_ms, 1000);  // from the first failure
    EXPECT_EQ(failing[0].failures, 2);
}

TEST_P(StoreContract, ServiceStatusesArePagedByServiceWithEveryEnvironment) {
    store_->commit({item("e1", "api", DeployStatus::failed, 1000)}, {});
    IngestItem staging = item("e2", "api", DeployStatus::succeeded, 2000);
    staging.event.environment = "staging";
    store_->commit({staging}, {});
    store_->commit({item("e3", "web", DeployStatus::succeeded, 3000)}, {});
    store_->commit({item("e4", "db_1", DeployStatus::failed, 4000)}, {});
    auto reader = store_->admin_reader();
    const ServiceStatusPage first = reader->service_statuses({"", 0, 2});
    EXPECT_EQ(first.total_services, 3);
    ASSERT_EQ(first.rows.size(), 3u);  // api in two environments, then db_1
    EXPECT_EQ(first.rows[0].service, "api");
    EXPECT_EQ(first.rows[0].environment, "production");
    EXPECT_EQ(first.rows[0].last_status, "failed");
    EXPECT_EQ(first.rows[0].failing_since_ms, 1000);
    EXPECT_EQ(first.rows[1].environment, "staging");
    EXPECT_EQ(first.rows[1].last_status, "succeeded");
    EXPECT_EQ(first.rows[1].failing_since_ms, 0);
    EXPECT_EQ(first.rows[2].service, "db_1");
    const ServiceStatusPage second = reader->service_statuses({"", 2, 2});
    ASSERT_EQ(second.rows.size(), 1u);
    EXPECT_EQ(second.rows[0].service, "web");
    const ServiceStatusPage search = reader->service_statuses({"_", 0, 50});  // a literal underscore
    EXPECT_EQ(search.total_services, 1);
    ASSERT_EQ(search.rows.size(), 1u);
    EXPECT_EQ(search.rows[0].service, "db_1");
}

TEST_P(StoreContract, FailingSinceIsTheFirstFailuresFinishTimeWhenGiven) {
    IngestItem first = item("e1", "api", DeployStatus::failed, 5000);
    first.event.finished_at_ms = 4200;  // finished before Herald heard of it
    store_->commit({first}, {});
    const auto recovery = store_->commit({item("e2", "api", DeployStatus::succeeded, 9000)}, {})[0].recovery;
    EXPECT_TRUE(recovery.is_recovery);
    EXPECT_EQ(recovery.failing_since_ms, 4200);
}

TEST_P(StoreContract, EventDetailsListEveryDeliveryWithItsAttempts) {
    const auto job = store_->commit({item("e1", "api", DeployStatus::failed, 1000)}, {})[0].jobs[0];
    store_->commit({}, {outcome(job, JobState::retry, 1100)});
    const auto details = store_->admin_reader()->event_by_id("e1");
    ASSERT_TRUE(details.has_value());
    ASSERT_EQ(details->jobs.size(), 1u);
    EXPECT_EQ(details->jobs[0].state, "retry");
    ASSERT_EQ(details->jobs[0].history.size(), 1u);
    EXPECT_EQ(details->jobs[0].history[0].status_code, 500);
    EXPECT_FALSE(store_->admin_reader()->event_by_id("nope").has_value());
}

INSTANTIATE_TEST_SUITE_P(
    Implementations, StoreContract,
    ::testing::Values(
        StoreFactory{"sqlite",
                     [](const test::TempDir& dir) { return open_sqlite_store((dir.path() / "herald.db").string()); }},
        StoreFactory{"memory", [](const test::TempDir&) { return std::make_unique<test::MemoryStore>(); }},
        // A real PostgreSQL 15, started once for the suite; each test gets a database of its own.
        StoreFactory{"postgres", [](const test::TempDir&) { return open_postgres_store(postgres().new_database()); }}),
    [](const ::testing::TestParamInfo<StoreFactory>& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace herald
