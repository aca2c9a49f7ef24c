// Optional helpers for plugins written with Boost.JSON: reading settings and events, cutting
// text to a channel's limits, and the wording every channel shares. Header-only; a plugin that
// uses it links Boost.JSON. Nothing here is part of the C ABI.
#ifndef HERALD_PLUGIN_SUPPORT_HPP
#define HERALD_PLUGIN_SUPPORT_HPP

#include <herald/plugin.hpp>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cstdint>
#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herald::support {

namespace json = boost::json;

// Cuts `text` to at most `max_chars` Unicode code points, ending with "…" when it was cut.
// Never splits a UTF-8 sequence.
inline std::string truncate(std::string_view text, size_t max_chars) {
    size_t chars = 0;
    size_t cut = std::string_view::npos;  // byte offset where code point max_chars-1 starts
    for (size_t i = 0; i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
        if (chars == max_chars - 1) cut = i;
        if (++chars > max_chars) return max_chars == 0 ? std::string{} : std::string(text.substr(0, cut)) + "…";
    }
    return std::string(text);
}

// Cuts to a byte budget (for limits given in bytes), on a code point boundary, with "…".
inline std::string truncate_bytes(std::string_view text, size_t max_bytes) {
    if (text.size() <= max_bytes) return std::string(text);
    if (max_bytes < 3) return {};
    size_t end = max_bytes - 3;  // room for the 3-byte ellipsis
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    return std::string(text.substr(0, end)) + "…";
}

// Reads the settings object the host passes to create. The host has already checked types
// against the declared settings; these checks keep a plugin safe when used directly.
class Settings {
 public:
    explicit Settings(std::string_view settings_json) {
        boost::system::error_code ec;
        json::value v = json::parse(settings_json, ec);
        if (ec || !v.is_object()) throw SettingsError("settings must be a JSON object");
        object_ = std::move(v.get_object());
    }

    bool has(std::string_view name) const {
        const json::value* v = object_.if_contains(name);
        return v != nullptr && !v->is_null();
    }

    std::string string(std::string_view name, std::string_view fallback = {}) const {
        const json::value* v = object_.if_contains(name);
        if (v == nullptr || v->is_null()) return std::string(fallback);
        if (!v->is_string()) throw SettingsError(std::string(name) + ": must be a string");
        return std::string(v->get_string());
    }

    std::string required_string(std::string_view name) const {
        std::string value = string(name);
        if (value.empty()) throw SettingsError(std::string(name) + ": required");
        return value;
    }

    bool boolean(std::string_view name, bool fallback) const {
        const json::value* v = object_.if_contains(name);
        if (v == nullptr || v->is_null()) return fallback;
        if (!v->is_bool()) throw SettingsError(std::string(name) + ": must be true or false");
        return v->get_bool();
    }

    std::map<std::string, std::string> string_map(std::string_view name) const {
        std::map<std::string, std::string> out;
        const json::value* v = object_.if_contains(name);
        if (v == nullptr || v->is_null()) return out;
        if (!v->is_object()) throw SettingsError(std::string(name) + ": must be a map of strings");
        for (const auto& [key, value] : v->get_object()) {
            if (!value.is_string())
                throw SettingsError(std::string(name) + "." + std::string(key) + ": must be a string");
            out.emplace(std::string(key), std::string(value.get_string()));
        }
        return out;
    }

    // Ensures an http(s) URL; `name` is used in the message, the value never is (it may be secret).
    static void require_http_url(std::string_view name, std::string_view url) {
        if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0) {
            throw SettingsError(std::string(name) + ": must be an http or https URL");
        }
    }

 private:
    json::object object_;
};

// Read access to a validated deploy event (the event contract: docs/events.md).
class EventView {
 public:
    explicit EventView(std::string_view event_json) {
        boost::system::error_code ec;
        json::value v = json::parse(event_json, ec);
        if (ec || !v.is_object()) throw std::runtime_error("event is not a JSON object");
        object_ = std::move(v.get_object());
    }

    // A string at a dotted path ("commit.sha"); empty when absent or not a string.
    std::string_view get(std::string_view path) const {
        const json::object* obj = &object_;
        while (true) {
            const size_t dot = path.find('.');
            const json::value* v = obj->if_contains(path.substr(0, dot));
            if (v == nullptr) return {};
            if (dot == std::string_view::npos)
                return v->is_string() ? std::string_view(v->get_string()) : std::string_view{};
            if (!v->is_object()) return {};
            obj = &v->get_object();
            path.remove_prefix(dot + 1);
        }
    }

    std::string_view status() const { return get("status"); }
    std::string_view service() const { return get("service"); }
    std::string_view environment() const { return get("environment"); }
    const json::object& object() const { return object_; }

    std::map<std::string, std::string> labels() const {
        std::map<std::string, std::string> out;
        if (const json::value* v = object_.if_contains("labels"); v != nullptr && v->is_object()) {
            for (const auto& [k, value] : v->get_object()) {
                if (value.is_string()) out.emplace(std::string(k), std::string(value.get_string()));
            }
        }
        return out;
    }

