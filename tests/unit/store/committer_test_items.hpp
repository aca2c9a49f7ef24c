// Events, outcomes and in-memory store lookups the group committer's tests share.
#pragma once

#include <mutex>
#include <string>

#include "store/group_commit.hpp"
#include "support/memory_store.hpp"

namespace herald::test {

// A failed deploy of "api" in production with one webhook job.
inline IngestItem committer_item(const std::string& id) {
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

inline JobUpdate delivered(int64_t job_id) {
    JobUpdate update;
    update.job_id = job_id;
    update.state = JobState::delivered;
    update.attempts = 1;
    return update;
}

inline int commits(MemoryStore& store) {
    std::lock_guard lock(store.data().mutex);
    return store.data().commits;
}

inline JobState state_of(MemoryStore& store, int64_t job_id) {
    std::lock_guard lock(store.data().mutex);
    return store.data().jobs.at(job_id).state;
}

}  // namespace herald::test
