// Deploy health for Prometheus: deploys by service, environment, status and owning team (teams
// come from the routing files, so they are bounded too); the service and
// environment pairs failing now; time to recover; deploy duration. Service names come from
// events, so the label sets are bounded: past `max_pairs` distinct service/environment pairs a
// new pair is counted as service="_other", environment="_other" (docs/operations.md).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "metrics/metrics.hpp"

namespace herald {

struct DeployObservation {
    std::string service, environment, status;  // status: started, succeeded, failed, cancelled
    int64_t accepted_at_ms = 0;
    bool is_recovery = false;
    int64_t failing_since_ms = 0;      // for a recovery: when the failures began
    std::optional<double> duration_s;  // finished_at - started_at, when the event gives both
    std::string team;                  // the owning team as routed; empty: no team owns the service
};

class DeployHealth {
 public:
    static constexpr size_t kDefaultMaxPairs = 1000;
    static constexpr const char* kOverflow = "_other";
    static constexpr const char* kNoTeam = "_unrouted";

    explicit DeployHealth(MetricsRegistry& registry, size_t max_pairs = kDefaultMaxPairs);

    // Pairs failing when the host starts (from the store), so the gauge survives a restart.
    void seed_failing(const std::vector<std::pair<std::string, std::string>>& pairs);
    void record(const DeployObservation& deploy);

 private:
    using Pair = std::pair<std::string, std::string>;
    Pair bounded(const std::string& service, const std::string& environment);  // under mutex_

    MetricsRegistry& registry_;
    const size_t max_pairs_;
    mutable std::mutex mutex_;
    std::set<Pair> known_;
    std::set<Pair> failing_;
};

}  // namespace herald
