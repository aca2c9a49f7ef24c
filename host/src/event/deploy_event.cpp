#include "event/deploy_event.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "event/rfc3339.hpp"

namespace herald {
namespace json = boost::json;

std::string_view to_string(DeployStatus status) {
    switch (status) {
        case DeployStatus::started:
            return "started";
        case DeployStatus::succeeded:
            return "succeeded";
        case DeployStatus::failed:
            return "failed";
        case DeployStatus::cancelled:
            return "cancelled";
    }
    return "unknown";
}

std::optional<DeployStatus> parse_deploy_status(std::string_view text) {
    for (auto s : {DeployStatus::started, DeployStatus::succeeded, DeployStatus::failed, DeployStatus::cancelled}) {
        if (text == to_string(s)) return s;
    }
    return std::nullopt;
}

namespace {

size_t utf8_chars(std::string_view s) {
    size_t count = 0;
    for (unsigned char c : s) count += (c & 0xC0) != 0x80;
    return count;
}

// Characters that can rewrite what a person sees where the text is printed: C0 and C1 controls
// (ANSI escapes, NUL, line breaks) and the Unicode bidirectional overrides.
bool has_control_chars(std::string_view s) {
    for (size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c == 0x7F) return true;
        const auto next = i + 1 < s.size() ? static_cast<unsigned char>(s[i + 1]) : 0;
        if (c == 0xC2 && next >= 0x80 && next <= 0x9F) return true;  // U+0080..U+009F
        if (c == 0xE2 && i + 2 < s.size()) {
            const auto third = static_cast<unsigned char>(s[i + 2]);
            if (next == 0x80 && third >= 0xAA && third <= 0xAE) return true;  // U+202A..U+202E
            if (next == 0x81 && third >= 0xA6 && third <= 0xA9) return true;  // U+2066..U+2069
        }
    }
    return false;
}

// Walks one JSON object, recording a FieldError for every rule it breaks.
class Checker {
 public:
    Checker(const EventLimits& limits, std::vector<FieldError>& errors) : limits_(limits), errors_(errors) {}

    void fail(std::string field, std::string rule) { errors_.push_back({std::move(field), std::move(rule)}); }

    // A string member, or nullptr when absent/null/wrong type (wrong type is reported).
    const json::string* string_at(const json::object& obj, std::string_view prefix, std::string_view key,
                                  size_t max_chars) {
        const json::value* v = obj.if_contains(key);
        if (v == nullptr || v->is_null()) return nullptr;
        if (!v->is_string()) {
            fail(join(prefix, key), "must be a string");
            return nullptr;
        }
        const json::string& s = v->get_string();
        if (utf8_chars(s) > max_chars) {
            fail(join(prefix, key), "must be at most " + std::to_string(max_chars) + " characters");
        }
        return &s;
    }

    // An identifier: a string shown in lists, logs and titles, so it may hold no control characters.
    const json::string* identifier(const json::string* s, std::string_view prefix, std::string_view key) {
        if (s != nullptr && has_control_chars(*s)) fail(join(prefix, key), "must not contain control characters");
        return s;
    }

    const json::string* required_string(const json::object& obj, std::string_view prefix, std::string_view key,
                                        size_t max_chars, std::string_view when = {}) {
        const json::value* v = obj.if_contains(key);
        if (v == nullptr || v->is_null()) {
            fail(join(prefix, key), when.empty() ? "required" : "required when " + std::string(when));
            return nullptr;
        }
        const json::string* s = string_at(obj, prefix, key, max_chars);
        if (s != nullptr && s->empty()) fail(join(prefix, key), "must not be empty");
        return s;
    }

    const json::object* object_at(const json::object& obj, std::string_view key) {
        const json::value* v = obj.if_contains(key);
        if (v == nullptr || v->is_null()) return nullptr;
        if (!v->is_object()) {
            fail(std::string(key), "must be an object");
            return nullptr;
        }
        return &v->get_object();
    }

    void url(const json::string* s, std::string_view path) {
        if (s == nullptr || s->empty()) return;
        auto parsed = boost::urls::parse_absolute_uri(std::string_view(*s));
        // The host as written: decoding it (host()) would allocate a copy only to test emptiness.
        if (!parsed || (parsed->scheme() != "http" && parsed->scheme() != "https") || parsed->encoded_host().empty()) {
            fail(std::string(path), "must be an absolute http or https URL");
        }
    }

