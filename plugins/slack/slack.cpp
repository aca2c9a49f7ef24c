// Slack channel: incoming webhooks (default) or the Web API with a bot token. Renders Block Kit
// within Slack's documented limits, shaped by the channel's message customisation; classifies
// Slack's answers, including the Web API's HTTP 200 {"ok": false} errors. In bot mode a
// deployment has one message: its first event posts it, later ones update it in place
// (chat.update with the stored ts), and a failure adds a thread reply that notifies.
#include <herald/plugin_support.hpp>

#include <algorithm>
#include <array>
#include <set>

namespace {

namespace json = boost::json;
namespace hs = herald::support;

// Block Kit limits (docs.slack.dev block reference) and a total budget well below the
// undocumented ~13k-character msg_blocks_too_long threshold.
constexpr size_t kHeaderChars = 150;
constexpr size_t kFieldChars = 2000;
constexpr size_t kFieldValueChars = 300;  // facts are short; keeps the whole message near 4k characters
constexpr size_t kSectionChars = 3000;
constexpr size_t kButtonTextChars = 75;
constexpr size_t kUrlChars = 3000;
constexpr size_t kReasonChars = 1500;
constexpr size_t kCommitMessageChars = 300;
constexpr size_t kFallbackTextChars = 500;
constexpr size_t kMaxFields = 10;
constexpr size_t kMaxButtons = 5;

// Web API errors worth another try; every other `error` is permanent.
const std::set<std::string, std::less<>> kTransientApiErrors = {"ratelimited", "rate_limited",   "service_unavailable",
                                                                "fatal_error", "internal_error", "request_timeout"};

std::string emoji(hs::Kind kind) {
    switch (kind) {
        case hs::Kind::failed:
            return ":red_circle:";
        case hs::Kind::succeeded:
            return ":white_check_mark:";
        case hs::Kind::recovered:
            return ":large_green_circle:";
        case hs::Kind::started:
            return ":arrow_forward:";
        case hs::Kind::cancelled:
            return ":white_circle:";
        case hs::Kind::unknown:
            break;
    }
    return ":grey_question:";
}

// Event text in mrkdwn: &, < and > are Slack's control characters (mentions, links), so they
// become entities. Slack has no escape for *, _, ~ and `; a zero-width space before one that
// could open formatting (at the start or after a space or punctuation) keeps it literal, while
// an underscore inside a word (payments_api) is left alone.
// Appends `c` as mrkdwn text: &, < and > as entities. Returns whether it was one of those.
bool append_entity(std::string& out, char c) {
    const char* entity = c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ? "&gt;" : nullptr;
    if (entity == nullptr) return false;
    out += entity;
    return true;
}

std::string escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    char before = ' ';
    for (char c : text) {
        const bool opening_position = before == ' ' || before == '\n' || before == '\t' ||
                                      std::string_view("([{\"'.,:;!?*_~`-").find(before) != std::string_view::npos;
        if (!append_entity(out, c)) {
            if (opening_position && std::string_view("*_~`").find(c) != std::string_view::npos) out += "\u200b";
            out += c;
        }
        before = c;
    }
    return out;
}

// verbatim: Slack does not turn bare URLs or #channel names in event text into links.
json::object mrkdwn(std::string text) { return {{"type", "mrkdwn"}, {"text", std::move(text)}, {"verbatim", true}}; }

// Text for inside a ``` block: Slack has no escape for backticks, so a zero-width space after
// each one keeps the text from closing the block (and reads the same).
std::string code_block_text(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (append_entity(out, c)) continue;
        out += c;
        if (c == '`') out += "\u200b";
    }
    return out;
}

}  // namespace

