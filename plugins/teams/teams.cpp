// Microsoft Teams channel: a Power Automate Workflows webhook ("When a Teams webhook request is
// received") posting an Adaptive Card 1.4. Workflows answer 202 before the card is posted, so
// such deliveries are recorded as accepted, not confirmed. Legacy Office 365 connector URLs
// take the same envelope; for them `format: connector` reads the 200 body, where the connector
// reports its errors.
#include <herald/plugin_support.hpp>

#include <array>

namespace {

namespace json = boost::json;
namespace hs = herald::support;

constexpr size_t kTitleChars = 200;
constexpr size_t kFactChars = 500;
constexpr size_t kReasonChars = 2000;
constexpr size_t kCommitMessageChars = 400;
// Teams rejects messages over 28 KB; stay well below it.
constexpr size_t kMaxBodyBytes = 24 * 1024;
constexpr size_t kSummaryChars = 2000;
constexpr size_t kMaxActions = 6;

// Emphasis by outcome: the container's style and the headline's colour share one name in
// Adaptive Cards ("attention", "good", "accent"), except that neutral differs.
struct Emphasis {
    const char* container;
    const char* text;
};

Emphasis emphasis(hs::Kind kind) {
    switch (kind) {
        case hs::Kind::failed:
            return {"attention", "attention"};
        case hs::Kind::succeeded:
        case hs::Kind::recovered:
            return {"good", "good"};
        case hs::Kind::started:
            return {"accent", "accent"};
        case hs::Kind::cancelled:
        case hs::Kind::unknown:
            break;
    }
    return {"emphasis", "default"};
}

// Adaptive Card text is Markdown: a backslash before every character Markdown gives meaning to
// shows event text as written, so "[link](https://…)" or "**" in a field stays plain text.
std::string escape_markdown(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        if (std::string_view("\\`*_[](){}<>#+!|~").find(c) != std::string_view::npos) out += '\\';
        out += c;
    }
    return out;
}

json::object text_block(std::string_view text, bool wrap = true) {
    return {{"type", "TextBlock"}, {"text", escape_markdown(text)}, {"wrap", wrap}};
}

bool contains(std::string_view haystack, std::string_view needle) {
    return haystack.find(needle) != std::string_view::npos;
}

}  // namespace

class TeamsChannel {
 public:
    static constexpr const char* name = "teams";
    static constexpr const char* version = "1.0.0";
    static constexpr const char* description = "Microsoft Teams via a Workflows webhook (Adaptive Card 1.4)";
    static constexpr std::array settings{
        herald::setting("webhook_url", HERALD_SETTING_STRING, HERALD_SETTING_REQUIRED | HERALD_SETTING_SECRET, nullptr,
                        "Workflows webhook URL (or a legacy connector URL with format: connector)"),
        herald::setting("format", HERALD_SETTING_STRING, 0, "\"workflows\"",
                        "workflows (default) or connector (legacy Office 365 connector: 200 body '1' means posted)"),
    };
    // 3 retries at 2 s, 4 s, 8 s (+jitter): a persistently failing delivery is dead-lettered
    // within 30 s even when each attempt takes the transport timeout.
    static constexpr herald_delivery_defaults delivery_defaults =
        herald::delivery_defaults({.max_retries = 3,
                                   .initial_backoff_ms = 2000,
                                   .max_backoff_ms = 8000,
                                   .give_up_after_ms = 30000,
                                   .rate_per_second = 2.0,
                                   .burst = 4,
                                   .max_body_bytes = kMaxBodyBytes});

    TeamsChannel(std::string_view settings_json, herald::Host host) : host_(host) {
        const hs::Settings s(settings_json);
        webhook_url_ = s.required_string("webhook_url");
        hs::Settings::require_http_url("webhook_url", webhook_url_);
        const std::string format = s.string("format", "workflows");
        if (format != "workflows" && format != "connector") {
            throw herald::SettingsError("format: must be \"workflows\" or \"connector\"");
        }
        legacy_connector_ = format == "connector";
    }