    void timestamp(const json::object& obj, std::string_view key) {
        const json::string* s = string_at(obj, "", key, 64);
        if (s != nullptr && !is_rfc3339_timestamp(*s)) {
            fail(std::string(key), "must be an RFC 3339 timestamp (e.g. 2026-11-27T07:48:05Z)");
        }
    }

    void one_of(const json::string* s, std::string_view path, std::initializer_list<std::string_view> allowed) {
        if (s == nullptr) return;
        for (auto a : allowed) {
            if (*s == a) return;
        }
        std::string rule = "must be one of";
        const char* sep = " ";
        for (auto a : allowed) {
            rule += sep;
            rule += '"';
            rule += a;
            rule += '"';
            sep = ", ";
        }
        fail(std::string(path), rule);
    }

    static std::string join(std::string_view prefix, std::string_view key) {
        return prefix.empty() ? std::string(key) : std::string(prefix) + "." + std::string(key);
    }

    const EventLimits& limits() const { return limits_; }

 private:
    const EventLimits& limits_;
    std::vector<FieldError>& errors_;
};

std::string run_id_text(const json::object* pipeline, Checker& check) {
    if (pipeline == nullptr) return {};
    const json::value* v = pipeline->if_contains("run_id");
    if (v == nullptr || v->is_null()) return {};
    if (v->is_string()) {
        check.identifier(&v->get_string(), "pipeline", "run_id");
        return std::string(v->get_string());
    }
    if (v->is_int64()) return std::to_string(v->get_int64());
    if (v->is_uint64()) return std::to_string(v->get_uint64());
    check.fail("pipeline.run_id", "must be a string or an integer");
    return {};
}

}  // namespace

