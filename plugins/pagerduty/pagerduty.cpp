// PagerDuty channel: Events API v2. `send: alerts` (default) triggers an incident for a failed
// deploy with a dedup_key per service+environment and resolves it on the next success;
// `send: changes` records successful deploys as change events.
#include <herald/plugin_support.hpp>

#include <array>
#include <cstdio>

namespace {

namespace json = boost::json;
namespace hs = herald::support;

constexpr size_t kSummaryChars = 1024;  // payload.summary limit
constexpr size_t kDedupKeyChars = 255;  // dedup_key limit
constexpr size_t kSourceChars = 255;
constexpr size_t kReasonChars = 4000;

// A stable, non-reversible label for a routing key, so limits can be shared per key without
// the key itself appearing in logs or metrics.
std::string key_label(std::string_view key) {
    uint64_t hash = 1469598103934665603ull;  // FNV-1a
    for (unsigned char c : key) hash = (hash ^ c) * 1099511628211ull;
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash));
    return buf;
}

bool valid_severity(std::string_view s) { return s == "critical" || s == "error" || s == "warning" || s == "info"; }

int severity_rank(std::string_view s) {
    if (s == "critical") return 3;
    if (s == "error") return 2;
    if (s == "warning") return 1;
    return 0;
}

void put_if(json::object& obj, std::string_view key, std::string_view value) {
    if (!value.empty()) obj[key] = value;
}

}  // namespace

class PagerDutyChannel {
 public:
    static constexpr const char* name = "pagerduty";
    static constexpr const char* version = "1.0.0";
    static constexpr const char* description = "PagerDuty Events API v2: incidents for failed deploys, change events";
    static constexpr std::array settings{
        herald::setting("routing_key", HERALD_SETTING_STRING, HERALD_SETTING_REQUIRED | HERALD_SETTING_SECRET, nullptr,
                        "Integration key of the PagerDuty service (Events API v2)"),
        herald::setting("send", HERALD_SETTING_STRING, 0, "\"alerts\"",
                        "alerts: trigger on failure, resolve on success; changes: change events for successes"),
        herald::setting("severity", HERALD_SETTING_STRING_MAP, 0, "{\"production\":\"critical\",\"*\":\"warning\"}",
                        "Environment to severity (critical, error, warning, info); * is the default"),
        herald::setting("rolled_back_severity", HERALD_SETTING_STRING, 0, "\"warning\"",
                        "Severity of a failure whose rollback succeeded (never higher than the environment's); "
                        "\"\" keeps the environment's severity"),
        herald::setting("resolve_on_success", HERALD_SETTING_BOOLEAN, 0, "true",
                        "Resolve the service+environment incident when a deploy succeeds"),
        herald::setting("source", HERALD_SETTING_STRING, 0, nullptr, "payload.source; defaults to the service name"),
        herald::setting("events_url", HERALD_SETTING_STRING, 0, "\"https://events.pagerduty.com\"",
                        "Events API base URL"),
    };
    // About 120 events/minute per routing key are accepted; retry 429 and 5xx with a long backoff.
    static constexpr herald_delivery_defaults delivery_defaults =
        herald::delivery_defaults({.max_retries = 5,
                                   .initial_backoff_ms = 2000,
                                   .max_backoff_ms = 60000,
                                   .give_up_after_ms = 0,
                                   .rate_per_second = 2.0,
                                   .burst = 5,
                                   .max_body_bytes = 512 * 1024});

    PagerDutyChannel(std::string_view settings_json, herald::Host) {
        const hs::Settings s(settings_json);
        routing_key_ = s.required_string("routing_key");
        if (routing_key_.size() != 32)
            throw herald::SettingsError("routing_key: must be a 32-character integration key");
        const std::string send = s.string("send", "alerts");
        if (send != "alerts" && send != "changes")
            throw herald::SettingsError("send: must be \"alerts\" or \"changes\"");
        changes_ = send == "changes";
        severity_ = s.has("severity")
                        ? s.string_map("severity")
                        : std::map<std::string, std::string>{{"production", "critical"}, {"*", "warning"}};
        for (const auto& [env, severity] : severity_) {
            if (!valid_severity(severity)) {
                throw herald::SettingsError("severity." + env + ": must be critical, error, warning or info");
            }
        }
        rolled_back_severity_ = s.string("rolled_back_severity", "warning");
        if (!rolled_back_severity_.empty() && !valid_severity(rolled_back_severity_)) {
            throw herald::SettingsError("rolled_back_severity: must be critical, error, warning, info or \"\"");
        }
        resolve_on_success_ = s.boolean("resolve_on_success", true);
        source_ = s.string("source");
        events_url_ = s.string("events_url", "https://events.pagerduty.com");
        hs::Settings::require_http_url("events_url", events_url_);
        while (!events_url_.empty() && events_url_.back() == '/') events_url_.pop_back();
    }

