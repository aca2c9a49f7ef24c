// Rows both stores read in more than one place: one column list and one reader each. A `Row`
// is a SQLite statement or a PostgreSQL result row: int64(column) and text(column).
#pragma once

#include "store/store.hpp"

namespace herald::rows {

inline constexpr const char* kEventColumns =
    "seq, id, source, service, environment, status, deployment_id, json, accepted_at_ms, is_recovery, "
    "failures_before, failing_since_ms FROM events";

template <typename Row>
EventRecord read_event(const Row& s) {
    EventRecord r;
    r.seq = s.int64(0);
    r.id = s.text(1);
    r.source = s.text(2);
    r.service = s.text(3);
    r.environment = s.text(4);
    r.status = s.text(5);
    r.deployment_id = s.text(6);
    r.json = s.text(7);
    r.accepted_at_ms = s.int64(8);
    r.recovery = {s.int64(9) != 0, static_cast<uint32_t>(s.int64(10)), s.int64(11)};
    return r;
}

inline constexpr const char* kOpenJobColumns =
    "j.id, j.event_seq, j.team, j.channel, j.channel_type, j.destination_hash, j.reason, j.fallback, j.state, "
    "j.attempts, j.next_attempt_at_ms, j.first_attempt_at_ms, e.service, e.environment, e.deployment_id, "
    "e.accepted_at_ms FROM jobs j JOIN events e ON e.seq = j.event_seq";

template <typename Row>
OpenJob read_open_job(const Row& s) {
    OpenJob job;
    job.id = s.int64(0);
    job.event_seq = s.int64(1);
    job.target = {s.text(2), s.text(3), s.text(4), s.text(5), s.text(6), s.int64(7) != 0};
    job.state = parse_job_state(s.text(8)).value_or(JobState::pending);
    job.attempts = static_cast<uint32_t>(s.int64(9));
    job.next_attempt_at_ms = s.int64(10);
    job.first_attempt_at_ms = s.int64(11);
    job.service = s.text(12);
    job.environment = s.text(13);
    job.deployment_id = s.text(14);
    job.accepted_at_ms = s.int64(15);
    return job;
}

// The open job a store hands the dispatcher for a target of an event it has just stored.
inline OpenJob accepted_job(int64_t job_id, int64_t event_seq, const JobTarget& target, const IngestItem& item) {
    OpenJob job;
    job.id = job_id;
    job.event_seq = event_seq;
    job.target = target;
    job.service = item.event.service;
    job.environment = item.event.environment;
    job.deployment_id = item.event.deployment_id;
    job.accepted_at_ms = item.accepted_at_ms;
    return job;
}

}  // namespace herald::rows