ParsedEvent parse_deploy_event(std::string_view body, const EventLimits& limits) {
    ParsedEvent result;
    auto& errors = result.errors;

    // The parsed tree lives only for this call: one arena (on the stack while it fits) instead of
    // an allocation per node, and nothing to free node by node.
    unsigned char arena[4096];
    json::monotonic_resource resource(arena, sizeof arena);
    boost::system::error_code ec;
    json::value root = json::parse(body, ec, &resource);
    if (ec) {
        errors.push_back({"", "body is not valid JSON: " + ec.message()});
        return result;
    }
    if (!root.is_object()) {
        errors.push_back({"", "body must be a JSON object"});
        return result;
    }
    json::object& obj = root.get_object();
    Checker check(limits, errors);
    const size_t field_max = limits.max_field_chars;

    DeployEvent event;
    if (const auto* id = check.identifier(check.required_string(obj, "", "id", limits.max_id_chars), "", "id")) {
        // "." and ".." cannot be looked up by path (/api/v1/events/{id}): refuse them here.
        if (*id == "." || *id == "..") check.fail("id", "must not be \".\" or \"..\"");
        event.id = std::string(*id);
    }
    if (const auto* s = check.identifier(check.required_string(obj, "", "service", field_max), "", "service"))
        event.service = std::string(*s);
    if (const auto* s = check.identifier(check.required_string(obj, "", "environment", field_max), "", "environment"))
        event.environment = std::string(*s);

    std::optional<DeployStatus> status;
    if (const auto* s = check.required_string(obj, "", "status", 32)) {
        status = parse_deploy_status(*s);
        if (!status) check.one_of(s, "status", {"started", "succeeded", "failed", "cancelled"});
    }
    const bool failed = status == DeployStatus::failed;
    const bool succeeded = status == DeployStatus::succeeded;

    const json::string* version = succeeded
                                      ? check.required_string(obj, "", "version", field_max, "status is \"succeeded\"")
                                      : check.string_at(obj, "", "version", field_max);
    if (check.identifier(version, "", "version") != nullptr) event.version = std::string(*version);

    const json::object* commit = check.object_at(obj, "commit");
    if (failed && commit == nullptr && !obj.contains("commit")) {
        check.fail("commit.sha", "required when status is \"failed\"");
    } else if (commit != nullptr) {
        check.identifier(failed ? check.required_string(*commit, "commit", "sha", field_max, "status is \"failed\"")
                                : check.string_at(*commit, "commit", "sha", field_max),
                         "commit", "sha");
        check.string_at(*commit, "commit", "message", limits.max_text_chars);
        check.url(check.string_at(*commit, "commit", "url", field_max), "commit.url");
    }

    check.identifier(failed ? check.required_string(obj, "", "triggered_by", field_max, "status is \"failed\"")
                            : check.string_at(obj, "", "triggered_by", field_max),
                     "", "triggered_by");

    const json::object* pipeline = check.object_at(obj, "pipeline");
    if (failed && pipeline == nullptr && !obj.contains("pipeline")) {
        check.fail("pipeline.url", "required when status is \"failed\"");
    } else if (pipeline != nullptr) {
        const json::string* url =
            failed ? check.required_string(*pipeline, "pipeline", "url", field_max, "status is \"failed\"")
                   : check.string_at(*pipeline, "pipeline", "url", field_max);
        check.url(url, "pipeline.url");
        check.identifier(check.string_at(*pipeline, "pipeline", "name", field_max), "pipeline", "name");
    }
    const std::string run_id = run_id_text(pipeline, check);

    if (const json::object* rollback = check.object_at(obj, "rollback")) {
        const json::string* rollback_status = check.string_at(*rollback, "rollback", "status", 32);
        check.one_of(rollback_status, "rollback.status", {"not_attempted", "in_progress", "succeeded", "failed"});
        if (rollback_status != nullptr) event.rollback_status = std::string(*rollback_status);
        check.identifier(check.string_at(*rollback, "rollback", "to_version", field_max), "rollback", "to_version");
    }
    if (const json::object* failure = check.object_at(obj, "failure")) {
        check.identifier(check.string_at(*failure, "failure", "stage", field_max), "failure", "stage");
        check.string_at(*failure, "failure", "reason", limits.max_text_chars);
    }
    if (const auto* s = check.identifier(check.string_at(obj, "", "team", field_max), "", "team"))
        event.team = std::string(*s);
    check.timestamp(obj, "started_at");
    check.timestamp(obj, "finished_at");

    if (const json::object* labels = check.object_at(obj, "labels")) {
        if (labels->size() > limits.max_labels) {
            check.fail("labels", "must have at most " + std::to_string(limits.max_labels) + " entries");
        }
        for (const auto& [key, value] : *labels) {
            const std::string path = "labels." + std::string(key);
            if (key.empty() || utf8_chars(key) > limits.max_label_key_chars) {
                check.fail(path,
                           "label names must be 1 to " + std::to_string(limits.max_label_key_chars) + " characters");
            }
            if (has_control_chars(key)) check.fail(path, "label names must not contain control characters");
            if (!value.is_string()) {
                check.fail(path, "must be a string");
            } else if (has_control_chars(value.get_string())) {
                check.fail(path, "must not contain control characters");
            } else if (utf8_chars(value.get_string()) > limits.max_label_value_chars) {
                check.fail(path, "must be at most " + std::to_string(limits.max_label_value_chars) + " characters");
            } else {
                event.labels.emplace(std::string(key), std::string(value.get_string()));
            }
        }
    }

    if (const auto* s = check.identifier(check.string_at(obj, "", "deployment_id", field_max), "", "deployment_id");
        s != nullptr && !s->empty()) {
        event.deployment_id = std::string(*s);
    } else {
        event.deployment_id = event.service + "/" + event.environment + "/" + (run_id.empty() ? event.id : run_id);
    }

    if (!errors.empty()) return result;

    event.status = *status;
    for (auto [key, out] : {std::pair{"started_at", &event.started_at_ms}, {"finished_at", &event.finished_at_ms}}) {
        if (const auto* v = obj.if_contains(key); v != nullptr && v->is_string()) {
            *out = rfc3339_to_unix_ms(v->get_string()).value_or(0);
        }
    }
    obj["deployment_id"] = event.deployment_id;
    if (!run_id.empty()) obj["pipeline"].as_object()["run_id"] = run_id;
    event.json = json::serialize(obj);
    result.event = std::move(event);
    return result;
}

}  // namespace herald
