// A lone client's events are committed on its own thread when the writer is idle, with the
// outcomes waiting for them; otherwise they go through the writer. Either way the store is used
// by one thread at a time, and a failed commit loses no outcome and is recovered from.
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "committer_test_items.hpp"
#include "store/group_commit.hpp"
#include "support/memory_store.hpp"
#include "support/process.hpp"

namespace herald {
namespace {

using namespace std::chrono_literals;
using Submitter = GroupCommitter::Submitter;
using test::commits;
using test::delivered;
using test::state_of;

// One submission's answer, and where it was given.
struct Answer {
    GroupCommitter::Result result;
    std::thread::id thread;
    bool before_submit_returned = false;
};

Answer submit(GroupCommitter& committer, const std::string& id, Submitter submitter) {
    std::promise<Answer> answered;
    auto answer = answered.get_future();
    std::atomic<bool> returned{false};
    committer.submit(
        test::committer_item(id),
        [&](GroupCommitter::Result result) {
            answered.set_value({std::move(result), std::this_thread::get_id(), !returned.load()});
        },
        submitter);
    returned = true;
    return answer.get();
}

bool answered_here(const Answer& answer) {
    return answer.before_submit_returned && answer.thread == std::this_thread::get_id();
}

// Submits a lone client's events until one is committed on this thread, as it is once the writer
// has gone idle; that answer.
std::optional<Answer> lone_answer_here(GroupCommitter& committer, const std::string& prefix) {
    std::optional<Answer> here;
    int n = 0;
    test::wait_until(
        [&] {
            Answer answer = submit(committer, prefix + std::to_string(++n), Submitter::lone_client);
            if (answered_here(answer)) here = std::move(answer);
            return here.has_value();
        },
        5s);
    return here;
}

TEST(LoneClientCommit, AnIdleWritersLoneClientIsCommittedOnItsOwnThread) {
    test::MemoryStore store;
    GroupCommitter committer(store);
    committer.start();
    const auto here = lone_answer_here(committer, "lone-");
    ASSERT_TRUE(here.has_value()) << "no lone client's event was committed on its own thread";
    ASSERT_TRUE(std::holds_alternative<IngestOutcome>(here->result));
    EXPECT_FALSE(std::get<IngestOutcome>(here->result).duplicate);
    committer.stop();
    EXPECT_EQ(store.data().overlapping.load(), 0);
}

TEST(LoneClientCommit, ManyClientsEventsGoThroughTheWriter) {
    test::MemoryStore store;
    GroupCommitter committer(store);
    committer.start();
    std::this_thread::sleep_for(50ms);  // the writer is idle
    for (int i = 0; i < 5; ++i) {
        const Answer answer = submit(committer, "many-" + std::to_string(i), Submitter::one_of_many);
        ASSERT_TRUE(std::holds_alternative<IngestOutcome>(answer.result));
        EXPECT_NE(answer.thread, std::this_thread::get_id());
    }
    committer.stop();
}

// While the writer uses the store (here for an admin operation), a lone client's event waits for
// the writer rather than using the store beside it.
TEST(LoneClientCommit, ABusyWriterCommitsTheLoneClientsEventItself) {
    test::MemoryStore store;
    GroupCommitter committer(store);
    committer.start();
    std::promise<void> entered, release;
    auto operation = std::async(std::launch::async, [&] {
        committer.run_on_writer([&](Store&) {
            const test::MemoryStore::Writing writing(store.data());
            entered.set_value();
            release.get_future().wait();
        });
    });
    ASSERT_EQ(entered.get_future().wait_for(10s), std::future_status::ready);
    auto lone = std::async(std::launch::async, [&] {
        const Answer answer = submit(committer, "e1", Submitter::lone_client);
        return std::pair(answer, std::this_thread::get_id());
    });
    EXPECT_EQ(lone.wait_for(100ms), std::future_status::timeout);  // not committed beside the operation
    release.set_value();
    ASSERT_EQ(lone.wait_for(10s), std::future_status::ready);
    const auto [answer, submitter_thread] = lone.get();
    ASSERT_TRUE(std::holds_alternative<IngestOutcome>(answer.result));
    EXPECT_NE(answer.thread, submitter_thread);  // the writer's
    committer.stop();
    EXPECT_EQ(store.data().overlapping.load(), 0);
}

// While a lone client's commit runs on its thread, the writer waits its turn for new work.
TEST(LoneClientCommit, TheWriterWaitsForALoneClientsCommit) {
    test::MemoryStore store;
    const auto client = std::this_thread::get_id();
    std::atomic<bool> hold{false};
    std::promise<void> holding, release;
    auto released = release.get_future().share();
    store.data().on_commit = [&] {
        if (std::this_thread::get_id() != client || !hold.exchange(false)) return;
        holding.set_value();
        released.wait();
    };
    GroupCommitter committer(store);
    committer.start();
    ASSERT_TRUE(lone_answer_here(committer, "first-").has_value());

    hold = true;
    auto lone = std::async(std::launch::deferred, [&] { return submit(committer, "held", Submitter::lone_client); });
    std::thread later([&] {
        holding.get_future().wait();
        auto operation = std::async(std::launch::async, [&] {
            committer.run_on_writer([&](Store&) { const test::MemoryStore::Writing writing(store.data()); });
        });
        EXPECT_EQ(operation.wait_for(100ms), std::future_status::timeout);  // waiting its turn
        release.set_value();
        EXPECT_EQ(operation.wait_for(10s), std::future_status::ready);
    });
    const Answer held = lone.get();  // on this thread: the commit is held until `later` releases it
    later.join();
    EXPECT_TRUE(answered_here(held));
    committer.stop();
    EXPECT_EQ(store.data().overlapping.load(), 0);
}

// The outcome of the client's last delivery waits for its next event; committed on the client's
// thread, that event takes the outcome into its commit.
TEST(LoneClientCommit, TheEventTakesTheOutcomesWaitingForIt) {
    test::MemoryStore store;
    GroupCommitter committer(store, 1024, 1000ms, 10s);
    committer.start();
    const auto first = lone_answer_here(committer, "first-");
    ASSERT_TRUE(first.has_value());
    const int64_t job = std::get<IngestOutcome>(first->result).jobs.at(0).id;
    committer.submit_updates({delivered(job)});
    std::this_thread::sleep_for(50ms);  // the writer waits (10 s) for an event to share the outcome's commit
    const int before = commits(store);
    const Answer next = submit(committer, "next", Submitter::lone_client);
    EXPECT_TRUE(answered_here(next));
    EXPECT_EQ(commits(store), before + 1);
    EXPECT_EQ(state_of(store, job), JobState::delivered);
    committer.stop();
    EXPECT_EQ(commits(store), before + 1);  // nothing was left for the writer
}

void make_unwritable(test::MemoryStore& store, bool unwritable) {
    std::lock_guard lock(store.data().mutex);
    store.data().unwritable = unwritable;
}

// A failed commit on the client's thread refuses its event and keeps the outcomes it carried: the
// writer writes them once the store takes writes again.
TEST(LoneClientCommit, AFailedCommitKeepsTheOutcomesItCarried) {
    test::MemoryStore store;
    GroupCommitter committer(store, 1024, 20ms, 50ms);
    committer.start();
    const auto first = lone_answer_here(committer, "first-");
    ASSERT_TRUE(first.has_value());
    const int64_t job = std::get<IngestOutcome>(first->result).jobs.at(0).id;

    make_unwritable(store, true);
    committer.submit_updates({delivered(job)});
    const Answer refused = submit(committer, "refused", Submitter::lone_client);
    ASSERT_TRUE(std::holds_alternative<std::string>(refused.result));
    EXPECT_FALSE(committer.healthy());
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(state_of(store, job), JobState::pending);
    make_unwritable(store, false);
    EXPECT_TRUE(test::wait_until([&] { return state_of(store, job) == JobState::delivered; }, 5s));
    EXPECT_TRUE(committer.healthy());
    committer.stop();
    EXPECT_EQ(store.data().overlapping.load(), 0);
}

// With nothing left to write, a failed commit on the client's thread leaves the writer probing
// the store, so the host takes events again once it can write, with no new work to try it.
TEST(LoneClientCommit, AFailedCommitLeavesTheWriterProbingTheStore) {
    test::MemoryStore store;
    GroupCommitter committer(store, 1024, 20ms);
    committer.start();
    ASSERT_TRUE(lone_answer_here(committer, "first-").has_value());

    make_unwritable(store, true);
    const Answer refused = submit(committer, "refused", Submitter::lone_client);
    ASSERT_TRUE(answered_here(refused));
    ASSERT_TRUE(std::holds_alternative<std::string>(refused.result));
    EXPECT_FALSE(committer.healthy());
    ASSERT_TRUE(test::wait_until(
        [&] {
            std::lock_guard lock(store.data().mutex);
            return store.data().probes >= 2;
        },
        5s))
        << "the writer does not probe an unhealthy store";
    make_unwritable(store, false);
    EXPECT_TRUE(test::wait_until([&] { return committer.healthy(); }, 5s));
    committer.stop();
    EXPECT_EQ(store.data().overlapping.load(), 0);
}

// A lone client, outcomes and admin operations all at once: every event is acknowledged and
// stored, every outcome written, and the store never used by two threads together.
TEST(LoneClientCommit, TheStoreHasOneUserAtATimeUnderMixedWork) {
    test::MemoryStore store;
    GroupCommitter committer(store, 1024, 1000ms, 200us);
    committer.start();
    std::atomic<bool> done{false};
    std::atomic<int> operations_ran{0};
    auto operations = std::async(std::launch::async, [&] {
        while (!done.load() && operations_ran.load() < 100000) {
            committer.run_on_writer([&](Store&) { const test::MemoryStore::Writing writing(store.data()); });
            ++operations_ran;
            std::this_thread::sleep_for(100us);
        }
    });
    ASSERT_TRUE(test::wait_until([&] { return operations_ran.load() > 0; }, 5s));
    std::vector<int64_t> jobs;
    for (int i = 0; i < 2000; ++i) {
        const Answer answer = submit(committer, "mixed-" + std::to_string(i), Submitter::lone_client);
        ASSERT_TRUE(std::holds_alternative<IngestOutcome>(answer.result));
        const int64_t job = std::get<IngestOutcome>(answer.result).jobs.at(0).id;
        jobs.push_back(job);
        committer.submit_updates({delivered(job)});
    }
    done = true;
    operations.get();
    committer.stop();
    EXPECT_EQ(store.data().events.size(), 2000u);
    for (const int64_t job : jobs) EXPECT_EQ(state_of(store, job), JobState::delivered) << "job " << job;
    EXPECT_EQ(store.data().overlapping.load(), 0);
}

}  // namespace
}  // namespace herald