    herald::Request render(const herald::Event& event) const {
        const hs::EventView e(event.json);
        const hs::Kind kind = hs::kind_of(e, event);

        const hs::CustomMessage custom(event.message_json);

        json::object card = build_card(e, event, kind, custom, kReasonChars);
        std::string body = json::serialize(envelope(std::move(card)));
        if (body.size() > kMaxBodyBytes) {
            // Only free text can make a card this large: shrink it and render again.
            body = json::serialize(envelope(build_card(e, event, kind, custom, 200)));
        }
        herald::Request request;
        request.url = webhook_url_;
        request.headers.emplace_back("Content-Type", "application/json");
        request.body = std::move(body);
        return request;
    }

    herald::Classification classify(const herald::Event&, const herald::Response& r) const {
        const int code = r.status_code;
        if (code == 429 || code == 408 || code >= 500) {
            return herald::Classification::retry("HTTP " + std::to_string(code), hs::retry_after_ms(r));
        }
        if (code < 200 || code >= 300) {
            const std::string excerpt = hs::body_excerpt(r.body, 200);
            return herald::Classification::rejected("HTTP " + std::to_string(code) +
                                                    (excerpt.empty() ? "" : ": " + excerpt));
        }
        // Connectors wrap the real outcome in a 200 body; match both throttling texts seen.
        if (contains(r.body, "HTTP error 429") || contains(r.body, "ApplicationThrottled")) {
            return herald::Classification::retry("Teams throttled the message: " + hs::body_excerpt(r.body, 150),
                                                 hs::retry_after_ms(r));
        }
        if (contains(r.body, "Webhook message delivery failed") || contains(r.body, "returned HTTP error")) {
            const bool client_error = contains(r.body, "HTTP error 4");
            const std::string reason = "Teams could not post the message: " + hs::body_excerpt(r.body, 200);
            return client_error ? herald::Classification::rejected(reason) : herald::Classification::retry(reason);
        }
        if (legacy_connector_) {
            if (r.body == "1") return herald::Classification::delivered();
            return herald::Classification::retry("unexpected connector answer: " + hs::body_excerpt(r.body, 100));
        }
        return herald::Classification::accepted("Workflows accepted the request; the card is posted asynchronously");
    }

 private:
    static json::object envelope(json::object card) {
        return {{"type", "message"},
                {"attachments", json::array{{{"contentType", "application/vnd.microsoft.card.adaptive"},
                                             {"contentUrl", nullptr},
                                             {"content", std::move(card)}}}}};
    }

    // Mentions as Teams wants them: "<at>Name</at>" in the text plus an entity per mention.
    // Names and ids were validated by the host (no markup characters), so they go in as they are.
    static std::pair<std::string, json::array> mentions_of(const hs::CustomMessage& custom) {
        std::string text;
        json::array entities;
        for (const auto& m : custom.mentions) {
            if (m.kind != "user" && m.kind != "tag") {
                throw std::runtime_error("mention kind '" + m.kind + "' is not a Teams mention (user, tag)");
            }
            if (m.name.empty()) throw std::runtime_error("a Teams mention needs a name (mention of '" + m.id + "')");
            const std::string at = "<at>" + m.name + "</at>";
            json::object mentioned{{"id", m.id}, {"name", m.name}};
            if (m.kind == "tag") mentioned["type"] = "tag";
            entities.push_back({{"type", "mention"}, {"text", at}, {"mentioned", std::move(mentioned)}});
            text += (text.empty() ? "" : " ") + at;
        }
        return {std::move(text), std::move(entities)};
    }