 private:
    json::object object_;
};

// "2h 5m", "3m 10s", "42s": how long a service had been failing.
inline std::string format_duration(int64_t ms) {
    if (ms < 0) ms = 0;
    const int64_t s = ms / 1000;
    const int64_t d = s / 86400, h = (s % 86400) / 3600, m = (s % 3600) / 60, sec = s % 60;
    if (d > 0) return std::to_string(d) + "d " + std::to_string(h) + "h";
    if (h > 0) return std::to_string(h) + "h " + std::to_string(m) + "m";
    if (m > 0) return std::to_string(m) + "m " + std::to_string(sec) + "s";
    return std::to_string(sec) + "s";
}

enum class Kind { failed = 1, succeeded, recovered, started, cancelled, unknown };

inline Kind kind_of(const EventView& e, const Event& ctx) {
    const auto s = e.status();
    if (s == "failed") return Kind::failed;
    if (s == "succeeded") return ctx.is_recovery ? Kind::recovered : Kind::succeeded;
    if (s == "started") return Kind::started;
    if (s == "cancelled") return Kind::cancelled;
    return Kind::unknown;
}

// One line every channel leads with, e.g. "Deploy failed: payments to production".
inline std::string headline(const EventView& e, Kind kind) {
    const std::string target = std::string(e.service()) + " to " + std::string(e.environment());
    switch (kind) {
        case Kind::failed:
            return "Deploy failed: " + target;
        case Kind::succeeded:
            return "Deployed: " + target;
        case Kind::recovered:
            return "Recovered: " + target;
        case Kind::started:
            return "Deploy started: " + target;
        case Kind::cancelled:
            return "Deploy cancelled: " + target;
        case Kind::unknown:
            break;
    }
    return "Deploy " + std::string(e.status()) + ": " + target;
}

// What happened to the failed version, in words; empty when the event says nothing.
inline std::string rollback_summary(const EventView& e) {
    const auto status = e.get("rollback.status");
    const auto to = e.get("rollback.to_version");
    const std::string to_text = to.empty() ? std::string{} : " to " + std::string(to);
    if (status == "succeeded") return "Rolled back" + to_text;
    if (status == "in_progress") return "Rollback in progress" + to_text;
    if (status == "failed") return "Rollback FAILED: the failed version may still be running";
    if (status == "not_attempted") return "No rollback: the failed version is still running";
    return {};
}

// "after 3 failures over 2h 5m" for a recovery, from the host's context.
inline std::string recovery_summary(const Event& ctx, int64_t now_ms) {
    if (!ctx.is_recovery) return {};
    std::string text = "Recovered after " + std::to_string(ctx.failures_before) +
                       (ctx.failures_before == 1 ? " failed deploy" : " failed deploys");
    if (ctx.failing_since_unix_ms > 0) {
        const int64_t end = ctx.accepted_at_unix_ms > 0 ? ctx.accepted_at_unix_ms : now_ms;
        text += "; failing for " + format_duration(end - ctx.failing_since_unix_ms);
    }
    return text;
}

inline std::string short_sha(std::string_view sha) { return std::string(sha.substr(0, 12)); }

// Unix milliseconds of an RFC 3339 timestamp as the host validated it
// ("2026-11-27T07:48:05.123+02:00"); nullopt for anything else.
inline std::optional<int64_t> unix_ms(std::string_view t) {
    auto digits = [&t](size_t pos, size_t n, int& out) {
        if (pos + n > t.size()) return false;
        const auto [end, ec] = std::from_chars(t.data() + pos, t.data() + pos + n, out);
        return ec == std::errc{} && end == t.data() + pos + n;
    };
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!digits(0, 4, year) || !digits(5, 2, month) || !digits(8, 2, day) || !digits(11, 2, hour) ||
        !digits(14, 2, minute) || !digits(17, 2, second)) {
        return std::nullopt;
    }
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    int64_t ms = static_cast<int64_t>(timegm(&tm)) * 1000;
    size_t pos = 19;
    if (pos < t.size() && t[pos] == '.') {
        int64_t scale = 100;
        for (++pos; pos < t.size() && t[pos] >= '0' && t[pos] <= '9'; ++pos, scale /= 10) ms += (t[pos] - '0') * scale;
    }
    if (pos < t.size() && (t[pos] == '+' || t[pos] == '-')) {
        int oh = 0, om = 0;
        if (!digits(pos + 1, 2, oh) || !digits(pos + 4, 2, om)) return std::nullopt;
        const int64_t offset = (int64_t{oh} * 60 + om) * 60'000;
        ms += t[pos] == '+' ? -offset : offset;
    }
    return ms;
}

