// One configured channel: a plugin instance, with the C boundary wrapped so the rest of the
// host deals only in owned C++ values.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/clock.hpp"
#include "plugin_host/plugin_registry.hpp"
#include "transport/http_message.hpp"

namespace herald {

struct RenderContext {
    uint32_t attempt = 1;
    bool is_recovery = false;
    uint32_t failures_before = 0;
    int64_t failing_since_unix_ms = 0;
    int64_t accepted_at_unix_ms = 0;
    std::string previous_receipt;
    std::string team;
    std::string channel_name;
    std::string message_json;  // the channel's rendered message customisation; empty: default
    uint32_t step = 1;         // which request of a multi-request delivery
};

struct Classification {
    herald_outcome outcome = HERALD_OUTCOME_RETRY;
    int64_t retry_after_ms = -1;
    std::string reason;
    std::string receipt;
};

// Either the value or the plugin's error message.
template <typename T>
using PluginResult = std::variant<T, std::string>;

class ChannelInstance {
 public:
    // On failure, `failed_setting` (when given) receives the setting the plugin named (ABI 1.1),
    // or stays empty.
    static PluginResult<std::unique_ptr<ChannelInstance>> create(const LoadedPlugin& plugin,
                                                                 std::string_view settings_json,
                                                                 const Clock& clock = SystemClock::instance(),
                                                                 std::string* failed_setting = nullptr);
    // Waits for render and classify calls in progress on other threads, then calls destroy:
    // the ABI promises a plugin nothing runs on an instance after (or during) destroy.
    ~ChannelInstance();
    ChannelInstance(const ChannelInstance&) = delete;
    ChannelInstance& operator=(const ChannelInstance&) = delete;

    PluginResult<HttpRequest> render(std::string_view event_json, const RenderContext& context) const;
    PluginResult<Classification> classify(std::string_view event_json, const HttpResponse& response) const;

    const LoadedPlugin& plugin() const { return plugin_; }

 private:
    struct Services;
    ChannelInstance(const LoadedPlugin& plugin, std::unique_ptr<Services> services);

    // Counts calls in progress, so destruction can wait for them.
    class CallGuard;

    const LoadedPlugin& plugin_;
    std::unique_ptr<Services> services_;
    void* instance_ = nullptr;
    mutable std::atomic<int> calls_{0};
};

}  // namespace herald