    herald::Request render(const herald::Event& event) const {
        const hs::EventView e(event.json);
        const hs::Kind kind = hs::kind_of(e, event);
        const bool success = kind == hs::Kind::succeeded || kind == hs::Kind::recovered;

        json::object body;
        std::string path;
        if (changes_) {
            if (!success) return herald::Request::nothing_to_send();
            body = change_event(e, event, kind);
            path = "/v2/change/enqueue";
        } else if (kind == hs::Kind::failed) {
            body = trigger(e, event, kind);
            path = "/v2/enqueue";
        } else if (success && resolve_on_success_) {
            body = {{"routing_key", routing_key_}, {"event_action", "resolve"}, {"dedup_key", dedup_key(e)}};
            path = "/v2/enqueue";
        } else {
            return herald::Request::nothing_to_send();
        }
        herald::Request request;
        request.url = events_url_ + path;
        request.headers.emplace_back("Content-Type", "application/json");
        request.body = json::serialize(body);
        request.rate_limit_key = "pagerduty:" + key_label(routing_key_);
        return request;
    }

    herald::Classification classify(const herald::Event&, const herald::Response& r) const {
        const int code = r.status_code;
        if (code == 429 || code >= 500 || code == 408) {
            return herald::Classification::retry("HTTP " + std::to_string(code), hs::retry_after_ms(r));
        }
        if (code >= 200 && code < 300) {
            boost::system::error_code ec;
            const json::value v = json::parse(r.body, ec);
            std::string receipt;
            if (!ec && v.is_object()) {
                if (const auto* key = v.get_object().if_contains("dedup_key"); key != nullptr && key->is_string()) {
                    receipt = std::string(key->get_string());
                }
            }
            return herald::Classification::delivered(std::move(receipt));
        }
        return herald::Classification::rejected("HTTP " + std::to_string(code) + ": " + error_text(r.body));
    }

 private:
    // PagerDuty's error object: {"status", "message", "errors": [...]}.
    static std::string error_text(std::string_view body) {
        boost::system::error_code ec;
        const json::value v = json::parse(body, ec);
        if (ec || !v.is_object()) return hs::body_excerpt(body, 200);
        const json::object& obj = v.get_object();
        std::string text;
        if (const auto* m = obj.if_contains("message"); m != nullptr && m->is_string())
            text = std::string(m->get_string());
        if (const auto* errors = obj.if_contains("errors"); errors != nullptr && errors->is_array()) {
            for (const auto& item : errors->get_array()) {
                if (item.is_string()) text += (text.empty() ? "" : "; ") + std::string(item.get_string());
            }
        }
        return text.empty() ? hs::body_excerpt(body, 200) : hs::truncate(text, 300);
    }

    std::string dedup_key(const hs::EventView& e) const {
        return hs::truncate_bytes("herald/" + std::string(e.service()) + "/" + std::string(e.environment()),
                                  kDedupKeyChars);
    }

    std::string severity_for(std::string_view environment) const {
        if (auto it = severity_.find(std::string(environment)); it != severity_.end()) return it->second;
        if (auto it = severity_.find("*"); it != severity_.end()) return it->second;
        return "warning";
    }

    // A failure whose rollback succeeded is less urgent: the previous version serves again.
    std::string severity_of_failure(const hs::EventView& e) const {
        std::string severity = severity_for(e.environment());
        if (e.get("rollback.status") == "succeeded" && !rolled_back_severity_.empty() &&
            severity_rank(rolled_back_severity_) < severity_rank(severity)) {
            severity = rolled_back_severity_;
        }
        return severity;
    }

    std::string source_for(const hs::EventView& e) const {
        return hs::truncate(source_.empty() ? e.service() : std::string_view(source_), kSourceChars);
    }

