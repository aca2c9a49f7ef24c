// Header-only C++ helper for Herald channel plugins.
//
// A plugin author writes one class and one macro:
//
//   class MyChannel {
//    public:
//     static constexpr const char* name = "mychannel";
//     static constexpr const char* version = "1.0.0";
//     static constexpr const char* description = "Posts deploy events to MyChannel";
//     static constexpr std::array settings{
//         herald::setting("url", HERALD_SETTING_STRING, HERALD_SETTING_REQUIRED | HERALD_SETTING_SECRET,
//                         nullptr, "Webhook URL")};
//     static constexpr herald_delivery_defaults delivery_defaults = herald::delivery_defaults(...);
//
//     MyChannel(std::string_view settings_json, herald::Host host);  // throws on bad settings
//     herald::Request render(const herald::Event& event) const;
//     herald::Classification classify(const herald::Event& event, const herald::Response& r) const;
//   };
//   HERALD_PLUGIN(MyChannel)
//
// The helper builds the C descriptor and catches every exception at the boundary, turning it
// into an error result, so no exception ever reaches the host.
#ifndef HERALD_PLUGIN_HPP
#define HERALD_PLUGIN_HPP

#include <herald/plugin.h>

#include <array>
#include <cstdint>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace herald {

inline std::string_view view(herald_str s) noexcept {
    return s.size == 0 ? std::string_view{} : std::string_view{s.data, s.size};
}

inline herald_str str(std::string_view s) noexcept { return herald_str{s.data(), s.size()}; }

constexpr herald_setting_desc setting(const char* name, herald_setting_type type, uint32_t flags,
                                      const char* default_json, const char* help) {
    return herald_setting_desc{sizeof(herald_setting_desc), name, type, flags, default_json, help};
}

struct DeliveryDefaults {
    uint32_t max_retries = 5;
    uint32_t initial_backoff_ms = 1000;
    uint32_t max_backoff_ms = 60000;
    uint32_t give_up_after_ms = 0;
    double rate_per_second = 0;
    uint32_t burst = 1;
    uint32_t max_body_bytes = 256 * 1024;
};

constexpr herald_delivery_defaults delivery_defaults(DeliveryDefaults d) {
    return herald_delivery_defaults{sizeof(herald_delivery_defaults),
                                    d.max_retries,
                                    d.initial_backoff_ms,
                                    d.max_backoff_ms,
                                    d.give_up_after_ms,
                                    d.rate_per_second,
                                    d.burst,
                                    d.max_body_bytes};
}

// Thrown by a plugin constructor for settings it cannot accept; the message becomes the
// create error. Name the setting and the rule, never a secret value. With the setting's name
// given separately (or the message starting "name: " for a declared setting), the host points
// at that setting in the config file.
class SettingsError : public std::runtime_error {
 public:
    using std::runtime_error::runtime_error;
    SettingsError(std::string setting, const std::string& message)
        : std::runtime_error(setting + ": " + message), setting_(std::move(setting)) {}
    const std::string& setting() const { return setting_; }

 private:
    std::string setting_;
};

class Host {
 public:
    explicit Host(const herald_host_services* services) : services_(services) {}

    void log(herald_log_level level, std::string_view message) const {
        if (services_ != nullptr && services_->log != nullptr) {
            services_->log(services_->host_data, level, str(message));
        }
    }
    int64_t now_unix_ms() const {
        return services_ != nullptr && services_->now_unix_ms != nullptr ? services_->now_unix_ms(services_->host_data)
                                                                         : 0;
    }

 private:
    const herald_host_services* services_;
};

// The event as the plugin sees it: the event JSON plus the host's context (render only).
struct Event {
    std::string_view json;
    uint32_t schema_version = HERALD_EVENT_SCHEMA_VERSION;
    uint32_t attempt = 1;
    bool is_recovery = false;
    uint32_t failures_before = 0;
    int64_t failing_since_unix_ms = 0;
    int64_t accepted_at_unix_ms = 0;
    std::string_view previous_receipt;
    std::string_view team;
    std::string_view channel_name;
    std::string_view message_json;  // 1.2: the channel's rendered message customisation, or empty
    uint32_t step = 1;              // 1.2: which request of a multi-request delivery
};

struct Request {
    std::string method = "POST";
    std::string url;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string rate_limit_key;
    bool skip = false;
    bool follow_up = false;  // 1.2: render again with step + 1 once this request is delivered

    static Request nothing_to_send() {
        Request r;
        r.skip = true;
        return r;
    }
};

