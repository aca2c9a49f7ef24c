#include "fake_channels.hpp"

#include <boost/asio/steady_timer.hpp>
#include <chrono>

namespace herald::fake {
namespace json = boost::json;

namespace {

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

size_t chars(std::string_view s) {
    size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
}

std::string_view str(const json::value* v) {
    return v != nullptr && v->is_string() ? std::string_view(v->get_string()) : std::string_view{};
}

const json::object* obj(const json::value* v) { return v != nullptr && v->is_object() ? &v->get_object() : nullptr; }
const json::array* arr(const json::value* v) { return v != nullptr && v->is_array() ? &v->get_array() : nullptr; }

// Total characters of every "text" string in a Block Kit tree.
size_t block_text_chars(const json::value& v) {
    size_t n = 0;
    if (const auto* o = v.if_object()) {
        for (const auto& [k, child] : *o)
            n += (k == "text" && child.is_string()) ? chars(child.get_string()) : block_text_chars(child);
    } else if (const auto* a = v.if_array()) {
        for (const auto& child : *a) n += block_text_chars(child);
    }
    return n;
}

}  // namespace

FakeChannels::FakeChannels(boost::asio::io_context& io) : io_(io) {}

std::string FakeChannels::check_slack_message(const json::object& m) const {
    const auto* text = m.if_contains("text");
    const auto* blocks = arr(m.if_contains("blocks"));
    if ((text == nullptr || str(text).empty()) && blocks == nullptr) return "no_text";
    if (text != nullptr && (!text->is_string() || chars(text->get_string()) > 40000)) return "invalid_payload";
    if (m.contains("blocks") && blocks == nullptr) return "invalid_blocks_format";
    if (blocks == nullptr) return {};
    if (blocks->size() > 50) return "invalid_blocks";
    for (const auto& b : *blocks) {
        const auto* block = b.if_object();
        if (block == nullptr) return "invalid_blocks";
        const std::string_view type = str(block->if_contains("type"));
        const auto* t = obj(block->if_contains("text"));
        if (type == "header") {
            if (t == nullptr || str(t->if_contains("type")) != "plain_text" ||
                chars(str(t->if_contains("text"))) > 150) {
                return "invalid_blocks";
            }
        } else if (type == "section") {
            const auto* fields = arr(block->if_contains("fields"));
            if (t == nullptr && fields == nullptr) return "invalid_blocks";
            if (t != nullptr && (chars(str(t->if_contains("text"))) > 3000 || str(t->if_contains("text")).empty())) {
                return "invalid_blocks";
            }
            if (fields != nullptr) {
                if (fields->size() > 10) return "invalid_blocks";
                for (const auto& f : *fields) {
                    if (!f.is_object() || chars(str(f.get_object().if_contains("text"))) > 2000)
                        return "invalid_blocks";
                }
            }
        } else if (type == "context") {
            const auto* elements = arr(block->if_contains("elements"));
            if (elements == nullptr || elements->empty() || elements->size() > 10) return "invalid_blocks";
        } else if (type == "actions") {
            const auto* elements = arr(block->if_contains("elements"));
            if (elements == nullptr || elements->empty() || elements->size() > 25) return "invalid_blocks";
            for (const auto& e : *elements) {
                const auto* el = e.if_object();
                if (el == nullptr || chars(str(el->if_contains("url"))) > 3000) return "invalid_blocks";
                const auto* label = el != nullptr ? obj(el->if_contains("text")) : nullptr;
                if (label == nullptr || chars(str(label->if_contains("text"))) > 75) return "invalid_blocks";
            }
        } else if (type != "divider" && type != "image" && type != "markdown" && type != "rich_text") {
            return "invalid_blocks";
        }
    }
    if (block_text_chars(json::value(*blocks)) > 12000) return "msg_blocks_too_long";
    return {};
}

// 1 message/s per key, with 100 ms of tolerance for network jitter (GCRA).
bool FakeChannels::slack_rate_ok(const std::string& key, int64_t now) {
    double& tat = slack_tat_[key];
    if (tat - 100 > static_cast<double>(now)) return false;
    tat = std::max(tat, static_cast<double>(now)) + 1000;
    return true;
}

FakeChannels::Answer FakeChannels::slack_webhook(const std::string& path, const json::value& body) {
    if (!body.is_object()) return {400, "invalid_payload"};
    if (const std::string error = check_slack_message(body.get_object()); !error.empty()) return {400, error};
    if (!slack_rate_ok(path, now_ms())) return {429, "rate_limited", "text/plain", 1};
    return {200, "ok"};
}

// chat.postMessage and chat.update. Posted messages are kept per channel and ts, so updates
// and thread replies can be checked against them (GET /_fake/slack/messages).
FakeChannels::Answer FakeChannels::slack_api(const HttpRequestMessage& request, const json::value& body) {
    auto reply = [](int status, json::object o, int retry = -1) {
        return Answer{status, json::serialize(o), "application/json", retry};
    };
    if (std::string_view(request[http::field::authorization]).rfind("Bearer xox", 0) != 0) {
        return reply(200, {{"ok", false}, {"error", "not_authed"}});
    }
    if (!body.is_object()) return reply(200, {{"ok", false}, {"error", "invalid_arguments"}});
    const json::object& message = body.get_object();
    const std::string channel(str(message.if_contains("channel")));
    if (channel.empty()) return reply(200, {{"ok", false}, {"error", "channel_not_found"}});
    if (const std::string error = check_slack_message(message); !error.empty()) {
        return reply(200, {{"ok", false}, {"error", error}});
    }
    if (!slack_rate_ok("api:" + channel, now_ms())) return reply(429, {{"ok", false}, {"error", "ratelimited"}}, 1);
    const std::string target(request.target());
    if (target.find("/chat.update") != std::string::npos) {
        const std::string ts(str(message.if_contains("ts")));
        auto it = slack_messages_.find(channel + "/" + ts);
        if (it == slack_messages_.end()) return reply(200, {{"ok", false}, {"error", "message_not_found"}});
        json::object& stored = it->second;
        stored["text"] = message.at("text");
        if (const auto* blocks = message.if_contains("blocks")) stored["blocks"] = *blocks;
        stored["updates"] = stored.at("updates").as_int64() + 1;
        return reply(200, {{"ok", true}, {"channel", channel}, {"ts", ts}, {"text", message.at("text")}});
    }
    const std::string ts = std::to_string(now_ms() / 1000) + "." + std::to_string(100000 + next_ts_++);
    json::object stored{{"channel", channel}, {"ts", ts}, {"text", message.at("text")}, {"updates", 0}};
    if (const auto* blocks = message.if_contains("blocks")) stored["blocks"] = *blocks;
    json::object answer_message{{"text", message.at("text")}, {"ts", ts}};
    if (const auto* thread = message.if_contains("thread_ts"); thread != nullptr && thread->is_string()) {
        if (slack_messages_.count(channel + "/" + std::string(thread->get_string())) == 0) {
            return reply(200, {{"ok", false}, {"error", "thread_not_found"}});
        }
        stored["thread_ts"] = *thread;
        answer_message["thread_ts"] = *thread;
    }
    slack_messages_[channel + "/" + ts] = std::move(stored);
    return reply(200, {{"ok", true}, {"channel", channel}, {"ts", ts}, {"message", std::move(answer_message)}});
}

FakeChannels::Answer FakeChannels::teams(const std::string& body_text, const json::value& body) {
    if (body_text.size() > 28 * 1024) return {413, "Request Entity too large"};
    const auto* envelope = body.if_object();
    if (envelope == nullptr || str(envelope->if_contains("type")) != "message") return {400, "type must be message"};
    const auto* attachments = arr(envelope->if_contains("attachments"));
    if (attachments == nullptr || attachments->empty()) return {400, "attachments required"};
    for (const auto& a : *attachments) {
        const auto* attachment = a.if_object();
        if (attachment == nullptr ||
            str(attachment->if_contains("contentType")) != "application/vnd.microsoft.card.adaptive") {
            return {400, "contentType must be application/vnd.microsoft.card.adaptive"};
        }
        const auto* card = obj(attachment->if_contains("content"));
        if (card == nullptr || str(card->if_contains("type")) != "AdaptiveCard")
            return {400, "content must be an AdaptiveCard"};
        const std::string_view version = str(card->if_contains("version"));
        if (version != "1.0" && version != "1.1" && version != "1.2" && version != "1.3" && version != "1.4" &&
            version != "1.5") {
            return {400, "unsupported card version"};
        }
        if (arr(card->if_contains("body")) == nullptr) return {400, "card body required"};
    }
    return {202, ""};
}

FakeChannels::Answer FakeChannels::pagerduty(const std::string& path, const json::value& body) {
    auto invalid = [](std::string error) {
        return Answer{400,
                      json::serialize(json::object{{"status", "invalid event"},
                                                   {"message", "Event object is invalid"},
                                                   {"errors", json::array{json::string(error)}}}),
                      "application/json"};
    };
    const auto* event = body.if_object();
    if (event == nullptr) return invalid("JSON parse error");
    const std::string key(str(event->if_contains("routing_key")));
    if (key.size() != 32) return invalid("Length of 'routing_key' is incorrect (should be 32 characters)");
    auto& window = pagerduty_window_[key];
    const int64_t now = now_ms();
    while (!window.empty() && window.front() < now - 60000) window.pop_front();
    if (window.size() >= 120) return {429, "", "text/plain", -1};
    window.push_back(now);
    const auto* payload = obj(event->if_contains("payload"));
    const bool change = path.find("/change/") != std::string::npos;
    std::string dedup(str(event->if_contains("dedup_key")));
    if (change) {
        if (payload == nullptr || str(payload->if_contains("summary")).empty())
            return invalid("'payload.summary' is missing");
        if (chars(str(payload->if_contains("summary"))) > 1024) return invalid("'payload.summary' is too long");
        return {202, R"({"status":"success","message":"Change event processed"})", "application/json"};
    }
    const std::string action(str(event->if_contains("event_action")));
    if (action != "trigger" && action != "acknowledge" && action != "resolve")
        return invalid("'event_action' is invalid");
    if (chars(dedup) > 255) return invalid("'dedup_key' is too long");
    if (action == "trigger") {
        if (payload == nullptr) return invalid("'payload' is missing");
        const std::string_view summary = str(payload->if_contains("summary"));
        const std::string_view severity = str(payload->if_contains("severity"));
        if (summary.empty() || chars(summary) > 1024) return invalid("'payload.summary' is missing or too long");
        if (str(payload->if_contains("source")).empty()) return invalid("'payload.source' is missing");
        if (severity != "critical" && severity != "error" && severity != "warning" && severity != "info") {
            return invalid("'payload.severity' is invalid");
        }
        if (dedup.empty()) dedup = "generated-" + std::to_string(next_ts_++);
        incidents_[dedup] = "triggered";
    } else {
        if (dedup.empty()) return invalid("'dedup_key' is required for " + action);
        // As PagerDuty: a resolve with no open alert is dropped, still 202.
        if (auto it = incidents_.find(dedup); it != incidents_.end() && action == "resolve") it->second = "resolved";
    }
    return {202,
            json::serialize(json::object{{"status", "success"}, {"message", "Event processed"}, {"dedup_key", dedup}}),
            "application/json"};
}

std::optional<Fault> FakeChannels::take_fault(const std::string& path) {
    for (auto it = faults_.begin(); it != faults_.end(); ++it) {
        if (path.rfind(it->path_prefix, 0) != 0) continue;
        Fault fault = *it;
        if (it->remaining > 0 && --it->remaining == 0) faults_.erase(it);
        return fault;
    }
    return std::nullopt;
}

void FakeChannels::record(const std::string& channel, const std::string& path, int status,
                          const HttpRequestMessage& request, const std::string& fault) {
    json::object r{{"channel", channel},
                   {"path", path},
                   {"status", status},
                   {"received_at_ms", now_ms()},
                   {"body", request.body()}};
    if (auto sig = request["X-Herald-Signature-256"]; !sig.empty()) r["signature"] = std::string(sig);
    if (!fault.empty()) r["fault"] = fault;  // answered by an injected fault, not the look-alike
    requests_.push_back(std::move(r));
    auto& counters = stats_[channel];
    counters["received"] += 1;
    counters[status == 429                   ? "rate_limited"
             : status == 0                   ? "reset"
             : status >= 200 && status < 300 ? "ok"
             : status >= 500                 ? "server_error"
                                             : "rejected"] += 1;
}

void FakeChannels::control(const HttpRequestMessage& request, const std::string& path, Respond& respond) {
    const auto method = request.method();
    if (path == "/_fake/requests" && method == http::verb::get) {
        const std::string target(request.target());
        const auto q = target.find("channel=");
        const std::string only = q == std::string::npos ? "" : target.substr(q + 8);
        json::array out;
        for (const auto& r : requests_) {
            if (only.empty() || r.at("channel").as_string() == only) out.push_back(r);
        }
        return respond(json_response(http::status::ok, json::serialize(json::object{{"requests", std::move(out)}})));
    }
    if (path == "/_fake/slack/messages" && method == http::verb::get) {
        json::array out;
        for (const auto& [key, message] : slack_messages_) out.push_back(message);
        return respond(json_response(http::status::ok, json::serialize(json::object{{"messages", std::move(out)}})));
    }
    if (path == "/_fake/requests" && method == http::verb::delete_) {
        requests_.clear();
        slack_messages_.clear();
        stats_.clear();
        slack_tat_.clear();
        pagerduty_window_.clear();
        incidents_.clear();
        return respond(json_response(http::status::ok, R"({"status":"reset"})"));
    }
    if (path == "/_fake/stats" && method == http::verb::get) {
        json::object channels;
        for (const auto& [channel, counters] : stats_) {
            json::object c;
            for (const auto& [k, v] : counters) c[k] = v;
            channels[channel] = std::move(c);
        }
        json::object incidents;
        for (const auto& [k, v] : incidents_) incidents[k] = v;
        return respond(json_response(
            http::status::ok,
            json::serialize(json::object{{"channels", std::move(channels)}, {"incidents", std::move(incidents)}})));
    }
    if (path == "/_fake/faults" && method == http::verb::post) {
        boost::system::error_code ec;
        const json::value v = json::parse(request.body(), ec);
        if (ec || !v.is_object())
            return respond(json_response(http::status::bad_request, R"({"error":"JSON object"})"));
        const auto& o = v.get_object();
        Fault f;
        f.path_prefix = std::string(str(o.if_contains("path_prefix")));
        f.mode = std::string(str(o.if_contains("mode")));
        if (f.mode.empty()) f.mode = "status";
        if (const auto* s = o.if_contains("status"); s != nullptr && s->is_int64())
            f.status = static_cast<int>(s->get_int64());
        if (const auto* s = o.if_contains("retry_after_s"); s != nullptr && s->is_int64())
            f.retry_after_s = static_cast<int>(s->get_int64());
        if (const auto* s = o.if_contains("delay_ms"); s != nullptr && s->is_int64())
            f.delay_ms = static_cast<int>(s->get_int64());
        if (const auto* s = o.if_contains("count"); s != nullptr && s->is_int64())
            f.remaining = static_cast<int>(s->get_int64());
        f.body = std::string(str(o.if_contains("body")));
        faults_.push_back(std::move(f));
        return respond(json_response(http::status::ok, R"({"status":"fault added"})"));
    }
    if (path == "/_fake/faults" && method == http::verb::delete_) {
        faults_.clear();
        return respond(json_response(http::status::ok, R"({"status":"faults cleared"})"));
    }
    respond(json_response(http::status::not_found, R"({"error":"unknown control endpoint"})"));
}

void FakeChannels::handle(HttpRequestMessage request, Respond respond) {
    const std::string target(request.target());
    const std::string path = target.substr(0, target.find('?'));
    std::unique_lock lock(mutex_);
    if (path.rfind("/_fake/", 0) == 0) return control(request, path, respond);

    const std::string channel = path.rfind("/slack/api/", 0) == 0   ? "slack-api"
                                : path.rfind("/slack/", 0) == 0     ? "slack"
                                : path.rfind("/teams/", 0) == 0     ? "teams"
                                : path.rfind("/pagerduty/", 0) == 0 ? "pagerduty"
                                : path.rfind("/webhook/", 0) == 0   ? "webhook"
                                                                    : "";
    if (channel.empty() || request.method() != http::verb::post) {
        return respond(json_response(http::status::not_found, R"({"error":"no such channel endpoint"})"));
    }

    std::optional<Fault> fault = take_fault(path);
    auto answer_later = [this, respond](std::optional<HttpResponseMessage> res, int delay_ms) {
        auto timer = std::make_shared<boost::asio::steady_timer>(io_, std::chrono::milliseconds(delay_ms));
        timer->async_wait(
            [timer, respond, res = std::move(res)](boost::system::error_code) mutable { respond(std::move(res)); });
    };
    if (fault && fault->mode != "slow") {
        if (fault->mode == "reset") {
            record(channel, path, 0, request, fault->mode);
            return respond(std::nullopt);
        }
        if (fault->mode == "timeout") {
            record(channel, path, 0, request, fault->mode);
            return answer_later(std::nullopt, fault->delay_ms > 0 ? fault->delay_ms : 60000);
        }
        const int status = fault->mode == "error_body" ? 200 : fault->status;
        record(channel, path, status, request, fault->mode);
        HttpResponseMessage res{static_cast<http::status>(status), 11};
        res.set(http::field::content_type, "text/plain");
        if (fault->retry_after_s >= 0) res.set(http::field::retry_after, std::to_string(fault->retry_after_s));
        res.body() = fault->body;
        res.prepare_payload();
        return fault->delay_ms > 0 ? answer_later(std::move(res), fault->delay_ms) : respond(std::move(res));
    }

    boost::system::error_code ec;
    const json::value body = json::parse(request.body(), ec);
    Answer answer;
    if (ec) {
        answer =
            channel == "pagerduty"
                ? Answer{400,
                         R"({"status":"Unrecognized object","message":"Event object format is unrecognized","errors":["JSON parse error"]})",
                         "application/json"}
                : Answer{400, "invalid_payload"};
    } else if (channel == "slack") {
        answer = slack_webhook(path, body);
    } else if (channel == "slack-api") {
        answer = slack_api(request, body);
    } else if (channel == "teams") {
        answer = teams(request.body(), body);
    } else if (channel == "pagerduty") {
        answer = pagerduty(path, body);
    } else {
        answer = {200, "ok"};
    }
    record(channel, path, answer.status, request);
    HttpResponseMessage res{static_cast<http::status>(answer.status), 11};
    res.set(http::field::content_type, answer.content_type);
    if (answer.retry_after_s >= 0) res.set(http::field::retry_after, std::to_string(answer.retry_after_s));
    res.body() = answer.body;
    res.prepare_payload();
    if (fault && fault->mode == "slow") return answer_later(std::move(res), fault->delay_ms);
    respond(std::move(res));
}

}  // namespace herald::fake
