// The group committer against the in-memory store: acknowledgements only after a commit, many
// submitters sharing one commit, new jobs handed on in acceptance order, and no outcome lost
// when a commit fails.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <future>
#include <thread>

#include "committer_test_items.hpp"
#include "store/group_commit.hpp"
#include "support/memory_store.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace herald {
namespace {

using test::commits;
using test::committer_item;
using test::delivered;
using test::state_of;

class RecordingSink final : public NewJobSink {
 public:
    void on_accepted(std::vector<AcceptedJobs> batch) override {
        std::lock_guard lock(mutex);
        for (auto& accepted : batch) {
            for (auto& j : accepted.jobs) ids.push_back(accepted.event->id + "#" + std::to_string(j.id));
        }
        ++calls;
    }
    size_t calls = 0;
    std::mutex mutex;
    std::vector<std::string> ids;
};

GroupCommitter::Result submit_and_wait(GroupCommitter& committer, IngestItem it) {
    std::promise<GroupCommitter::Result> done;
    auto answer = done.get_future();
    committer.submit(std::move(it), [&done](GroupCommitter::Result r) { done.set_value(std::move(r)); });
    return answer.get();
}

TEST(GroupCommit, AcknowledgesAfterTheCommitAndHandsJobsOnInOrder) {
    test::MemoryStore store;
    RecordingSink sink;
    GroupCommitter committer(store);
    committer.set_sink(&sink);
    committer.start();
    const auto r1 = submit_and_wait(committer, committer_item("e1"));
    const auto r2 = submit_and_wait(committer, committer_item("e2"));
    ASSERT_TRUE(std::holds_alternative<IngestOutcome>(r1));
    EXPECT_EQ(store.data().events.size(), 2u);  // on the store before the answer came back
    EXPECT_TRUE(std::get<IngestOutcome>(submit_and_wait(committer, committer_item("e1"))).duplicate);
    committer.stop();
    EXPECT_EQ(sink.ids, (std::vector<std::string>{"e1#1", "e2#2"}));
    (void)r2;
}

// The dispatcher hears of a commit's new jobs in one call, so a busy writer wakes it once per
// commit rather than once per event.
TEST(GroupCommit, HandsOnACommitsNewJobsInOneCall) {
    test::MemoryStore store;
    RecordingSink sink;
    GroupCommitter committer(store);
    committer.set_sink(&sink);
    committer.start();
    // Hold the writer between commits while four events queue up behind it.
    std::promise<void> release;
    std::promise<void> holding;
    std::thread holder([&] {
        committer.run_on_writer([&](Store&) {
            holding.set_value();
            release.get_future().wait();
        });
    });
    holding.get_future().wait();
    std::vector<std::future<GroupCommitter::Result>> answers;
    std::vector<std::promise<GroupCommitter::Result>> promises(4);
    for (int i = 0; i < 4; ++i) {
        answers.push_back(promises[static_cast<size_t>(i)].get_future());
        committer.submit(committer_item("e" + std::to_string(i + 1)), [&promises, i](GroupCommitter::Result r) {
            promises[static_cast<size_t>(i)].set_value(std::move(r));
        });
    }
    release.set_value();
    holder.join();
    for (auto& answer : answers) ASSERT_TRUE(std::holds_alternative<IngestOutcome>(answer.get()));
    committer.stop();
    EXPECT_EQ(sink.ids, (std::vector<std::string>{"e1#1", "e2#2", "e3#3", "e4#4"}));
    EXPECT_EQ(sink.calls, 1u);
}

TEST(GroupCommit, ConcurrentSubmittersAreAllAcknowledgedAndStored) {
    test::MemoryStore store;
    GroupCommitter committer(store);
    committer.start();
    std::vector<std::thread> clients;
    std::atomic<int> accepted{0};
    for (int t = 0; t < 8; ++t) {
        clients.emplace_back([&, t] {
            for (int i = 0; i < 50; ++i) {
                const auto r =
                    submit_and_wait(committer, committer_item("e" + std::to_string(t) + "-" + std::to_string(i)));
                if (std::holds_alternative<IngestOutcome>(r)) ++accepted;
            }
        });
    }
    for (auto& c : clients) c.join();
    committer.stop();
    EXPECT_EQ(accepted.load(), 400);
    EXPECT_EQ(store.data().events.size(), 400u);
}

void fail_next_commit(test::MemoryStore& store) {
    std::lock_guard lock(store.data().mutex);
    store.data().fail_next_commits = 1;
}

TEST(GroupCommit, AFailedCommitRefusesItsEventsButKeepsJobOutcomesForTheNextTry) {
    using namespace std::chrono_literals;
    test::MemoryStore store;
    GroupCommitter committer(store);
    committer.start();
    const auto accepted = std::get<IngestOutcome>(submit_and_wait(committer, committer_item("e1")));

    fail_next_commit(store);
    const auto refused = submit_and_wait(committer, committer_item("e2"));
    ASSERT_TRUE(std::holds_alternative<std::string>(refused));
    EXPECT_EQ(std::get<std::string>(refused), "disk full (simulated)");
    EXPECT_FALSE(committer.healthy());

    // An outcome whose commit fails is written by the next commit, not lost.
    fail_next_commit(store);
    JobUpdate delivered;
    delivered.job_id = accepted.jobs[0].id;
    delivered.state = JobState::delivered;
    delivered.attempts = 1;
    committer.submit_updates({delivered});
    ASSERT_TRUE(test::wait_until(
        [&] {
            std::lock_guard lock(store.data().mutex);
            return store.data().fail_next_commits == 0;
        },
        5s));
    ASSERT_TRUE(std::holds_alternative<IngestOutcome>(submit_and_wait(committer, committer_item("e3"))));
    committer.stop();
    EXPECT_EQ(store.data().jobs.at(accepted.jobs[0].id).state, JobState::delivered);
    EXPECT_TRUE(committer.healthy());
}

TEST(GroupCommit, AnUnwritableStoreIsProbedAndRecoversWithoutNewWork) {
    using namespace std::chrono_literals;
    test::MemoryStore store;
    GroupCommitter committer(store, 1024, 20ms);
    committer.start();
    {
        std::lock_guard lock(store.data().mutex);
        store.data().unwritable = true;
    }
    ASSERT_TRUE(std::holds_alternative<std::string>(submit_and_wait(committer, committer_item("e1"))));
    EXPECT_FALSE(committer.healthy());
    // While it stays unwritable the probes fail and the committer stays unhealthy.
    ASSERT_TRUE(test::wait_until(
        [&] {
            std::lock_guard lock(store.data().mutex);
            return store.data().probes >= 3;
        },
        5s));
    EXPECT_FALSE(committer.healthy());
    // Space is back: with nothing submitted and no outcome pending, the probe notices.
    {
        std::lock_guard lock(store.data().mutex);
        store.data().unwritable = false;
    }
    EXPECT_TRUE(test::wait_until([&] { return committer.healthy(); }, 5s));
    EXPECT_TRUE(std::holds_alternative<IngestOutcome>(submit_and_wait(committer, committer_item("e2"))));
    committer.stop();
}

// A committer whose outcomes wait `outcome_wait`, with one event committed and its delivery's
// outcome just reported.
struct ReportedOutcome {
    explicit ReportedOutcome(std::chrono::microseconds outcome_wait)
        : committer(store, 1024, std::chrono::milliseconds(1000), outcome_wait) {
        committer.start();
        job_id = std::get<IngestOutcome>(submit_and_wait(committer, committer_item("e1"))).jobs[0].id;
        commits_before = commits(store);
        committer.submit_updates({delivered(job_id)});
    }
    test::MemoryStore store;
    GroupCommitter committer;
    int64_t job_id = 0;
    int commits_before = 0;
};

// A client posting events one after another sends the next as the last one's delivery comes
// back: the outcome waits for that event and shares its commit, rather than taking a commit (and
// an fsync) of its own for the event to wait out.
TEST(GroupCommit, AnOutcomeWaitsForTheNextEventAndSharesItsCommit) {
    using namespace std::chrono_literals;
    ReportedOutcome reported(10s);
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(commits(reported.store), reported.commits_before);  // still waiting for an event
    ASSERT_TRUE(std::holds_alternative<IngestOutcome>(submit_and_wait(reported.committer, committer_item("e2"))));
    EXPECT_EQ(commits(reported.store), reported.commits_before + 1);
    EXPECT_EQ(state_of(reported.store, reported.job_id), JobState::delivered);
}

TEST(GroupCommit, AnOutcomeWithNoEventToShareIsCommittedWhenItsWaitEnds) {
    using namespace std::chrono_literals;
    ReportedOutcome reported(20ms);
    EXPECT_TRUE(test::wait_until([&] { return state_of(reported.store, reported.job_id) == JobState::delivered; }, 5s));
}

// A running committer whose outcomes would wait a minute for an event: long enough that a test
// sees whatever ends the wait early.
struct MinuteOutcomeWait {
    MinuteOutcomeWait() { committer.start(); }
    IngestOutcome accept(const std::string& id) {
        return std::get<IngestOutcome>(submit_and_wait(committer, committer_item(id)));
    }
    test::MemoryStore store;
    GroupCommitter committer{store, 1024, std::chrono::milliseconds(1000), std::chrono::minutes(1)};
};

// Neither a stop nor an admin operation waits out an outcome's wait.
TEST(GroupCommit, StoppingOrAnAdminOperationEndsAnOutcomesWait) {
    using namespace std::chrono_literals;
    MinuteOutcomeWait writer;
    const auto e1 = writer.accept("e1");
    const auto e2 = writer.accept("e2");

    // The operation comes while the outcome waits (it ends the wait) or, if the writer takes
    // both at once, runs first (the outcome then does not wait).
    writer.committer.submit_updates({delivered(e1.jobs[0].id)});
    std::this_thread::sleep_for(50ms);
    auto operation = std::async(std::launch::async, [&] { writer.committer.run_on_writer([](Store&) {}); });
    ASSERT_EQ(operation.wait_for(10s), std::future_status::ready);
    EXPECT_TRUE(test::wait_until([&] { return state_of(writer.store, e1.jobs[0].id) == JobState::delivered; }, 5s));

    writer.committer.submit_updates({delivered(e2.jobs[0].id)});
    auto stopping = std::async(std::launch::async, [&] { writer.committer.stop(); });
    ASSERT_EQ(stopping.wait_for(10s), std::future_status::ready);
    EXPECT_EQ(state_of(writer.store, e2.jobs[0].id), JobState::delivered);
}

// The writer takes an outcome and an admin operation together: the operation runs first, and
// the outcome is then committed without waiting for an event.
TEST(GroupCommit, AnOutcomeTakenWithAnAdminOperationDoesNotWait) {
    using namespace std::chrono_literals;
    MinuteOutcomeWait writer;
    const auto e1 = writer.accept("e1");
    std::promise<void> release;
    std::promise<void> entered;
    auto operation = std::async(std::launch::async, [&] {
        writer.committer.run_on_writer([&](Store&) {
            entered.set_value();
            release.get_future().wait();
        });
    });
    ASSERT_EQ(entered.get_future().wait_for(10s), std::future_status::ready);
    writer.committer.submit_updates({delivered(e1.jobs[0].id)});  // while the writer runs the operation
    release.set_value();
    ASSERT_EQ(operation.wait_for(10s), std::future_status::ready);
    EXPECT_TRUE(test::wait_until([&] { return state_of(writer.store, e1.jobs[0].id) == JobState::delivered; }, 5s));
}

TEST(StoreProbe, SqliteProbeWritesAndSucceedsOnAWritableStore) {
    test::TempDir dir;
    auto store = open_sqlite_store((dir.path() / "h.db").string());
    EXPECT_NO_THROW(store->probe(1234));
    store.reset();
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2((dir.path() / "h.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db, "SELECT at_ms FROM store_probe WHERE id = 1", -1, &stmt, nullptr);
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);  // the probe wrote and committed its row
    EXPECT_EQ(sqlite3_column_int64(stmt, 0), 1234);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
}

}  // namespace
}  // namespace herald
