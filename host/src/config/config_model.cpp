#include <algorithm>

#include "common/glob.hpp"
#include "config/config_model.hpp"

namespace herald {

void DeliveryOverrides::apply_to(DeliveryPolicy& p) const {
    if (max_retries) p.max_retries = *max_retries;
    if (initial_backoff_ms) p.initial_backoff_ms = *initial_backoff_ms;
    if (max_backoff_ms) p.max_backoff_ms = *max_backoff_ms;
    if (give_up_after_ms) p.give_up_after_ms = *give_up_after_ms;
    if (burst) p.burst = *burst;
    if (rate_per_second) p.rate_per_second = *rate_per_second;
    if (rate_limit_key) p.rate_limit_key = *rate_limit_key;
}

bool EventFilter::matches(const DeployEvent& event) const {
    if (!statuses.empty() && statuses.count(event.status) == 0) return false;
    if (!environments.empty() && std::none_of(environments.begin(), environments.end(), [&](const std::string& env) {
            return glob_match(env, event.environment);
        })) {
        return false;
    }
    if (!rollback.empty() &&
        rollback.count(event.rollback_status.empty() ? std::string("none") : event.rollback_status) == 0) {
        return false;
    }
    return std::all_of(labels.begin(), labels.end(), [&](const LabelMatch& m) {
        const auto it = event.labels.find(m.key);
        return it != event.labels.end() && glob_match(m.pattern, it->second);
    });
}

ChannelConfig& RoutingConfig::add_channel(std::unique_ptr<ChannelConfig> channel) {
    channels.push_back(std::move(channel));
    return *channels.back();
}

const TeamConfig* RoutingConfig::find_team(const std::string& name) const {
    const auto it = std::find_if(teams.begin(), teams.end(), [&](const TeamConfig& t) { return t.name == name; });
    return it == teams.end() ? nullptr : &*it;
}

}  // namespace herald