struct Response {
    int status_code = 0;
    std::vector<std::pair<std::string_view, std::string_view>> headers;
    std::string_view body;

    // Case-insensitive lookup, as HTTP header names are.
    std::optional<std::string_view> header(std::string_view name) const {
        for (const auto& [key, value] : headers) {
            if (key.size() != name.size()) continue;
            bool same = true;
            for (size_t i = 0; i < key.size() && same; ++i) {
                same = ascii_lower(key[i]) == ascii_lower(name[i]);
            }
            if (same) return value;
        }
        return std::nullopt;
    }

 private:
    static char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
};

struct Classification {
    herald_outcome outcome = HERALD_OUTCOME_REJECTED;
    int64_t retry_after_ms = -1;
    std::string reason;
    std::string receipt;

    static Classification delivered(std::string receipt = {}) {
        return {HERALD_OUTCOME_DELIVERED, -1, {}, std::move(receipt)};
    }
    static Classification accepted(std::string reason = {}) {
        return {HERALD_OUTCOME_ACCEPTED, -1, std::move(reason), {}};
    }
    static Classification retry(std::string reason, int64_t after_ms = -1) {
        return {HERALD_OUTCOME_RETRY, after_ms, std::move(reason), {}};
    }
    static Classification rejected(std::string reason) { return {HERALD_OUTCOME_REJECTED, -1, std::move(reason), {}}; }
};