class SlackChannel {
 public:
    static constexpr const char* name = "slack";
    static constexpr const char* version = "1.0.0";
    static constexpr const char* description = "Slack incoming webhooks or chat.postMessage with a bot token";
    static constexpr std::array settings{
        herald::setting("webhook_url", HERALD_SETTING_STRING, HERALD_SETTING_SECRET, nullptr,
                        "Incoming webhook URL (webhook mode)"),
        herald::setting("bot_token", HERALD_SETTING_STRING, HERALD_SETTING_SECRET, nullptr,
                        "Bot token with chat:write (bot mode; one token serves many channels)"),
        herald::setting("channel", HERALD_SETTING_STRING, 0, nullptr,
                        "Channel id: required in bot mode; in webhook mode the channel the URL posts into, "
                        "so URLs sharing a channel share its rate limit"),
        herald::setting("api_url", HERALD_SETTING_STRING, 0, "\"https://slack.com/api\"",
                        "Slack Web API base URL (bot mode)"),
        herald::setting("mention", HERALD_SETTING_STRING, 0, nullptr,
                        "Mention added to failure messages, e.g. <!subteam^S012345> or <!here>"),
    };
    static constexpr herald_delivery_defaults delivery_defaults = herald::delivery_defaults({.max_retries = 5,
                                                                                             .initial_backoff_ms = 1000,
                                                                                             .max_backoff_ms = 60000,
                                                                                             .give_up_after_ms = 0,
                                                                                             .rate_per_second = 1.0,
                                                                                             .burst = 1,
                                                                                             .max_body_bytes = 40000});

    SlackChannel(std::string_view settings_json, herald::Host host) : host_(host) {
        const hs::Settings s(settings_json);
        webhook_url_ = s.string("webhook_url");
        bot_token_ = s.string("bot_token");
        channel_ = s.string("channel");
        api_url_ = s.string("api_url", "https://slack.com/api");
        mention_ = s.string("mention");
        if (webhook_url_.empty() == bot_token_.empty()) {
            throw herald::SettingsError("give exactly one of webhook_url (webhook mode) or bot_token (bot mode)");
        }
        if (bot_mode()) {
            if (channel_.empty()) throw herald::SettingsError("channel: required with bot_token");
            hs::Settings::require_http_url("api_url", api_url_);
            while (!api_url_.empty() && api_url_.back() == '/') api_url_.pop_back();
        } else {
            hs::Settings::require_http_url("webhook_url", webhook_url_);
        }
    }

    herald::Request render(const herald::Event& event) const {
        const hs::EventView e(event.json);
        const hs::Kind kind = hs::kind_of(e, event);
        const hs::CustomMessage custom(event.message_json);
        const std::string mentions = mention_markup(custom, kind);

        herald::Request request;
        request.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
        if (!bot_mode()) {
            request.url = webhook_url_;
            if (!channel_.empty()) request.rate_limit_key = "slack:" + channel_;
            request.body = json::serialize(build_message(e, event, kind, custom, mentions));
            return request;
        }
        request.headers.emplace_back("Authorization", "Bearer " + bot_token_);
        request.rate_limit_key = "slack:" + channel_;
        json::object message;
        if (event.step >= 2) {
            // After a failure updated the deployment's message in place: a thread reply, which
            // notifies (an edited message does not) and carries the reason.
            request.url = api_url_ + "/chat.postMessage";
            message = failure_reply(e, kind, mentions);
            message["thread_ts"] = event.previous_receipt;
        } else if (!event.previous_receipt.empty()) {
            // One message per deployment: later events of the same deployment update it.
            request.url = api_url_ + "/chat.update";
            message = build_message(e, event, kind, custom, {});
            message["ts"] = event.previous_receipt;
            request.follow_up = kind == hs::Kind::failed;
        } else {
            request.url = api_url_ + "/chat.postMessage";
            message = build_message(e, event, kind, custom, mentions);
        }
        message["channel"] = channel_;
        request.body = json::serialize(message);
        return request;
    }

