// The dispatcher: turns open jobs into HTTP requests through their channel's plugin, sends them
// with the transport, and reports every outcome to the update sink (the group committer).
//
// Ordering: jobs of one channel and one service+environment form a FIFO; only its head is ever
// in flight, and a head being retried holds the rest back, so a "recovered" never overtakes its
// "failed". Different FIFOs proceed independently.
//
// Everything it depends on is injected (configuration, update sink, store reader, clock,
// transport), so its rules can be driven step by step in tests with fake time.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <queue>
#include <random>
#include <thread>
#include <unordered_map>

#include "common/clock.hpp"
#include "dispatch/compact_job.hpp"
#include "dispatch/destination_verdicts.hpp"
#include "dispatch/rate_limiter.hpp"
#include "metrics/herald_metrics.hpp"
#include "routing/runtime_config.hpp"
#include "store/group_commit.hpp"
#include "transport/transport.hpp"

namespace herald {

struct DispatcherOptions {
    size_t max_in_flight = 256;
    uint64_t random_seed = 0;  // 0: seeded from the system (tests fix it for exact jitter)
};

// State the dispatcher shares with intake (backlog) and the metrics gauges.
struct DispatchCounters {
    std::atomic<int64_t> open_jobs{0};
    std::atomic<int64_t> dead_letters{0};             // jobs in the dead-letter queue
    std::atomic<int64_t> oldest_open_accepted_ms{0};  // 0 when nothing is open
};

class Dispatcher final : public NewJobSink, public SharedWorkSink {
 public:
    using ConfigSource = std::function<std::shared_ptr<const RuntimeConfig>()>;

    Dispatcher(ConfigSource config, JobUpdateSink& updates, std::unique_ptr<StoreReader> reader, const Clock& clock,
               std::unique_ptr<Transport> transport, DispatcherOptions options = {}, HeraldMetrics* metrics = nullptr);
    ~Dispatcher() override;

    // Jobs found open at start-up (in acceptance order); call before start().
    void load(std::vector<OpenJob> jobs);
    // Runs step() on a thread of its own until stop().
    void start();
    // Stops starting requests, waits up to grace_ms for those in flight, then returns. Jobs not
    // finished stay open in the store and are sent after the next start.
    void stop(int64_t grace_ms);

    // One round: takes new jobs, starts every head that is due (within rate limits and the
    // in-flight cap), then waits up to max_wait_ms for the transport and handles what finished.
    // The thread calls it in a loop; tests call it directly.
    void step(int max_wait_ms);

    void on_accepted(std::vector<AcceptedJobs> batch) override;
    // Jobs of one event (nullptr: read from the store when the job reaches its FIFO's head).
    void on_new_jobs(std::vector<OpenJob> jobs, std::shared_ptr<const EventRecord> event);

    // Replicas sharing a database: the rate limits they share (call before start()), and the
    // jobs of the lanes this replica owns (shared_work.hpp).
    void share_rate_limits(std::unique_ptr<RateLimits> limits) { limits_ = std::move(limits); }
    void on_shared_jobs(std::vector<OpenJob> jobs) override { on_new_jobs(std::move(jobs), nullptr); }
    void forget_shared_jobs() override;
    void work_allowed_until(int64_t local_ms) override;

    const DispatchCounters& counters() const { return counters_; }
    DispatchCounters& counters() { return counters_; }
    size_t in_flight() const { return in_flight_.size(); }

