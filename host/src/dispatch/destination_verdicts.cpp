#include "dispatch/destination_verdicts.hpp"

namespace herald {

std::optional<std::string> DestinationVerdicts::check(const std::shared_ptr<const RuntimeConfig>& config,
                                                      const std::string& type, const std::string& url) {
    if (config != config_) {  // a reload: its allowlist may differ
        by_url_.clear();
        config_ = config;
    }
    if (auto it = by_url_.find(url); it != by_url_.end() && it->second.first == type) return it->second.second;
    if (by_url_.size() >= kMaxEntries) by_url_.clear();
    auto verdict = check_destination(config->host.destinations, type, url);
    by_url_.insert_or_assign(url, std::make_pair(type, verdict));
    return verdict;
}

}  // namespace herald
