#include "message/message_renderer.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>

#include "common/glob.hpp"
#include "common/utf8_prefix.hpp"

namespace herald {
namespace json = boost::json;

namespace {

// Cuts at a character boundary, marking the cut.
std::string cut(std::string text, size_t max_bytes) {
    if (text.size() <= max_bytes) return text;
    return std::string(utf8_prefix(text, max_bytes)) + "…";
}

bool blank(std::string_view text) { return text.find_first_not_of(" \t\r\n") == std::string_view::npos; }

std::string checked_url(std::string url) {
    const auto first = url.find_first_not_of(" \t\r\n");
    const auto last = url.find_last_not_of(" \t\r\n");
    url = first == std::string::npos ? std::string{} : url.substr(first, last - first + 1);
    const auto parsed = boost::urls::parse_absolute_uri(url);
    if (!parsed || (parsed->scheme() != "https" && parsed->scheme() != "http") || parsed->host().empty() ||
        url.size() > kMaxUrlChars || url.find_first_of("<>|\"' ") != std::string::npos) {
        throw TemplateError("a link renders to '" + cut(url, 80) + "', which is not an http(s) URL");
    }
    return url;
}

std::string text_at(const json::object& event, std::string_view key) {
    const auto* v = event.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string{};
}

bool rule_matches(const MentionRule& rule, const json::object& event) {
    const std::string status = text_at(event, "status");
    const std::string environment = text_at(event, "environment");
    if (!rule.statuses.empty() && std::find(rule.statuses.begin(), rule.statuses.end(), status) == rule.statuses.end())
        return false;
    if (rule.environments.empty()) return true;
    return std::any_of(rule.environments.begin(), rule.environments.end(),
                       [&](const std::string& glob) { return glob_match(glob, environment); });
}

json::array strings(const std::vector<std::string>& items) {
    json::array out;
    for (const auto& item : items) out.push_back(json::string(item));
    return out;
}

}  // namespace

std::string render_message(const MessageSpec& spec, const json::object& event, const TemplateExtras& extras) {
    const json::object data = template_data(event, extras);
    json::object message;
    if (!spec.title_template.empty()) {
        std::string title = render_template(spec.title_template, TemplateUse::text, data);
        if (blank(title)) throw TemplateError("the title renders empty for this event");
        message["title"] = cut(std::move(title), kMaxTitleChars);
    }
    if (!spec.summary_template.empty()) {
        if (std::string summary = render_template(spec.summary_template, TemplateUse::text, data); !blank(summary)) {
            message["summary"] = cut(std::move(summary), kMaxSummaryChars);
        }
    }
    json::array fields;
    for (const auto& field : spec.fields) {
        std::string value = render_template(field.value_template, TemplateUse::text, data);
        if (blank(value)) continue;  // an optional value this event lacks
        fields.push_back(json::object{{"name", field.name}, {"value", cut(std::move(value), kMaxFieldValueChars)}});
    }
    if (!fields.empty()) message["fields"] = std::move(fields);
    json::array links;
    for (const auto& link : spec.links) {
        std::string text = render_template(link.text_template, TemplateUse::text, data);
        links.push_back(
            json::object{{"text", cut(blank(text) ? std::string("Link") : std::move(text), kMaxLinkTextChars)},
                         {"url", checked_url(render_template(link.url_template, TemplateUse::url, data))}});
    }
    if (!links.empty()) message["links"] = std::move(links);
    if (spec.show_given) message["show"] = strings(spec.show);
    if (spec.labels_given) message["labels"] = strings(spec.labels);
    json::array mentions;
    std::vector<std::string> seen;
    for (const auto& rule : spec.mentions) {
        if (!rule_matches(rule, event)) continue;
        for (const auto& m : rule.mentions) {
            const std::string key = m.kind + ":" + m.id;
            if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
            seen.push_back(key);
            mentions.push_back(json::object{{"kind", m.kind}, {"id", m.id}, {"name", m.name}});
        }
    }
    if (!mentions.empty()) message["mentions"] = std::move(mentions);
    return json::serialize(message);
}

const std::vector<SampleEvent>& sample_events() {
    static const std::vector<SampleEvent> samples = [] {
        auto parse = [](std::string_view text) { return json::parse(text).as_object(); };
        return std::vector<SampleEvent>{
            {"a failed production deploy with every field",
             parse(R"({"id":"sample-failed","service":"payments-api","environment":"production",
                "status":"failed","version":"2.14.1","team":"payments","deployment_id":"payments-api/production/812",
                "commit":{"sha":"9f2c4e1a7b3d5f60812ab4c9e0d1f2a3b4c5d6e7","message":"Retry card captures",
                "url":"https://git.example.com/payments/api/commit/9f2c4e1"},"triggered_by":"alice",
                "pipeline":{"url":"https://ci.example.com/payments/api/runs/812","name":"deploy","run_id":"812"},
                "failure":{"stage":"migrate","reason":"migration 0042 timed out"},
                "rollback":{"status":"succeeded","to_version":"2.14.0"},
                "started_at":"2026-03-02T10:00:00Z","finished_at":"2026-03-02T10:04:12Z",
                "labels":{"region":"eu-west-1","cluster":"prod-a"}})")},
            {"a succeeded deploy", parse(R"({"id":"sample-succeeded","service":"payments-api","environment":"staging",
                "status":"succeeded","version":"2.14.2","commit":{"sha":"1a2b3c4d5e6f708192a3b4c5d6e7f80912345678"},
                "triggered_by":"bob","pipeline":{"url":"https://ci.example.com/payments/api/runs/813"}})")},
            {"a started deploy with only the required fields",
             parse(
                 R"({"id":"sample-started","service":"payments-api","environment":"production","status":"started"})")},
            {"a cancelled deploy", parse(R"({"id":"sample-cancelled","service":"search","environment":"dev",
                "status":"cancelled","version":"0.3.0","labels":{"region":"us-east-1"}})")},
        };
    }();
    return samples;
}

}  // namespace herald
