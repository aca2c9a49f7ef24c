// The routing function: (event, loaded routing config) -> destinations. Pure: no I/O, no
// clock, nothing mutated, so it is cheap to test and safe to call from any thread.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/config_model.hpp"

namespace herald {

struct Destination {
    const ChannelConfig* channel = nullptr;
    std::string team;    // whose route reached it ("" for fallback)
    std::string reason;  // why, e.g. "owner: service matches 'payments-*'"
    bool fallback = false;
};

class RoutingTable {
 public:
    RoutingTable() = default;
    // Indexes the loaded configuration for lookups.
    explicit RoutingTable(RoutingConfig config);
    RoutingTable(RoutingTable&&) = default;
    RoutingTable& operator=(RoutingTable&&) = default;

    std::vector<Destination> route(const DeployEvent& event) const;

    const std::vector<std::unique_ptr<ChannelConfig>>& channels() const { return channels_; }
    const std::vector<TeamConfig>& teams() const { return teams_; }
    const std::vector<Subscription>& subscriptions() const { return subscriptions_; }
    const TeamConfig* find_team(const std::string& name) const;
    const ChannelConfig* fallback() const { return fallback_; }
    // The team that owns `service` and the pattern that matched, or nullptr.
    const TeamConfig* owner_of(const std::string& service, std::string* matched = nullptr) const;

 private:
    std::vector<std::unique_ptr<ChannelConfig>> channels_;
    std::vector<TeamConfig> teams_;
    std::vector<Subscription> subscriptions_;
    ChannelConfig* fallback_ = nullptr;
    std::unordered_map<std::string, size_t> team_index_;
    std::unordered_map<std::string, size_t> exact_owner_;
    std::vector<std::pair<std::string, size_t>> glob_owners_;  // most specific first
};

}  // namespace herald
