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

    void submit(IngestItem item, Done done);
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
    std::atomic<bool> healthy_{true};
    uint64_t commits_ = 0;        // writer thread only
    uint64_t events_total_ = 0;   // writer thread only
    size_t last_batch_ = 0;       // writer thread only
    uint64_t updates_total_ = 0;  // writer thread only
    std::thread thread_;
};

}  // namespace herald
