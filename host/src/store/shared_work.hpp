// Several Herald replicas on one database share the work: any replica accepts events, and each
// delivery lane (store.hpp, delivery_lane) is owned by one live replica at a time, which alone
// delivers its jobs, in order. A replica is live while it renews its lease; when it stops or
// dies, another replica takes its lanes over. Rate limits and Retry-After pauses are shared, so
// three replicas send to one Slack channel no faster than one would.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace herald {

struct OpenJob;

// Rate limits by key (a destination, or a key a channel names): a token bucket per key plus the
// pauses a channel imposes with 429 + Retry-After. Called from one thread.
class RateLimits {
 public:
    virtual ~RateLimits() = default;
    // Takes a request on `key` when one may go at `now_ms` and returns `now_ms`; otherwise
    // returns the earliest time to ask again and takes nothing. rate_per_second 0: no limit.
    virtual int64_t take(const std::string& key, double rate_per_second, uint32_t burst, int64_t now_ms) = 0;
    // Nothing goes on `key` before `until_ms`.
    virtual void pause_until(const std::string& key, int64_t until_ms, int64_t now_ms) = 0;
};

// Where a replica's share of the open jobs goes: the dispatcher.
class SharedWorkSink {
 public:
    virtual ~SharedWorkSink() = default;
    // Open jobs of lanes this replica owns, each lane's in acceptance order, each job once
    // (a replayed job comes again).
    virtual void on_shared_jobs(std::vector<OpenJob> jobs) = 0;
    // The replica's lease ran out, so other replicas may own its lanes now: forget every queued
    // job; what comes back comes again through on_shared_jobs.
    virtual void forget_shared_jobs() = 0;
    // Deliveries may start until this time (this replica's clock): the lease is known to last
    // that long. Past it, nothing starts until the lease is renewed.
    virtual void work_allowed_until(int64_t local_ms) = 0;
};

struct WorkSharingOptions {
    std::string replica_name;      // for logs and the replicas table (host name and pid)
    int64_t lease_ms = 10'000;     // a replica that stops renewing loses its lanes this long after
    int64_t heartbeat_ms = 1'000;  // renewal, and the search for lanes without a live owner
};

// The replica's side of work sharing: a thread that keeps the lease, claims lanes without a
// live owner, and hands the sink the jobs of its lanes as they are accepted on any replica.
class WorkSharing {
 public:
    virtual ~WorkSharing() = default;
    virtual void start(SharedWorkSink& sink) = 0;
    // Stops the thread and gives up this replica's lanes at once, so the others take them over
    // without waiting for the lease to run out.
    virtual void stop() = 0;
    // Lanes this replica owns now (for metrics and logs).
    virtual size_t owned_lanes() const = 0;
};

}  // namespace herald
