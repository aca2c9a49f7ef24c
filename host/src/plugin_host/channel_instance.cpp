#include "plugin_host/channel_instance.hpp"

#include <spdlog/spdlog.h>

#include <thread>

#include "plugin_host/raw_enum.hpp"

namespace herald {
namespace {

std::string copy(herald_str s) { return s.size == 0 ? std::string{} : std::string(s.data, s.size); }
herald_str borrow(std::string_view s) { return herald_str{s.data(), s.size()}; }

// Hands a result's owner back to the plugin when the host's copy is made.
class ReleaseGuard {
 public:
    ReleaseGuard(const herald_plugin_descriptor& d, void*& owner) : d_(d), owner_(owner) {}
    ~ReleaseGuard() {
        if (owner_ != nullptr) d_.release(owner_);
    }
    ReleaseGuard(const ReleaseGuard&) = delete;
    ReleaseGuard& operator=(const ReleaseGuard&) = delete;

 private:
    const herald_plugin_descriptor& d_;
    void*& owner_;
};

std::string error_text(herald_str error, std::string_view fallback) {
    std::string text = copy(error);
    return text.empty() ? std::string(fallback) : text;
}

}  // namespace

struct ChannelInstance::Services {
    herald_host_services table{};
    std::string plugin_name;
    const Clock* clock = nullptr;

    static void log(void* host_data, herald_log_level level, herald_str message) {
        auto* self = static_cast<Services*>(host_data);
        const auto spd_level = level == HERALD_LOG_DEBUG   ? spdlog::level::debug
                               : level == HERALD_LOG_WARN  ? spdlog::level::warn
                               : level == HERALD_LOG_ERROR ? spdlog::level::err
                                                           : spdlog::level::info;
        spdlog::log(spd_level, "plugin {}: {}", self->plugin_name, std::string_view(message.data, message.size));
    }
    static int64_t now(void* host_data) { return static_cast<Services*>(host_data)->clock->now_unix_ms(); }
};

ChannelInstance::ChannelInstance(const LoadedPlugin& plugin, std::unique_ptr<Services> services)
    : plugin_(plugin), services_(std::move(services)) {}

class ChannelInstance::CallGuard {
 public:
    explicit CallGuard(std::atomic<int>& calls) : calls_(calls) { calls_.fetch_add(1); }
    ~CallGuard() { calls_.fetch_sub(1); }
    CallGuard(const CallGuard&) = delete;
    CallGuard& operator=(const CallGuard&) = delete;

 private:
    std::atomic<int>& calls_;
};

ChannelInstance::~ChannelInstance() {
    // Owners normally guarantee no call is running (in-flight work keeps its configuration
    // alive); this wait makes the promise hold even if one did not.
    while (calls_.load() != 0) std::this_thread::yield();
    if (instance_ != nullptr) plugin_.descriptor.destroy(instance_);
}

PluginResult<std::unique_ptr<ChannelInstance>> ChannelInstance::create(const LoadedPlugin& plugin,
                                                                       std::string_view settings_json,
                                                                       const Clock& clock,
                                                                       std::string* failed_setting) {
    auto services = std::make_unique<Services>();
    services->plugin_name = plugin.name;
    services->clock = &clock;
    services->table = {sizeof(herald_host_services), services.get(), &Services::log, &Services::now};

    herald_create_result result{};
    result.struct_size = sizeof result;
    plugin.descriptor.create(borrow(settings_json), &services->table, &result);
    ReleaseGuard guard(plugin.descriptor, result.owner);
    if (raw_enum(result.status) != HERALD_STATUS_OK) {
        if (failed_setting != nullptr) *failed_setting = copy(result.error_setting);  // zero-filled for 1.0
        return error_text(result.error, "plugin refused the settings without saying why");
    }
    if (result.instance == nullptr) return std::string("plugin reported success but returned no instance");
    std::unique_ptr<ChannelInstance> channel(new ChannelInstance(plugin, std::move(services)));
    channel->instance_ = result.instance;
    return channel;
}

PluginResult<HttpRequest> ChannelInstance::render(std::string_view event_json, const RenderContext& context) const {
    const CallGuard call(calls_);
    const herald_event event{sizeof(herald_event), borrow(event_json), HERALD_EVENT_SCHEMA_VERSION};
    const herald_event_context ctx{sizeof(herald_event_context),
                                   context.attempt,
                                   context.is_recovery ? 1u : 0u,
                                   context.failures_before,
                                   context.failing_since_unix_ms,
                                   context.accepted_at_unix_ms,
                                   borrow(context.previous_receipt),
                                   borrow(context.team),
                                   borrow(context.channel_name),
                                   borrow(context.message_json),
                                   context.step};
    herald_render_result result{};
    result.struct_size = sizeof result;
    plugin_.descriptor.render(instance_, &event, &ctx, &result);
    ReleaseGuard guard(plugin_.descriptor, result.owner);
    if (raw_enum(result.status) != HERALD_STATUS_OK) return error_text(result.error, "render failed without a reason");

    HttpRequest request;
    request.skip = result.skip != 0;
    if (request.skip) return request;
    request.method = copy(result.method);
    request.url = copy(result.url);
    request.body = copy(result.body);
    request.rate_limit_key = copy(result.rate_limit_key);
    request.follow_up = result.follow_up != 0;  // zero-filled by us for plugins before 1.2
    if (result.header_count > 0 && result.headers == nullptr)
        return std::string("render returned headers but no table");
    for (size_t i = 0; i < result.header_count; ++i) {
        request.headers.emplace_back(copy(result.headers[i].name), copy(result.headers[i].value));
    }
    if (request.method.empty() || request.url.empty()) return std::string("render returned no method or URL");
    return request;
}

PluginResult<Classification> ChannelInstance::classify(std::string_view event_json,
                                                       const HttpResponse& response) const {
    std::vector<herald_header> headers;
    headers.reserve(response.headers.size());
    for (const auto& [name, value] : response.headers) headers.push_back({borrow(name), borrow(value)});
    const CallGuard call(calls_);
    const herald_event event{sizeof(herald_event), borrow(event_json), HERALD_EVENT_SCHEMA_VERSION};
    const herald_response r{sizeof(herald_response), response.status_code, headers.data(), headers.size(),
                            borrow(response.body)};
    herald_classification result{};
    result.struct_size = sizeof result;
    plugin_.descriptor.classify(instance_, &event, &r, &result);
    ReleaseGuard guard(plugin_.descriptor, result.owner);
    if (raw_enum(result.status) != HERALD_STATUS_OK)
        return error_text(result.reason, "classify failed without a reason");
    if (const long long outcome = raw_enum(result.outcome);
        outcome < HERALD_OUTCOME_DELIVERED || outcome > HERALD_OUTCOME_REJECTED) {
        return "classify returned unknown outcome " + std::to_string(outcome);
    }
    Classification c;
    c.outcome = result.outcome;
    c.retry_after_ms = result.retry_after_ms;
    c.reason = copy(result.reason);
    c.receipt = copy(result.receipt);
    return c;
}

}  // namespace herald
