// Events, outcomes and the PostgreSQL server the store tests share.
#pragma once

#include <string>
#include <vector>

#include "store/store.hpp"
#include "support/postgres_server.hpp"

namespace herald::test {

inline IngestItem item(const std::string& id, const std::string& service, DeployStatus status, int64_t at,
                       std::vector<std::string> channels = {"deploys"}) {
    IngestItem it;
    it.event.id = id;
    it.event.service = service;
    it.event.environment = "production";
    it.event.status = status;
    it.event.deployment_id = service + "/" + id;
    it.event.json = R"({"id":")" + id + R"("})";
    it.source = "ci";
    it.accepted_at_ms = at;
    for (const auto& c : channels) it.targets.push_back({"payments", c, "webhook", "hash-" + c, "owner", false});
    return it;
}

inline JobUpdate outcome(const OpenJob& job, JobState state, int64_t at, const std::string& receipt = {}) {
    JobUpdate u;
    u.job_id = job.id;
    u.state = state;
    u.attempts = 1;
    u.first_attempt_at_ms = at;
    u.next_attempt_at_ms = at + 1000;
    u.attempt = AttemptRecord{
        1, at, state == JobState::delivered ? 200 : 500, 5, state == JobState::delivered ? "delivered" : "retry", ""};
    if (state == JobState::dead) u.dead_reason = "gave up";
    u.destination_hash = job.target.destination_hash;
    u.deployment_id = job.deployment_id;
    if (!receipt.empty()) u.receipt = receipt;
    return u;
}

inline PostgresServer& postgres() {
    static PostgresServer server;
    return server;
}

}  // namespace herald::test
