#include "message/message_template.hpp"

#include <boost/json/serialize.hpp>
#include <kainjow/mustache.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "common/utf8_prefix.hpp"
#include "event/rfc3339.hpp"

namespace herald {
namespace json = boost::json;
namespace mustache = kainjow::mustache;

namespace {

mustache::data to_data(const json::value& value) {
    switch (value.kind()) {
        case json::kind::object: {
            mustache::data out(mustache::data::type::object);
            for (const auto& [key, member] : value.get_object()) out.set(std::string(key), to_data(member));
            return out;
        }
        case json::kind::array: {
            mustache::data out(mustache::data::type::list);
            for (const auto& item : value.get_array()) out.push_back(to_data(item));
            return out;
        }
        case json::kind::string:
            return mustache::data(std::string(value.get_string()));
        case json::kind::bool_:
            return mustache::data(value.get_bool());
        case json::kind::null:
            return mustache::data(false);
        default:
            return mustache::data(json::serialize(value));
    }
}

// Values are inserted as they are: the plugin escapes the whole text for its format.
std::string as_is(const std::string& text) { return text; }

std::string percent_encode(const std::string& text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (const unsigned char c : text) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
            c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0xF];
        }
    }
    return out;
}

// A template that is exactly one variable tag, e.g. "{{ pipeline.url }}".
bool lone_variable(std::string_view source) {
    const auto first = source.find_first_not_of(" \t");
    const auto last = source.find_last_not_of(" \t");
    if (first == std::string_view::npos) return false;
    const std::string_view core = source.substr(first, last - first + 1);
    if (core.size() < 5 || core.substr(0, 2) != "{{" || core.substr(core.size() - 2) != "}}") return false;
    const std::string_view inner = core.substr(2, core.size() - 4);
    return std::all_of(inner.begin(), inner.end(), [](char c) {
        return c == ' ' || c == '.' || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               (c >= '0' && c <= '9');
    });
}

// Tags that would bypass escaping, pull in other templates or change the delimiters; and
// templates too long to be a message part.
std::string refused_tag(std::string_view source) {
    if (source.size() > kMaxTemplateBytes) {
        return "a template is at most " + std::to_string(kMaxTemplateBytes) + " bytes";
    }
    if (source.find("{{{") != std::string_view::npos || source.find("{{&") != std::string_view::npos) {
        return "unescaped tags ({{{…}}}, {{&…}}) are not allowed: Herald escapes every value for the channel";
    }
    if (source.find("{{>") != std::string_view::npos) return "partials ({{>…}}) are not supported";
    if (source.find("{{=") != std::string_view::npos) return "changing the delimiters ({{=…=}}) is not supported";
    return {};
}

// Records the names a render looked up and could not find.
class RecordingContext : public mustache::context<std::string> {
 public:
    explicit RecordingContext(const mustache::data* data, std::set<std::string>& missing)
        : mustache::context<std::string>(data), missing_(missing) {}
    const mustache::data* get(const std::string& name) const override {
        const mustache::data* found = mustache::context<std::string>::get(name);
        if (found == nullptr && name != ".") missing_.insert(name);
        return found;
    }

 private:
    std::set<std::string>& missing_;
};

std::string duration_text(const json::object& event) {
    const auto* started = event.if_contains("started_at");
    const auto* finished = event.if_contains("finished_at");
    if (started == nullptr || finished == nullptr || !started->is_string() || !finished->is_string()) return {};
    const auto from = rfc3339_to_unix_ms(started->get_string());
    const auto to = rfc3339_to_unix_ms(finished->get_string());
    if (!from || !to || *to < *from) return {};
    const int64_t seconds = (*to - *from) / 1000;
    std::string out;
    if (seconds >= 3600) out += std::to_string(seconds / 3600) + "h ";
    if (seconds >= 60) out += std::to_string(seconds / 60 % 60) + "m ";
    out += std::to_string(seconds % 60) + "s";
    return out;
}

}  // namespace

TemplateCheck check_template(std::string_view source, const std::vector<json::object>& samples) {
    TemplateCheck check;
    if (check.error = refused_tag(source); !check.error.empty()) return check;
    mustache::mustache tmpl{std::string(source)};
    if (!tmpl.is_valid()) {
        check.error = tmpl.error_message();
        return check;
    }
    tmpl.set_custom_escape(as_is);
    std::map<std::string, size_t> misses;
    for (const auto& sample : samples) {
        std::set<std::string> missing;
        const mustache::data data = to_data(sample);
        RecordingContext ctx(&data, missing);
        std::ostringstream sink;
        tmpl.render(ctx, sink);
        for (const auto& name : missing) ++misses[name];
    }
    for (const auto& [name, count] : misses) {
        if (count == samples.size() && name.rfind("labels.", 0) != 0) check.unknown_names.push_back(name);
    }
    return check;
}

std::string render_template(std::string_view source, TemplateUse use, const json::object& data) {
    if (const std::string refused = refused_tag(source); !refused.empty()) throw TemplateError(refused);
    mustache::mustache tmpl{std::string(source)};
    if (!tmpl.is_valid()) throw TemplateError(tmpl.error_message());
    tmpl.set_custom_escape(use == TemplateUse::url && !lone_variable(source) ? percent_encode : as_is);
    return tmpl.render(to_data(data));
}

json::object template_data(const json::object& event, const TemplateExtras& extras) {
    json::object data = event;
    std::string sha;
    if (const auto* commit = event.if_contains("commit"); commit != nullptr && commit->is_object()) {
        if (const auto* s = commit->get_object().if_contains("sha"); s != nullptr && s->is_string()) {
            sha = std::string(utf8_prefix(s->get_string(), 7));
        }
    }
    data["herald"] = json::object{{"team", extras.team},
                                  {"channel", extras.channel},
                                  {"short_sha", sha},
                                  {"duration", duration_text(event)},
                                  {"is_recovery", extras.is_recovery},
                                  {"failures_before", std::to_string(extras.failures_before)}};
    return data;
}

std::vector<std::string> known_template_names() {
    return {"id",
            "service",
            "environment",
            "status",
            "version",
            "team",
            "deployment_id",
            "commit.sha",
            "commit.message",
            "commit.url",
            "triggered_by",
            "pipeline.url",
            "pipeline.name",
            "pipeline.run_id",
            "failure.stage",
            "failure.reason",
            "rollback.status",
            "rollback.to_version",
            "started_at",
            "finished_at",
            "labels",
            "herald.team",
            "herald.channel",
            "herald.short_sha",
            "herald.duration",
            "herald.is_recovery",
            "herald.failures_before"};
}

}  // namespace herald