namespace detail {

// Everything a result points at lives in one of these until the host releases it.
struct Owned {
    virtual ~Owned() = default;
};

struct OwnedRequest : Owned {
    Request request;
    std::vector<herald_header> headers;
    std::string error;
};

struct OwnedClassification : Owned {
    Classification classification;
};

struct OwnedError : Owned {
    std::string text;
    std::string setting;
};

inline void release(void* owner) noexcept { delete static_cast<Owned*>(owner); }

// Writes one result field, only when it lies inside the struct the host allocated (a host of
// an older minor knows fewer fields): the rule of plugin.h, for every field this helper writes.
#define HERALD_PUT(result, field, value)                         \
    do {                                                         \
        if (HERALD_FITS(result, field)) (result)->field = value; \
    } while (false)

// Reports a failure message; falls back to a static text if even that allocation fails.
template <typename Result>
void set_error(Result* result, std::string_view message, std::string_view setting = {}) noexcept {
    HERALD_PUT(result, status, HERALD_STATUS_ERROR);
    try {
        auto* owned = new OwnedError;
        owned->text = message.empty() ? std::string("plugin error") : std::string(message);
        owned->setting = std::string(setting);
        if (!HERALD_FITS(result, owner)) {  // every minor's results carry owner; never taken
            delete owned;
            return;
        }
        result->owner = owned;
        if constexpr (requires { result->error; }) {
            HERALD_PUT(result, error, str(owned->text));
        } else {
            HERALD_PUT(result, reason, str(owned->text));
        }
        if constexpr (requires { result->error_setting; }) {
            if (!owned->setting.empty()) HERALD_PUT(result, error_setting, str(owned->setting));
        }
    } catch (...) {
        static constexpr std::string_view fallback = "plugin error (out of memory)";
        HERALD_PUT(result, owner, nullptr);
        if constexpr (requires { result->error; }) {
            HERALD_PUT(result, error, str(fallback));
        } else {
            HERALD_PUT(result, reason, str(fallback));
        }
    }
}

template <typename Result, typename Body>
void guarded(Result* result, Body&& body) noexcept {
    try {
        body();
    } catch (const std::exception& e) {
        set_error(result, e.what());
    } catch (...) {
        set_error(result, "unknown exception");
    }
}

// The declared setting a "name: rule" message is about, or empty.
template <typename T>
std::string_view setting_named_in(std::string_view message) {
    for (const auto& s : T::settings) {
        const std::string_view name = s.name;
        if (message.size() > name.size() && message.substr(0, name.size()) == name && message[name.size()] == ':') {
            return name;
        }
    }
    return {};
}

template <typename T, size_t N>
constexpr std::array<const herald_setting_desc*, N> setting_pointers(
    const std::array<herald_setting_desc, N>& settings) {
    std::array<const herald_setting_desc*, N> pointers{};
    for (size_t i = 0; i < N; ++i) pointers[i] = &settings[i];
    return pointers;
}

inline Event make_event(const herald_event* event, const herald_event_context* context) {
    Event e;
    if (event != nullptr) {
        e.json = view(event->json);
        if (HERALD_FITS(event, schema_version) && event->schema_version != 0) e.schema_version = event->schema_version;
    }
    if (context != nullptr) {
        e.attempt = context->attempt;
        e.is_recovery = context->is_recovery != 0;
        e.failures_before = context->failures_before;
        e.failing_since_unix_ms = context->failing_since_unix_ms;
        e.accepted_at_unix_ms = context->accepted_at_unix_ms;
        e.previous_receipt = view(context->previous_receipt);
        e.team = view(context->team);
        e.channel_name = view(context->channel_name);
        if (HERALD_FITS(context, message_json)) e.message_json = view(context->message_json);
        if (HERALD_FITS(context, step) && context->step != 0) e.step = context->step;
    }
    return e;
}

template <typename T>
void create(herald_str settings_json, const herald_host_services* host, herald_create_result* result) {
    try {
        auto instance = std::make_unique<T>(view(settings_json), Host(host));
        HERALD_PUT(result, instance, instance.release());
        HERALD_PUT(result, status, HERALD_STATUS_OK);
    } catch (const SettingsError& e) {
        const std::string_view setting = e.setting().empty() ? setting_named_in<T>(e.what()) : e.setting();
        set_error(result, e.what(), setting);
    } catch (const std::exception& e) {
        set_error(result, e.what());
    } catch (...) {
        set_error(result, "unknown exception");
    }
}

// Destructors are noexcept: one that throws ends the process, as anywhere in C++. Keep plugin
// destructors trivial.
template <typename T>
void destroy(void* instance) {
    delete static_cast<T*>(instance);
}

template <typename T>
void render(void* instance, const herald_event* event, const herald_event_context* context,
            herald_render_result* result) {
    guarded(result, [&] {
        auto owned = std::make_unique<OwnedRequest>();
        owned->request = static_cast<const T*>(instance)->render(make_event(event, context));
        const Request& r = owned->request;
        owned->headers.reserve(r.headers.size());
        for (const auto& [name, value] : r.headers) owned->headers.push_back({str(name), str(value)});
        HERALD_PUT(result, status, HERALD_STATUS_OK);
        HERALD_PUT(result, skip, r.skip ? 1u : 0u);
        HERALD_PUT(result, method, str(r.method));
        HERALD_PUT(result, url, str(r.url));
        HERALD_PUT(result, headers, owned->headers.data());
        HERALD_PUT(result, header_count, owned->headers.size());
        HERALD_PUT(result, body, str(r.body));
        HERALD_PUT(result, rate_limit_key, str(r.rate_limit_key));
        HERALD_PUT(result, follow_up, r.follow_up ? 1u : 0u);
        HERALD_PUT(result, owner, owned.release());
    });
}

template <typename T>
void classify(void* instance, const herald_event* event, const herald_response* response,
              herald_classification* result) {
    guarded(result, [&] {
        Response r;
        r.status_code = response != nullptr ? response->status_code : 0;
        if (response != nullptr) {
            r.body = view(response->body);
            for (size_t i = 0; i < response->header_count; ++i) {
                r.headers.emplace_back(view(response->headers[i].name), view(response->headers[i].value));
            }
        }
        auto owned = std::make_unique<OwnedClassification>();
        owned->classification = static_cast<const T*>(instance)->classify(make_event(event, nullptr), r);
        const Classification& c = owned->classification;
        HERALD_PUT(result, status, HERALD_STATUS_OK);
        HERALD_PUT(result, outcome, c.outcome);
        HERALD_PUT(result, retry_after_ms, c.retry_after_ms);
        HERALD_PUT(result, reason, str(c.reason));
        HERALD_PUT(result, receipt, str(c.receipt));
        HERALD_PUT(result, owner, owned.release());
    });
}

template <typename T>
const herald_plugin_descriptor* descriptor() {
    static constexpr auto pointers = setting_pointers<T>(T::settings);
    static const herald_plugin_descriptor d{
        sizeof(herald_plugin_descriptor),
        HERALD_PLUGIN_ABI_MAJOR,
        HERALD_PLUGIN_ABI_MINOR,
        T::name,
        T::version,
        T::description,
        pointers.data(),
        pointers.size(),
        &T::delivery_defaults,
        &create<T>,
        &destroy<T>,
        &render<T>,
        &classify<T>,
        &release,
    };
    return &d;
}

}  // namespace detail
}  // namespace herald

#undef HERALD_PUT

#define HERALD_PLUGIN(Class)                                                                    \
    extern "C" HERALD_PLUGIN_EXPORT const herald_plugin_descriptor* herald_plugin_entry(void) { \
        return ::herald::detail::descriptor<Class>();                                           \
    }

#endif  // HERALD_PLUGIN_HPP