    herald::Classification classify(const herald::Event&, const herald::Response& r) const {
        if (r.status_code == 429) return herald::Classification::retry("rate limited (429)", hs::retry_after_ms(r));
        if (r.status_code >= 500 || r.status_code == 408) {
            return herald::Classification::retry(
                "HTTP " + std::to_string(r.status_code) + ": " + hs::body_excerpt(r.body, 100), hs::retry_after_ms(r));
        }
        if (r.status_code != 200) {
            std::string reason = hs::body_excerpt(r.body, 200);
            return herald::Classification::rejected("HTTP " + std::to_string(r.status_code) +
                                                    (reason.empty() ? "" : ": " + reason));
        }
        if (!bot_mode()) return herald::Classification::delivered();

        boost::system::error_code ec;
        const json::value body = json::parse(r.body, ec);
        if (ec || !body.is_object()) return herald::Classification::retry("unexpected non-JSON answer from Slack");
        const json::object& obj = body.get_object();
        if (const auto* ok = obj.if_contains("ok"); ok != nullptr && ok->is_bool() && ok->get_bool()) {
            // The deployment's message: a thread reply answers with its parent's thread_ts.
            const auto* ts = obj.if_contains("ts");
            if (const auto* m = obj.if_contains("message"); m != nullptr && m->is_object()) {
                if (const auto* parent = m->get_object().if_contains("thread_ts");
                    parent != nullptr && parent->is_string()) {
                    ts = parent;
                }
            }
            return herald::Classification::delivered(ts != nullptr && ts->is_string() ? std::string(ts->get_string())
                                                                                      : std::string{});
        }
        const auto* err = obj.if_contains("error");
        const std::string error = err != nullptr && err->is_string() ? std::string(err->get_string()) : "unknown_error";
        if (kTransientApiErrors.count(error) != 0) return herald::Classification::retry(error, hs::retry_after_ms(r));
        return herald::Classification::rejected(error);
    }

 private:
    bool bot_mode() const { return !bot_token_.empty(); }

    // Mentions for this event: the channel's message mentions plus the `mention` setting for
    // failures. Built from validated ids, so event text never reaches them.
    std::string mention_markup(const hs::CustomMessage& custom, hs::Kind kind) const {
        std::string out;
        if (kind == hs::Kind::failed && !mention_.empty()) out = mention_;
        for (const auto& m : custom.mentions) {
            std::string markup;
            if (m.kind == "user") {
                markup = "<@" + m.id + ">";
            } else if (m.kind == "group") {
                markup = "<!subteam^" + m.id + ">";
            } else if (m.kind == "here" || m.kind == "channel") {
                markup = "<!" + m.kind + ">";
            } else {
                throw std::runtime_error("mention kind '" + m.kind +
                                         "' is not a Slack mention (user, group, here, channel)");
            }
            out += (out.empty() ? "" : " ") + markup;
        }
        return out;
    }

    json::object failure_reply(const hs::EventView& e, hs::Kind kind, const std::string& mentions) const {
        std::string text = emoji(kind) + " *" + escape(hs::headline(e, kind)) + "*";
        if (!mentions.empty()) text = mentions + " " + text;
        if (const auto stage = e.get("failure.stage"); !stage.empty()) {
            text += "\nFailed at " + escape(hs::truncate(stage, kFieldValueChars));
        }
        if (const std::string rollback = hs::rollback_summary(e); !rollback.empty()) text += "\n" + escape(rollback);
        json::array blocks{json::object{{"type", "section"}, {"text", mrkdwn(hs::truncate(text, kSectionChars))}}};
        if (const auto reason = e.get("failure.reason"); !reason.empty()) {
            blocks.push_back(
                {{"type", "section"},
                 {"text", mrkdwn("*Reason*\n```" + code_block_text(hs::truncate(reason, kReasonChars)) + "```")}});
        }
        if (const auto url = e.get("pipeline.url"); !url.empty() && url.size() <= kUrlChars) {
            blocks.push_back(
                {{"type", "actions"},
                 {"elements", json::array{{{"type", "button"},
                                           {"text", {{"type", "plain_text"}, {"text", "View pipeline log"}}},
                                           {"url", url},
                                           {"style", "danger"}}}}});
        }
        return {{"text", escape(hs::truncate(hs::headline(e, kind), kFallbackTextChars))},
                {"blocks", std::move(blocks)}};
    }