// "8m 0s" from started_at to finished_at, when the event gives both; empty otherwise.
inline std::string deploy_duration(const EventView& e) {
    const auto started = unix_ms(e.get("started_at"));
    const auto finished = unix_ms(e.get("finished_at"));
    if (!started || !finished || *finished < *started) return {};
    return format_duration(*finished - *started);
}

// "region=eu-west-1, cluster=prod-2": the event's labels, in name order, at most `max` of them.
inline std::string labels_summary(const EventView& e, size_t max = 8) {
    std::string out;
    size_t n = 0;
    for (const auto& [k, v] : e.labels()) {
        if (n++ == max) return out + ", …";
        if (!out.empty()) out += ", ";
        out += k + "=" + v;
    }
    return out;
}

// For a message the host sent to its fallback channel (no team owns the service): who should
// act, and how to claim the service. Empty for a team's own channel.
inline std::string unrouted_note(const EventView& e, const Event& ctx) {
    if (!ctx.team.empty()) return {};
    return "No team owns " + std::string(e.service()) +
           ": add it to a team file's `services` in the routing directory to claim it.";
}

// The channel's message customisation the host rendered for this event (ABI 1.2,
// Event::message_json; docs/messages.md). Every text is plain text: escape it for the channel's
// format like event text. Absent parts leave the default message as it is.
struct CustomMessage {
    struct Field {
        std::string name;
        std::string value;
    };
    struct Link {
        std::string text;
        std::string url;
    };
    struct Mention {
        std::string kind;  // user, group, tag, here, channel
        std::string id;
        std::string name;
    };
    std::string title;
    std::string summary;
    std::vector<Field> fields;
    std::vector<Link> links;
    std::optional<std::vector<std::string>> show;    // standard fields to show; absent: all
    std::optional<std::vector<std::string>> labels;  // label keys to show; absent: all
    std::vector<Mention> mentions;

    explicit CustomMessage(std::string_view message_json) {
        if (message_json.empty()) return;
        boost::system::error_code ec;
        const json::value v = json::parse(message_json, ec);
        if (ec || !v.is_object()) throw std::runtime_error("message customisation is not a JSON object");
        const json::object& o = v.get_object();
        title = text(o, "title");
        summary = text(o, "summary");
        for (const auto& f : array(o, "fields")) {
            if (f.is_object()) fields.push_back({text(f.get_object(), "name"), text(f.get_object(), "value")});
        }
        for (const auto& l : array(o, "links")) {
            if (l.is_object()) links.push_back({text(l.get_object(), "text"), text(l.get_object(), "url")});
        }
        if (o.contains("show")) show = strings(o, "show");
        if (o.contains("labels")) labels = strings(o, "labels");
        for (const auto& m : array(o, "mentions")) {
            if (!m.is_object()) continue;
            const json::object& mo = m.get_object();
            mentions.push_back({text(mo, "kind"), text(mo, "id"), text(mo, "name")});
        }
    }

    // Whether the default message's standard field `name` (service, environment, version,
    // commit, triggered_by, failure, rollback, pipeline, duration, labels, commit_message) shows.
    bool shows(std::string_view name) const {
        return !show || std::find(show->begin(), show->end(), name) != show->end();
    }

    // "region=eu-west-1, cluster=prod-2", limited to the label keys the channel chose.
    std::string labels_of(const EventView& e, size_t max = 8) const {
        if (!shows("labels")) return {};
        std::string out;
        size_t n = 0;
        for (const auto& [k, v] : e.labels()) {
            if (labels && std::find(labels->begin(), labels->end(), k) == labels->end()) continue;
            if (n++ == max) return out + ", …";
            if (!out.empty()) out += ", ";
            out += k + "=" + v;
        }
        return out;
    }

 private:
    static std::string text(const json::object& o, std::string_view key) {
        const json::value* v = o.if_contains(key);
        return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string{};
    }
    static const json::array& array(const json::object& o, std::string_view key) {
        static const json::array empty;
        const json::value* v = o.if_contains(key);
        return v != nullptr && v->is_array() ? v->get_array() : empty;
    }
    static std::vector<std::string> strings(const json::object& o, std::string_view key) {
        std::vector<std::string> out;
        for (const auto& item : array(o, key)) {
            if (item.is_string()) out.emplace_back(item.get_string());
        }
        return out;
    }
};

// Retry-After in seconds (the form Slack, Teams and PagerDuty send) as milliseconds; -1 if absent
// or not a plain number (the host then uses its own backoff).
inline int64_t retry_after_ms(const Response& response) {
    const auto value = response.header("Retry-After");
    if (!value) return -1;
    std::string_view text = *value;
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    int64_t seconds = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (ec != std::errc{} || seconds < 0) return -1;
    return seconds * 1000;
}

// A short excerpt of a response body for a rejection reason.
inline std::string body_excerpt(std::string_view body, size_t max_chars = 300) { return truncate(body, max_chars); }

}  // namespace herald::support

#endif  // HERALD_PLUGIN_SUPPORT_HPP
