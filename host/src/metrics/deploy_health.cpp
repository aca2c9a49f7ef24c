#include "metrics/deploy_health.hpp"

namespace herald {

DeployHealth::DeployHealth(MetricsRegistry& registry, size_t max_pairs) : registry_(registry), max_pairs_(max_pairs) {
    registry_.counter(
        "herald_deploys_total",
        "Deploy events accepted, by service, environment, status and owning team (\"_unrouted\" when none; "
        "at most 1000 service/environment pairs, the rest count as \"_other\").");
    registry_.gauge("herald_deploy_failing",
                    "1 for each service/environment pair whose last deploy failed (no sample once it recovers).",
                    [this] {
                        std::lock_guard lock(mutex_);
                        std::vector<std::pair<Labels, double>> samples;
                        for (const auto& [service, environment] : failing_) {
                            samples.push_back({{{"service", service}, {"environment", environment}}, 1.0});
                        }
                        return samples;
                    });
    registry_.histogram(
        "herald_time_to_recover_seconds",
        "From a service's first failed deploy to the successful one after it, by environment and owning team.",
        {60, 300, 900, 1800, 3600, 7200, 14400, 43200, 86400, 259200, 604800});
    registry_.histogram("herald_deploy_duration_seconds",
                        "Deploy duration (finished_at - started_at, when the event gives both), by environment and "
                        "status.",
                        {10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200});
}

DeployHealth::Pair DeployHealth::bounded(const std::string& service, const std::string& environment) {
    Pair pair{service, environment};
    if (known_.count(pair) != 0) return pair;
    if (known_.size() >= max_pairs_) return {kOverflow, kOverflow};
    known_.insert(pair);
    return pair;
}

void DeployHealth::seed_failing(const std::vector<std::pair<std::string, std::string>>& pairs) {
    std::lock_guard lock(mutex_);
    for (const auto& [service, environment] : pairs) {
        const Pair pair = bounded(service, environment);
        if (pair.first != kOverflow) failing_.insert(pair);
    }
}

void DeployHealth::record(const DeployObservation& d) {
    Pair pair;
    {
        std::lock_guard lock(mutex_);
        pair = bounded(d.service, d.environment);
        if (pair.first != kOverflow) {
            if (d.status == "failed") failing_.insert(pair);
            if (d.status == "succeeded") failing_.erase(pair);
        }
    }
    const std::string team = d.team.empty() ? kNoTeam : d.team;
    registry_.add("herald_deploys_total",
                  {{"service", pair.first}, {"environment", pair.second}, {"status", d.status}, {"team", team}});
    // Environments are few and named by the platform; they are bounded with the pairs.
    const std::string& environment = pair.second;
    if (d.is_recovery && d.failing_since_ms > 0 && d.accepted_at_ms >= d.failing_since_ms) {
        registry_.observe("herald_time_to_recover_seconds", {{"environment", environment}, {"team", team}},
                          static_cast<double>(d.accepted_at_ms - d.failing_since_ms) / 1000.0);
    }
    if (d.duration_s && *d.duration_s >= 0) {
        registry_.observe("herald_deploy_duration_seconds", {{"environment", environment}, {"status", d.status}},
                          *d.duration_s);
    }
}

}  // namespace herald
