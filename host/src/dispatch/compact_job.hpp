// A queued job as the dispatcher keeps it deep in a long backlog: the fields every job of a lane
// shares (team, channel, service, environment, destination) are held once per run of equal jobs,
// not once per job, so 100,000 pending deliveries cost ~150 bytes each instead of ~450.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "store/store.hpp"

namespace herald {

struct CompactJob {
    struct Shared {
        JobTarget target;
        std::string service;
        std::string environment;
    };
    int64_t id = 0;
    int64_t event_seq = 0;
    int64_t next_attempt_at_ms = 0;
    int64_t first_attempt_at_ms = 0;
    int64_t accepted_at_ms = 0;
    uint32_t attempts = 0;
    JobState state = JobState::pending;
    std::string deployment_id;
    std::shared_ptr<const Shared> shared;
};

inline bool same_fields(const CompactJob::Shared& shared, const OpenJob& job) {
    return shared.target == job.target && shared.service == job.service && shared.environment == job.environment;
}

// `previous` is the job queued just before, whose shared fields are reused when they match.
inline CompactJob compact(OpenJob job, const CompactJob* previous) {
    CompactJob c;
    c.id = job.id;
    c.event_seq = job.event_seq;
    c.next_attempt_at_ms = job.next_attempt_at_ms;
    c.first_attempt_at_ms = job.first_attempt_at_ms;
    c.accepted_at_ms = job.accepted_at_ms;
    c.attempts = job.attempts;
    c.state = job.state;
    c.deployment_id = std::move(job.deployment_id);
    if (previous != nullptr && previous->shared && same_fields(*previous->shared, job)) {
        c.shared = previous->shared;
    } else {
        c.shared = std::make_shared<const CompactJob::Shared>(
            CompactJob::Shared{std::move(job.target), std::move(job.service), std::move(job.environment)});
    }
    return c;
}

inline OpenJob expand(CompactJob c) {
    OpenJob job;
    job.id = c.id;
    job.event_seq = c.event_seq;
    job.target = c.shared->target;
    job.service = c.shared->service;
    job.environment = c.shared->environment;
    job.deployment_id = std::move(c.deployment_id);
    job.state = c.state;
    job.attempts = c.attempts;
    job.next_attempt_at_ms = c.next_attempt_at_ms;
    job.first_attempt_at_ms = c.first_attempt_at_ms;
    job.accepted_at_ms = c.accepted_at_ms;
    return job;
}

}  // namespace herald