    json::object build_message(const hs::EventView& e, const herald::Event& event, hs::Kind kind,
                               const hs::CustomMessage& custom, const std::string& mentions) const {
        const std::string headline = custom.title.empty() ? hs::headline(e, kind) : custom.title;
        json::array blocks;
        blocks.push_back(
            {{"type", "header"},
             {"text", {{"type", "plain_text"}, {"text", hs::truncate(headline, kHeaderChars)}, {"emoji", true}}}});

        std::string lead = emoji(kind) + " *" + escape(headline) + "*";
        if (!mentions.empty()) lead = mentions + " " + lead;
        if (!custom.summary.empty()) lead += "\n" + escape(custom.summary);
        if (const std::string rollback = hs::rollback_summary(e); kind == hs::Kind::failed && !rollback.empty()) {
            lead += "\n*" + escape(rollback) + "*";
        }
        if (const std::string recovery = hs::recovery_summary(event, host_.now_unix_ms()); !recovery.empty()) {
            lead += "\n" + escape(recovery);
        }
        if (const std::string unrouted = hs::unrouted_note(e, event); !unrouted.empty()) {
            lead += "\n_" + escape(unrouted) + "_";
        }
        blocks.push_back({{"type", "section"}, {"text", mrkdwn(hs::truncate(lead, kSectionChars))}});

        json::array fields;
        // `value` is plain text; `markup` is already Slack mrkdwn (a link) and is not escaped.
        auto field = [&](std::string_view label, std::string_view value, std::string markup = {}) {
            if ((value.empty() && markup.empty()) || fields.size() >= kMaxFields) return;
            const std::string shown =
                markup.empty() ? escape(hs::truncate(value, std::min(kFieldValueChars, kFieldChars - label.size() - 8)))
                               : markup;
            fields.push_back(mrkdwn("*" + escape(label) + "*\n" + shown));
        };
        auto standard = [&](std::string_view field_name, std::string_view label, std::string_view value) {
            if (custom.shows(field_name)) field(label, value);
        };
        standard("service", "Service", e.service());
        standard("environment", "Environment", e.environment());
        standard("version", "Version", e.get("version"));
        const std::string sha = hs::short_sha(e.get("commit.sha"));
        const auto commit_url = e.get("commit.url");
        const bool commit_link = !sha.empty() && !commit_url.empty() && commit_url.size() <= kUrlChars &&
                                 commit_url.find_first_of("<>|") == std::string_view::npos;
        if (custom.shows("commit")) {
            field("Commit", commit_link ? std::string_view{} : std::string_view(sha),
                  commit_link ? "<" + std::string(commit_url) + "|" + escape(sha) + ">" : std::string{});
        }
        standard("triggered_by", "Triggered by", e.get("triggered_by"));
        standard("failure", "Failed stage", e.get("failure.stage"));
        standard("rollback", "Rollback", kind == hs::Kind::failed ? std::string_view{} : e.get("rollback.status"));
        standard("pipeline", "Pipeline", e.get("pipeline.name"));
        standard("duration", "Duration", hs::deploy_duration(e));
        field("Labels", custom.labels_of(e));
        for (const auto& f : custom.fields) field(f.name, f.value);
        if (!fields.empty()) blocks.push_back({{"type", "section"}, {"fields", std::move(fields)}});

        if (const auto reason = e.get("failure.reason"); !reason.empty() && custom.shows("failure")) {
            blocks.push_back(
                {{"type", "section"},
                 {"text", mrkdwn("*Reason*\n```" + code_block_text(hs::truncate(reason, kReasonChars)) + "```")}});
        }
        if (const auto msg = e.get("commit.message"); !msg.empty() && custom.shows("commit_message")) {
            blocks.push_back({{"type", "context"},
                              {"elements", json::array{mrkdwn(escape(hs::truncate(msg, kCommitMessageChars)))}}});
        }
        json::array buttons;
        auto button = [&](std::string_view text, std::string_view url, bool danger) {
            if (url.empty() || url.size() > kUrlChars || buttons.size() >= kMaxButtons) return;
            json::object b{{"type", "button"},
                           {"text", {{"type", "plain_text"}, {"text", hs::truncate(text, kButtonTextChars)}}},
                           {"url", url}};
            if (danger) b["style"] = "danger";
            buttons.push_back(std::move(b));
        };
        if (custom.shows("pipeline")) button("View pipeline log", e.get("pipeline.url"), kind == hs::Kind::failed);
        for (const auto& link : custom.links) button(link.text, link.url, false);
        if (!buttons.empty()) blocks.push_back({{"type", "actions"}, {"elements", std::move(buttons)}});

        std::string text = headline;
        if (const std::string rollback = hs::rollback_summary(e); kind == hs::Kind::failed && !rollback.empty()) {
            text += " (" + rollback + ")";
        }
        return {{"text", escape(hs::truncate(text, kFallbackTextChars))}, {"blocks", std::move(blocks)}};
    }

    herald::Host host_;
    std::string webhook_url_;
    std::string bot_token_;
    std::string channel_;
    std::string api_url_;
    std::string mention_;
};

HERALD_PLUGIN(SlackChannel)
