// The host's destination allowlist, asked for every request a plugin renders. A channel's URL is
// the same delivery after delivery, so its verdict is kept for as long as the config snapshot it
// was reached under: parsing and matching the URL every time was ~2.5% of the dispatcher's CPU.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "routing/runtime_config.hpp"

namespace herald {

class DestinationVerdicts {
 public:
    // Why `url` may not be a destination of a `type` channel under `config`, or nullopt when it may
    // (check_destination's answer).
    std::optional<std::string> check(const std::shared_ptr<const RuntimeConfig>& config, const std::string& type,
                                     const std::string& url);

    size_t size() const { return by_url_.size(); }

 private:
    static constexpr size_t kMaxEntries = 4096;  // URLs are per channel; a plugin that varies them is bounded

    // Held, not only compared: a later snapshot can then never reuse this one's address.
    std::shared_ptr<const RuntimeConfig> config_;
    std::unordered_map<std::string, std::pair<std::string, std::optional<std::string>>>
        by_url_;  // url -> type, verdict
};

}  // namespace herald