    static json::array links(const hs::EventView& e, const hs::CustomMessage& custom) {
        json::array out;
        if (const auto url = e.get("pipeline.url"); !url.empty() && custom.shows("pipeline"))
            out.push_back({{"href", url}, {"text", "Pipeline log"}});
        if (const auto url = e.get("commit.url"); !url.empty() && custom.shows("commit"))
            out.push_back({{"href", url}, {"text", "Commit"}});
        for (const auto& link : custom.links) out.push_back({{"href", link.url}, {"text", link.text}});
        return out;
    }

    // The channel's message customisation; PagerDuty has no mentions, so they are refused.
    static hs::CustomMessage custom_of(const herald::Event& ctx) {
        hs::CustomMessage custom(ctx.message_json);
        if (!custom.mentions.empty()) {
            throw std::runtime_error("PagerDuty has no mentions: leave `mentions` out of this channel's message");
        }
        return custom;
    }

    static json::object details(const hs::EventView& e, const herald::Event& ctx, const hs::CustomMessage& custom) {
        json::object d;
        put_if(d, "summary", custom.summary);
        for (const auto& f : custom.fields) put_if(d, f.name, f.value);
        put_if(d, "duration", hs::deploy_duration(e));
        put_if(d, "unrouted", hs::unrouted_note(e, ctx));
        for (const char* path :
             {"deployment_id", "version", "triggered_by", "commit.sha", "commit.message", "failure.stage",
              "rollback.status", "rollback.to_version", "pipeline.name", "pipeline.run_id"}) {
            put_if(d, path, hs::truncate(e.get(path), 1000));
        }
        put_if(d, "failure.reason", hs::truncate(e.get("failure.reason"), kReasonChars));
        put_if(d, "rollback", hs::rollback_summary(e));
        json::object l;
        for (const auto& [k, v] : e.labels()) {
            if (custom.labels && std::find(custom.labels->begin(), custom.labels->end(), k) == custom.labels->end())
                continue;
            l[k] = v;
        }
        if (!l.empty() && custom.shows("labels")) d["labels"] = std::move(l);
        return d;
    }

    json::object trigger(const hs::EventView& e, const herald::Event& ctx, hs::Kind kind) const {
        const hs::CustomMessage custom = custom_of(ctx);
        std::string summary = custom.title;
        if (summary.empty()) {
            summary = hs::headline(e, kind);
            if (const auto stage = e.get("failure.stage"); !stage.empty()) summary += " at " + std::string(stage);
            if (const std::string rollback = hs::rollback_summary(e); !rollback.empty()) {
                summary += " (" + rollback + ")";
            }
        }
        json::object payload{{"summary", hs::truncate(summary, kSummaryChars)},
                             {"source", source_for(e)},
                             {"severity", severity_of_failure(e)},
                             {"component", e.service()},
                             {"group", e.environment()},
                             {"class", "deploy"},
                             {"custom_details", details(e, ctx, custom)}};
        put_if(payload, "timestamp", e.get("finished_at"));
        json::object body{{"routing_key", routing_key_},
                          {"event_action", "trigger"},
                          {"dedup_key", dedup_key(e)},
                          {"payload", std::move(payload)},
                          {"client", "Herald"}};
        if (auto l = links(e, custom); !l.empty()) body["links"] = std::move(l);
        if (const auto url = e.get("pipeline.url"); !url.empty()) body["client_url"] = url;
        return body;
    }

    json::object change_event(const hs::EventView& e, const herald::Event& ctx, hs::Kind kind) const {
        const hs::CustomMessage custom = custom_of(ctx);
        std::string summary = custom.title;
        if (summary.empty()) {
            summary = hs::headline(e, kind);
            if (const auto v = e.get("version"); !v.empty()) summary += " (" + std::string(v) + ")";
        }
        json::object payload{{"summary", hs::truncate(summary, kSummaryChars)},
                             {"source", source_for(e)},
                             {"custom_details", details(e, ctx, custom)}};
        put_if(payload, "timestamp", e.get("finished_at"));
        json::object body{{"routing_key", routing_key_}, {"payload", std::move(payload)}};
        if (auto l = links(e, custom); !l.empty()) body["links"] = std::move(l);
        return body;
    }

    std::string routing_key_;
    bool changes_ = false;
    std::map<std::string, std::string> severity_;
    std::string rolled_back_severity_;
    bool resolve_on_success_ = true;
    std::string source_;
    std::string events_url_;
};

HERALD_PLUGIN(PagerDutyChannel)
