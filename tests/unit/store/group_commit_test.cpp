// The group committer against the in-memory store: acknowledgements only after a commit, many
// submitters sharing one commit, new jobs handed on in acceptance order, and no outcome lost
// when a commit fails.
#include <gtest/gtest.h>

#include <future>

#include "store/group_commit.hpp"
#include "support/memory_store.hpp"

namespace herald {
namespace {

IngestItem item(const std::string& id) {
    IngestItem it;
    it.event.id = id;
    it.event.service = "api";
    it.event.environment = "production";
    it.event.status = DeployStatus::failed;
    it.event.json = "{}";
    it.accepted_at_ms = 1000;
    it.targets.push_back({"payments", "deploys", "webhook", "hash", "owner", false});
    return it;
}

class RecordingSink final : public NewJobSink {
 public:
    void on_new_jobs(std::vector<OpenJob> jobs, std::shared_ptr<const EventRecord> event) override {
        std::lock_guard lock(mutex);
        for (auto& j : jobs) ids.push_back(event->id + "#" + std::to_string(j.id));
    }
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
    const auto r1 = submit_and_wait(committer, item("e1"));
    const auto r2 = submit_and_wait(committer, item("e2"));
    ASSERT_TRUE(std::holds_alternative<IngestOutcome>(r1));
    EXPECT_EQ(store.data().events.size(), 2u);  // on the store before the answer came back
    EXPECT_TRUE(std::get<IngestOutcome>(submit_and_wait(committer, item("e1"))).duplicate);
    committer.stop();
    EXPECT_EQ(sink.ids, (std::vector<std::string>{"e1#1", "e2#2"}));
    (void)r2;
}

TEST(GroupCommit, ManySubmittersShareCommits) {
    test::MemoryStore store;
    GroupCommitter committer(store);
    committer.start();
    std::vector<std::thread> clients;
    std::atomic<int> accepted{0};
    for (int t = 0; t < 8; ++t) {
        clients.emplace_back([&, t] {
            for (int i = 0; i < 50; ++i) {
                const auto r = submit_and_wait(committer, item("e" + std::to_string(t) + "-" + std::to_string(i)));
                if (std::holds_alternative<IngestOutcome>(r)) ++accepted;
            }
        });
    }
    for (auto& c : clients) c.join();
    committer.stop();
    EXPECT_EQ(accepted.load(), 400);
    EXPECT_EQ(store.data().events.size(), 400u);
    EXPECT_LE(store.data().commits, 400);  // never more commits than events; usually far fewer
}

TEST(GroupCommit, AFailedCommitRefusesItsEventsButKeepsJobOutcomesForTheNextTry) {
    test::MemoryStore store;
    GroupCommitter committer(store);
    committer.start();
    const auto accepted = std::get<IngestOutcome>(submit_and_wait(committer, item("e1")));
    store.data().fail_next_commits = 1;
    JobUpdate delivered;
    delivered.job_id = accepted.jobs[0].id;
    delivered.state = JobState::delivered;
    delivered.attempts = 1;
    committer.submit_updates({delivered});
    // The failed commit answers its submitters with the error; the update is written next time.
    const auto refused = submit_and_wait(committer, item("e2"));
    if (std::holds_alternative<std::string>(refused)) {
        EXPECT_EQ(std::get<std::string>(refused), "disk full (simulated)");
    }
    committer.submit_updates({});
    ASSERT_TRUE(std::holds_alternative<IngestOutcome>(submit_and_wait(committer, item("e3"))));
    committer.stop();
    EXPECT_TRUE(store.open_jobs().size() >= 1u);
    EXPECT_EQ(store.data().jobs.at(accepted.jobs[0].id).state, JobState::delivered);
    EXPECT_TRUE(committer.healthy());
}

}  // namespace
}  // namespace herald