    json::object build_card(const hs::EventView& e, const herald::Event& event, hs::Kind kind,
                            const hs::CustomMessage& custom, size_t reason_chars) const {
        const std::string headline = custom.title.empty() ? hs::headline(e, kind) : custom.title;
        auto [mention_text, entities] = mentions_of(custom);
        json::array header_items;
        header_items.push_back({{"type", "TextBlock"},
                                {"text", escape_markdown(hs::truncate(headline, kTitleChars))},
                                {"size", "Large"},
                                {"weight", "Bolder"},
                                {"color", emphasis(kind).text},
                                {"wrap", true}});
        if (!mention_text.empty()) {
            header_items.push_back({{"type", "TextBlock"}, {"text", mention_text}, {"wrap", true}});
        }
        if (!custom.summary.empty()) header_items.push_back(text_block(hs::truncate(custom.summary, kSummaryChars)));
        if (const std::string rollback = hs::rollback_summary(e); kind == hs::Kind::failed && !rollback.empty()) {
            json::object block = text_block(rollback);
            block["weight"] = "Bolder";
            header_items.push_back(std::move(block));
        }
        if (const std::string recovery = hs::recovery_summary(event, host_.now_unix_ms()); !recovery.empty()) {
            header_items.push_back(text_block(recovery));
        }
        if (const std::string unrouted = hs::unrouted_note(e, event); !unrouted.empty()) {
            json::object block = text_block(unrouted);
            block["isSubtle"] = true;
            header_items.push_back(std::move(block));
        }

        json::array facts;
        auto fact = [&](std::string_view title, std::string_view value) {
            if (!value.empty())
                facts.push_back({{"title", title}, {"value", escape_markdown(hs::truncate(value, kFactChars))}});
        };
        auto standard = [&](std::string_view field_name, std::string_view title, std::string_view value) {
            if (custom.shows(field_name)) fact(title, value);
        };
        standard("service", "Service", e.service());
        standard("environment", "Environment", e.environment());
        standard("version", "Version", e.get("version"));
        standard("commit", "Commit", hs::short_sha(e.get("commit.sha")));
        standard("triggered_by", "Triggered by", e.get("triggered_by"));
        standard("failure", "Failed stage", e.get("failure.stage"));
        standard("pipeline", "Pipeline", e.get("pipeline.name"));
        standard("duration", "Duration", hs::deploy_duration(e));
        fact("Labels", custom.labels_of(e));
        for (const auto& f : custom.fields) fact(hs::truncate(f.name, kFactChars), f.value);

        json::array body;
        body.push_back({{"type", "Container"},
                        {"style", emphasis(kind).container},
                        {"bleed", true},
                        {"items", std::move(header_items)}});
        body.push_back({{"type", "FactSet"}, {"facts", std::move(facts)}});
        if (const auto reason = e.get("failure.reason"); !reason.empty() && custom.shows("failure")) {
            json::object block = text_block(hs::truncate(reason, reason_chars));
            block["fontType"] = "Monospace";
            body.push_back(std::move(block));
        }
        if (const auto msg = e.get("commit.message"); !msg.empty() && custom.shows("commit_message")) {
            json::object block = text_block(hs::truncate(msg, std::min(kCommitMessageChars, reason_chars)));
            block["isSubtle"] = true;
            body.push_back(std::move(block));
        }

        json::array actions;
        auto action = [&](std::string_view title, std::string_view url) {
            if (!url.empty() && actions.size() < kMaxActions) {
                actions.push_back({{"type", "Action.OpenUrl"}, {"title", hs::truncate(title, 75)}, {"url", url}});
            }
        };
        if (custom.shows("pipeline")) action("View pipeline log", e.get("pipeline.url"));
        if (custom.shows("commit")) action("View commit", e.get("commit.url"));
        for (const auto& link : custom.links) action(link.text, link.url);

        json::object card{{"$schema", "http://adaptivecards.io/schemas/adaptive-card.json"},
                          {"type", "AdaptiveCard"},
                          {"version", "1.4"},
                          {"body", std::move(body)}};
        if (!actions.empty()) card["actions"] = std::move(actions);
        if (!entities.empty()) card["msteams"] = {{"entities", std::move(entities)}};
        return card;
    }

    herald::Host host_;
    std::string webhook_url_;
    bool legacy_connector_ = false;
};

HERALD_PLUGIN(TeamsChannel)
