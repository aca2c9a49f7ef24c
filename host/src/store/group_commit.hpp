// The writer thread: it owns every write to the store and batches them. Events posted by many
// connections at once, and job outcomes reported by the dispatcher, share one transaction (and
// one fsync), so durable acknowledgements scale past the disk's fsync rate.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <variant>
#include <vector>

#include "store/store.hpp"

namespace herald {

// The jobs of one newly accepted event, with the event they deliver.
struct AcceptedJobs {
    std::vector<OpenJob> jobs;
    std::shared_ptr<const EventRecord> event;
};

// Receives the jobs of newly accepted events: once per commit, in acceptance order. One call per
// commit, not per event, so a busy writer wakes the dispatcher once for the whole batch.
class NewJobSink {
 public:
    virtual ~NewJobSink() = default;
    virtual void on_accepted(std::vector<AcceptedJobs> batch) = 0;
};

// Takes job outcomes to be committed; the dispatcher reports through it.
class JobUpdateSink {
 public:
    virtual ~JobUpdateSink() = default;
    virtual void submit_updates(std::vector<JobUpdate> updates) = 0;
};

class GroupCommitter final : public JobUpdateSink {
 public:
    using Result = std::variant<IngestOutcome, std::string>;  // outcome, or why the store failed
    // Called after the commit, before the commit's new jobs go to the sink. With a sink set,
    // they have been taken for it (moved, not copied), so `jobs` is empty.
    using Done = std::function<void(Result)>;

    // `outcome_wait`: how long job outcomes with no event to commit beside them wait for one when
    // the last commit held at most one event (0: they commit at once). Outcomes are already
    // delivered, so waiting delays only their record.
    GroupCommitter(Store& store, size_t max_batch = 1024,
                   std::chrono::milliseconds probe_interval = std::chrono::milliseconds(1000),
                   std::chrono::microseconds outcome_wait = std::chrono::microseconds(1000));
    ~GroupCommitter() override;

    void set_sink(NewJobSink* sink) { sink_ = sink; }
    void start();
    // Commits what is queued, then stops. Later submissions fail.
    void stop();

    // Who submits an event. A lone client (the only connection to intake) waits for each answer
    // before it sends again, so no other event could share its commit: when the writer is idle,
    // its event is committed on the submitting thread, which saves the two thread wake-ups on
    // its acknowledgement's path (writer, then submitter). Durability is the same either way.
    enum class Submitter { one_of_many, lone_client };

    void submit(IngestItem item, Done done, Submitter submitter = Submitter::one_of_many);
    void submit_updates(std::vector<JobUpdate> updates) override;
    // Deletes finished work older than the cut-off, on the writer thread.
    void prune(int64_t older_than_ms);
    // Runs `op` on the writer thread between commits and waits for it (admin writes).
    void run_on_writer(std::function<void(Store&)> op);

    bool healthy() const { return healthy_.load(); }

 private:
    struct Batch {
        std::vector<std::pair<IngestItem, Done>> items;
        std::vector<JobUpdate> updates;
    };

    void run();
    bool next_batch(Batch& batch);
    // The writer's turn to use the store: waits out a lone client's commit, then holds the store
    // until the writer next waits (`writer_idle_`).
    void take_turn(std::unique_lock<std::mutex>& lock);
    // Commits a lone client's event, with the outcomes queued, on the calling thread. Called with
    // the lock held and the writer idle; returns with it released.
    void commit_here(std::unique_lock<std::mutex>& lock, IngestItem item, Done done);
    // Runs queued admin operations and a prune; true when an admin operation ran.
    bool run_operations(std::unique_lock<std::mutex>& lock);
    bool commit(Batch& batch);
    void probe();
    static std::shared_ptr<const EventRecord> accepted_record(IngestItem&& item, const IngestOutcome& outcome);

    Store& store_;
    const size_t max_batch_;
    const std::chrono::milliseconds probe_interval_;  // while unhealthy and idle
    const std::chrono::microseconds outcome_wait_;
    NewJobSink* sink_ = nullptr;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::vector<std::pair<IngestItem, Done>> items_;
    std::vector<JobUpdate> updates_;
    int64_t prune_before_ms_ = 0;
    std::vector<std::function<void(Store&)>> ops_;
    bool stopping_ = false;
    // While the writer waits for company (or outcomes wait for an event): the queued events that
    // end the wait (0 otherwise).
    // Only the submission that completes the company wakes it, not every one: each wake-up is a
    // context switch on the hot path.
    size_t company_ = 0;
    // The store is used by one thread at a time: the writer, except while it waits with
    // `writer_idle_` set, when a lone client may commit on its own thread (`committing_here_`).
    bool writer_idle_ = false;
    bool committing_here_ = false;
    std::atomic<bool> healthy_{true};
    // Written by the thread whose turn it is to commit (see above).
    uint64_t commits_ = 0;
    uint64_t events_total_ = 0;
    size_t last_batch_ = 0;
    uint64_t updates_total_ = 0;
    std::thread thread_;
};

}  // namespace herald
