// Durable storage of events and delivery jobs. The SQLite store is the embedded default; the
// interface is what a shared PostgreSQL store implements for several replicas.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "event/deploy_event.hpp"
#include "store/shared_work.hpp"

namespace herald {

// pending -> (in flight) -> delivered | accepted | skipped | retry (-> in flight ...) | dead
enum class JobState { pending = 1, retry, delivered, accepted, skipped, dead };
std::string_view to_string(JobState state);
std::optional<JobState> parse_job_state(std::string_view text);
inline bool is_open(JobState s) { return s == JobState::pending || s == JobState::retry; }

class StoreError : public std::runtime_error {
 public:
    using std::runtime_error::runtime_error;
};

// Where one event goes, decided by routing when the event is accepted.
struct JobTarget {
    std::string team;
    std::string channel;
    std::string channel_type;
    std::string destination_hash;  // identifies the destination without holding its secrets
    std::string reason;
    bool fallback = false;

    friend bool operator==(const JobTarget&, const JobTarget&) = default;
};

// What the host knows beyond the event, fixed at acceptance.
struct RecoveryContext {
    bool is_recovery = false;
    uint32_t failures_before = 0;
    int64_t failing_since_ms = 0;
};

struct EventRecord {
    int64_t seq = 0;  // acceptance order
    std::string id;
    std::string source;
    std::string service;
    std::string environment;
    std::string status;
    std::string deployment_id;
    std::string json;
    int64_t accepted_at_ms = 0;
    RecoveryContext recovery;
};

// A job that still has work to do, as the dispatcher needs it.
struct OpenJob {
    int64_t id = 0;
    int64_t event_seq = 0;
    JobTarget target;
    std::string service;
    std::string environment;
    std::string deployment_id;
    JobState state = JobState::pending;
    uint32_t attempts = 0;
    int64_t next_attempt_at_ms = 0;
    int64_t first_attempt_at_ms = 0;
    int64_t accepted_at_ms = 0;
};

// The delivery lane of a job: one team's channel, for one service in one environment. A lane's
// jobs are delivered one at a time in acceptance order, so a recovery never overtakes the
// failure it recovers; with several replicas, one replica at a time owns a lane.
inline std::string delivery_lane(const std::string& team, const std::string& channel, const std::string& service,
                                 const std::string& environment) {
    return team + '/' + channel + '\n' + service + '\n' + environment;
}
inline std::string delivery_lane(const OpenJob& job) {
    return delivery_lane(job.target.team, job.target.channel, job.service, job.environment);
}

struct AttemptRecord {
    uint32_t number = 0;
    int64_t started_at_ms = 0;
    int status_code = 0;  // 0: no HTTP response
    int64_t latency_ms = 0;
    std::string outcome;  // delivered, accepted, retry, rejected, transport_error, render_error
    std::string error;
};

// A change to a job decided by the dispatcher.
struct JobUpdate {
    int64_t job_id = 0;
    JobState state = JobState::pending;
    uint32_t attempts = 0;
    int64_t next_attempt_at_ms = 0;
    int64_t first_attempt_at_ms = 0;
    std::optional<AttemptRecord> attempt;
    std::string last_error;
    std::string response_excerpt;  // secrets already masked
    std::string dead_reason;
    std::optional<std::string> receipt;  // stored for (destination_hash, deployment_id)
    std::string destination_hash;
    std::string deployment_id;
};

struct IngestItem {
    DeployEvent event;
    std::string source;
    int64_t accepted_at_ms = 0;
    std::vector<JobTarget> targets;
};

struct IngestOutcome {
    bool duplicate = false;
    int64_t event_seq = 0;
    RecoveryContext recovery;
    std::vector<OpenJob> jobs;
};

// One delivery job as the admin API shows it.
struct JobView {
    int64_t id = 0;
    std::string event_id;
    std::string team, channel, channel_type, reason;
    bool fallback = false;
    std::string state;
    uint32_t attempts = 0;
    int last_status = 0;
    std::string last_error, response_excerpt, dead_reason;
    int64_t created_at_ms = 0, updated_at_ms = 0, finished_at_ms = 0, next_attempt_at_ms = 0;
    std::vector<AttemptRecord> history;  // every attempt, replays included
};

struct EventDetails {
    EventRecord event;
    std::vector<JobView> jobs;
};

struct DeadLetterFilter {
    std::string team;
    std::string channel;
    int64_t since_ms = 0;  // dead-lettered at or after
    int64_t after_id = 0;  // pagination cursor: jobs with a larger id
    int limit = 50;
};

struct EventListFilter {
    std::string service, environment, status;  // exact matches; empty: any
    int64_t since_ms = 0;                      // accepted at or after
    int64_t before_seq = 0;                    // pagination cursor: older events than this one; 0: newest
    int limit = 50;
};

// One event in a listing, with how its deliveries stand.
struct EventSummary {
    int64_t seq = 0;
    std::string id, source, service, environment, status;
    int64_t accepted_at_ms = 0;
    int deliveries = 0, delivered = 0, dead = 0;  // the rest are still pending or retrying
};

// A service/environment pair whose last deploy failed.
struct FailingService {
    std::string service, environment;
    int64_t failing_since_ms = 0;
    int64_t failures = 0;
};

// A page of the services x environments grid: services whose name contains `search`, in name
// order, `limit` services from `offset`.
struct ServiceStatusFilter {
    std::string search;
    int64_t offset = 0;
    int limit = 50;
};

// The last deploy of one service in one environment.
struct ServiceStatus {
    std::string service, environment, last_status;
    int64_t failures = 0;          // failed deploys in the current streak
    int64_t failing_since_ms = 0;  // when that streak began; 0 when not failing
};

struct ServiceStatusPage {
    std::vector<ServiceStatus> rows;  // every environment of the page's services
    int64_t total_services = 0;       // matching `search`, on every page
};

// Read-only queries for the admin API, on a connection of its own.
class AdminReader {
 public:
    virtual ~AdminReader() = default;
    // Newest first.
    virtual std::vector<EventSummary> events(const EventListFilter& filter) = 0;
    virtual std::optional<EventDetails> event_by_id(const std::string& id) = 0;
    virtual std::optional<JobView> job(int64_t job_id) = 0;
    virtual std::vector<JobView> dead_letters(const DeadLetterFilter& filter) = 0;
    virtual int64_t count_dead() = 0;
    virtual std::vector<FailingService> failing_services() = 0;
    virtual ServiceStatusPage service_statuses(const ServiceStatusFilter& filter) = 0;
};

// Reads from a connection of its own, so a thread can read while the writer writes.
class StoreReader {
 public:
    virtual ~StoreReader() = default;
    virtual std::optional<EventRecord> event(int64_t seq) = 0;
    virtual std::optional<std::string> receipt(const std::string& destination_hash,
                                               const std::string& deployment_id) = 0;
};

class Store {
 public:
    virtual ~Store() = default;