 private:
    struct QueuedJob {
        OpenJob job;
        std::shared_ptr<const EventRecord> event;  // null behind the head in a long backlog
    };
    struct Fifo {
        // The head (jobs.front()) and the jobs queued while the backlog was short; behind them,
        // in order, the jobs queued while it was long, compacted (compact_job.hpp). `compacted`
        // is empty whenever `jobs` is.
        std::deque<QueuedJob> jobs;
        std::deque<CompactJob> compacted;
        bool busy = false;
        int64_t due_ms = 0;
        std::optional<HttpRequest> rendered;  // the head's request for its next attempt
        std::string rate_key;
        uint32_t step = 1;         // which request of the head's delivery (plugins' follow_up)
        std::string step_receipt;  // the receipt the head's earlier step returned
    };
    struct InFlight {
        std::string fifo_key;
        int64_t started_ms = 0;
        std::shared_ptr<const RuntimeConfig> config;
        const ChannelConfig* channel = nullptr;
        bool forgotten = false;  // its lane went to another replica: the outcome is not recorded
    };
    // What became of one attempt, as the dead-letter, retry and success paths need it.
    struct Attempt {
        std::string fifo_key;
        const ChannelConfig* channel = nullptr;
        AttemptRecord record;
        std::string reason;
        std::string body_excerpt;
    };

    void run();
    void take_inbox();
    void forget_all();
    void refresh_oldest(int64_t now);
    void enqueue(QueuedJob job);
    void schedule(const std::string& key, Fifo& fifo, int64_t due_ms);
    void start_head(const std::string& key, int64_t now);
    // Renders the head's request into fifo.rendered; a reason when it cannot be sent.
    std::optional<std::string> render_head(Fifo& fifo, const std::shared_ptr<const RuntimeConfig>& config,
                                           const ChannelConfig& channel);
    std::string message_for(const EventRecord& event, const OpenJob& job, const RenderContext& ctx,
                            const ChannelConfig& channel);
    static constexpr uint32_t kMaxDeliverySteps = 4;  // plugin.h: the host stops after 4 steps
    static constexpr int64_t kStoreRetryMs = 1000;    // a job waits this long when the store cannot be read
    // Up to this many open jobs, queued jobs keep their event (~1 KB each) and all their fields;
    // past it, jobs queued behind a head are compacted and their events read back at the head.
    static constexpr int64_t kKeepEventsUpToOpenJobs = 4096;
    void complete(TransportResult result);
    // Queues an outcome for the writer; step() hands the round's outcomes on together.
    void report(JobUpdate update);
    void delivered(Fifo& fifo, const Classification& verdict, Attempt attempt, int64_t now);
    void pause(const std::string& rate_key, int64_t until_ms, int64_t now);
    void retry_later(Fifo& fifo, const Classification& verdict, Attempt attempt, int64_t now);
    // The one way a job reaches the dead-letter queue.
    void dead_letter(const std::string& key, Fifo& fifo, const std::string& channel_type, std::string why,
                     std::optional<Attempt> attempt, int64_t now);
    void finish_head(const std::string& key, Fifo& fifo, JobUpdate update, int64_t now);
    JobUpdate update_for(const OpenJob& job, JobState state) const;
    int64_t backoff_ms(const DeliveryPolicy& policy, uint32_t attempt);

    ConfigSource config_;
    JobUpdateSink& updates_;
    std::unique_ptr<StoreReader> reader_;
    const Clock& clock_;
    std::unique_ptr<Transport> transport_;
    DispatcherOptions options_;
    HeraldMetrics* metrics_;
    int64_t oldest_refreshed_ms_ = 0;
    DispatchCounters counters_;
    std::unique_ptr<RateLimits> limits_ = std::make_unique<RateLimiter>();
    DestinationVerdicts destinations_;
    std::mt19937_64 random_;

    std::unordered_map<std::string, Fifo> fifos_;
    using Due = std::pair<int64_t, std::string>;
    std::priority_queue<Due, std::vector<Due>, std::greater<>> ready_;
    std::unordered_map<uint64_t, InFlight> in_flight_;
    std::vector<JobUpdate> reports_;  // this round's outcomes, not yet handed to the writer
    uint64_t next_token_ = 1;

    std::mutex inbox_mutex_;
    std::vector<QueuedJob> inbox_;
    bool forget_requested_ = false;  // under inbox_mutex_
    std::atomic<int64_t> work_allowed_until_ms_{INT64_MAX};
    std::atomic<bool> stopping_{false};
    std::atomic<int64_t> stop_deadline_ms_{0};
    std::thread thread_;
};

}  // namespace herald
