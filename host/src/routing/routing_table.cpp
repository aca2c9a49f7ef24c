#include "routing/routing_table.hpp"

#include <algorithm>

#include "common/glob.hpp"

namespace herald {

RoutingTable::RoutingTable(RoutingConfig config)
    : channels_(std::move(config.channels)),
      teams_(std::move(config.teams)),
      subscriptions_(std::move(config.subscriptions)),
      fallback_(config.fallback) {
    for (size_t i = 0; i < teams_.size(); ++i) {
        team_index_[teams_[i].name] = i;
        for (const auto& service : teams_[i].services) {
            if (is_glob(service)) {
                glob_owners_.emplace_back(service, i);
            } else {
                exact_owner_.emplace(service, i);  // the first owner wins; config check reports the clash
            }
        }
    }
    // A longer pattern is more specific ("payments-api-*" before "payments-*"); ties keep file order.
    std::stable_sort(glob_owners_.begin(), glob_owners_.end(),
                     [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
}

const TeamConfig* RoutingTable::find_team(const std::string& name) const {
    const auto it = team_index_.find(name);
    return it == team_index_.end() ? nullptr : &teams_[it->second];
}

const TeamConfig* RoutingTable::owner_of(const std::string& service, std::string* matched) const {
    if (const auto it = exact_owner_.find(service); it != exact_owner_.end()) {
        if (matched != nullptr) *matched = service;
        return &teams_[it->second];
    }
    for (const auto& [pattern, index] : glob_owners_) {
        if (glob_match(pattern, service)) {
            if (matched != nullptr) *matched = pattern;
            return &teams_[index];
        }
    }
    return nullptr;
}

std::vector<Destination> RoutingTable::route(const DeployEvent& event) const {
    std::vector<Destination> out;
    auto add = [&](const ChannelConfig* channel, const std::string& team, std::string reason, bool fallback) {
        for (auto& existing : out) {
            if (existing.channel->destination_key == channel->destination_key) {
                existing.reason += "; " + reason;  // one delivery, every reason kept
                return;
            }
        }
        out.push_back({channel, team, std::move(reason), fallback});
    };

    const TeamConfig* owner = nullptr;
    std::string why;
    if (!event.team.empty()) {
        owner = find_team(event.team);
        if (owner != nullptr) why = "owner: event names team '" + event.team + "'";
    }
    if (owner == nullptr) {
        std::string matched;
        owner = owner_of(event.service, &matched);
        if (owner != nullptr) {
            why = matched == event.service ? "owner: service '" + matched + "'"
                                           : "owner: service matches '" + matched + "'";
        }
    }
    if (owner != nullptr) {
        for (const ChannelConfig* channel : owner->channels) {
            if (channel->filter.matches(event)) add(channel, owner->name, why, false);
        }
    }
    for (const auto& sub : subscriptions_) {
        if (!sub.filter.matches(event)) continue;
        if (!sub.services.empty() && std::none_of(sub.services.begin(), sub.services.end(),
                                                  [&](const std::string& s) { return glob_match(s, event.service); })) {
            continue;
        }
        add(sub.channel, sub.team, "subscription '" + sub.team + "/" + sub.name + "'", false);
    }
    if (owner == nullptr && fallback_ != nullptr && fallback_->filter.matches(event)) {
        std::string reason = "fallback: no team owns service '" + event.service + "'";
        if (!event.team.empty()) reason += " (event names unknown team '" + event.team + "')";
        add(fallback_, "", std::move(reason), true);
    }
    return out;
}

}  // namespace herald