    // One transaction: every item is inserted (or found to be a duplicate) and every update
    // applied; durable when this returns. Throws StoreError, in which case nothing is applied.
    virtual std::vector<IngestOutcome> commit(const std::vector<IngestItem>& items,
                                              const std::vector<JobUpdate>& updates) = 0;

    // Jobs with work left, in acceptance order; jobs a crash left mid-flight are pending again.
    // With work sharing, a replica gets only its lanes' jobs, from work_sharing() instead.
    virtual std::vector<OpenJob> open_jobs() = 0;

    // Deletes finished work older than the cut-off (never open or dead jobs). Returns rows removed.
    virtual size_t prune_finished(int64_t older_than_ms) = 0;

    // Upkeep the writer runs after a commit has been answered (e.g. keeping a log from growing).
    // Never throws; a failure is retried after a later commit.
    virtual void after_commit() {}

    // Writes and syncs one small record: whether a commit would succeed now. Throws StoreError
    // when it would not (disk full, read-only, I/O error). Used to notice recovery while idle.
    virtual void probe(int64_t now_ms) = 0;

    // Dead jobs back to pending: attempts reset, history kept. Returns the jobs now open
    // (ids that are not dead are ignored). With work sharing they reach their lane's owner
    // through it; otherwise the caller queues them.
    virtual std::vector<OpenJob> replay_dead(const std::vector<int64_t>& job_ids, int64_t now_ms) = 0;
    // Deletes a dead job and its attempts. False when it is not a dead job.
    virtual bool drop_dead(int64_t job_id) = 0;

    virtual std::unique_ptr<StoreReader> reader() = 0;
    virtual std::unique_ptr<AdminReader> admin_reader() = 0;

    // Several replicas on one database (shared_work.hpp): how this replica gets its share of
    // the open jobs, and the rate limits all replicas share. Null for a store one Herald owns,
    // whose open jobs are all this Herald's (open_jobs(), and new jobs as they are accepted).
    virtual std::unique_ptr<WorkSharing> work_sharing(const WorkSharingOptions& options);
    virtual std::unique_ptr<RateLimits> shared_rate_limits();
};

// Opens (creating and migrating) the SQLite store at `path`.
std::unique_ptr<Store> open_sqlite_store(const std::string& path);

// Connects to PostgreSQL at `url` (libpq: postgresql://user:password@host:port/db?…) and
// migrates its schema. Throws StoreError, whose text never holds the password.
std::unique_ptr<Store> open_postgres_store(const std::string& url);
// "host:port/database" of a PostgreSQL URL, for messages and logs (no user, no password).
std::string describe_postgres_url(const std::string& url);

}  // namespace herald
