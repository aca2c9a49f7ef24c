// One loaded, immutable configuration: what serving reads. A reload builds a new one and swaps
// it in; work in flight keeps the one it started with alive.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "routing/routing_loader.hpp"

namespace herald {

struct RuntimeConfig {
    HostConfig host;
    RoutingTable routing;
    std::unordered_map<std::string, const ChannelConfig*> by_label;  // "team/channel", "/fallback"

    const ChannelConfig* channel(const std::string& team, const std::string& name) const {
        const auto it = by_label.find(team + "/" + name);
        return it == by_label.end() ? nullptr : it->second;
    }

    static std::shared_ptr<const RuntimeConfig> make(HostConfig host, RoutingTable routing) {
        auto config = std::make_shared<RuntimeConfig>();
        config->host = std::move(host);
        config->routing = std::move(routing);
        for (const auto& c : config->routing.channels()) config->by_label.emplace(c->team + "/" + c->name, c.get());
        return config;
    }
};

// The configuration in force: swapped whole by reloads, read by intake, the dispatcher and the
// admin API. A mutex guards the pointer rather than std::atomic<std::shared_ptr>, whose
// libstdc++ 12 implementation ThreadSanitizer cannot follow (it reports the swap as a race).
class CurrentConfig {
 public:
    std::shared_ptr<const RuntimeConfig> load() const {
        std::lock_guard lock(mutex_);
        return config_;
    }
    // The previous configuration is released by the caller, outside the lock.
    void store(std::shared_ptr<const RuntimeConfig> config) {
        std::lock_guard lock(mutex_);
        config_.swap(config);
    }

 private:
    mutable std::mutex mutex_;
    std::shared_ptr<const RuntimeConfig> config_;
};

}  // namespace herald
