// Generic webhook: POSTs {"event": ..., "context": ...} as JSON to any URL, signed with
// HMAC-SHA256 over the body when a secret is set (the same scheme Herald's own intake checks).
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <herald/plugin_support.hpp>

#include <array>

namespace {

namespace json = boost::json;
namespace hs = herald::support;

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length) == nullptr) {
        throw std::runtime_error("HMAC-SHA256 failed");
    }
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(length * 2);
    for (unsigned int i = 0; i < length; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 0xF];
    }
    return out;
}

bool valid_header_name(std::string_view name) {
    if (name.empty()) return false;
    for (char c : name) {
        const bool ok =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok) return false;
    }
    return true;
}

}  // namespace

class WebhookChannel {
 public:
    static constexpr const char* name = "webhook";
    static constexpr const char* version = "1.0.0";
    static constexpr const char* description = "POSTs the event as JSON to any URL, HMAC-SHA256 signed";
    static constexpr std::array settings{
        herald::setting("url", HERALD_SETTING_STRING, HERALD_SETTING_REQUIRED | HERALD_SETTING_SECRET, nullptr,
                        "Where to POST"),
        herald::setting("secret", HERALD_SETTING_STRING, HERALD_SETTING_SECRET, nullptr,
                        "HMAC-SHA256 key; when set, the body is signed in signature_header"),
        herald::setting("signature_header", HERALD_SETTING_STRING, 0, "\"X-Herald-Signature-256\"",
                        "Header carrying sha256=<hex HMAC of the body>"),
        herald::setting("headers", HERALD_SETTING_STRING_MAP, 0, nullptr, "Extra headers to send"),
    };
    static constexpr herald_delivery_defaults delivery_defaults =
        herald::delivery_defaults({.max_retries = 5,
                                   .initial_backoff_ms = 1000,
                                   .max_backoff_ms = 60000,
                                   .give_up_after_ms = 0,
                                   .rate_per_second = 0,
                                   .burst = 1,
                                   .max_body_bytes = 1024 * 1024});

    WebhookChannel(std::string_view settings_json, herald::Host) {
        const hs::Settings s(settings_json);
        url_ = s.required_string("url");
        hs::Settings::require_http_url("url", url_);
        secret_ = s.string("secret");
        signature_header_ = s.string("signature_header", "X-Herald-Signature-256");
        if (!valid_header_name(signature_header_))
            throw herald::SettingsError("signature_header: not a valid header name");
        for (auto& [header, value] : s.string_map("headers")) {
            if (!valid_header_name(header))
                throw herald::SettingsError("headers." + header + ": not a valid header name");
            if (value.find_first_of("\r\n") != std::string::npos) {
                throw herald::SettingsError("headers." + header + ": must not contain line breaks");
            }
            headers_.emplace_back(header, value);
        }
    }

    herald::Request render(const herald::Event& event) const {
        // The host hands over the validated event as compact JSON (the plugin ABI's contract), so
        // it goes into the body as it is: parsing and serialising it again per delivery would give
        // the same bytes.
        if (event.json.size() < 2 || event.json.front() != '{' || event.json.back() != '}')
            throw std::runtime_error("event is not a JSON object");
        boost::system::error_code ec;
        json::object context{{"attempt", event.attempt},
                             {"is_recovery", event.is_recovery},
                             {"failures_before", event.failures_before},
                             {"accepted_at_unix_ms", event.accepted_at_unix_ms}};
        if (event.failing_since_unix_ms > 0) context["failing_since_unix_ms"] = event.failing_since_unix_ms;
        if (!event.team.empty()) context["team"] = event.team;
        if (!event.channel_name.empty()) context["channel"] = event.channel_name;
        // The channel's rendered message customisation, for receivers that show a message.
        if (!event.message_json.empty()) {
            json::value message = json::parse(event.message_json, ec);
            if (ec || !message.is_object()) throw std::runtime_error("message customisation is not a JSON object");
            context["message"] = std::move(message);
        }

        herald::Request request;
        request.url = url_;
        const std::string context_json = json::serialize(context);
        request.body.reserve(event.json.size() + context_json.size() + 24);
        request.body.append(R"({"event":)")
            .append(event.json)
            .append(R"(,"context":)")
            .append(context_json)
            .append("}");
        request.headers.emplace_back("Content-Type", "application/json");
        for (const auto& h : headers_) request.headers.push_back(h);
        if (!secret_.empty()) {
            request.headers.emplace_back(signature_header_, "sha256=" + hmac_sha256_hex(secret_, request.body));
        }
        return request;
    }

    herald::Classification classify(const herald::Event&, const herald::Response& r) const {
        const int code = r.status_code;
        if (code >= 200 && code < 300) return herald::Classification::delivered();
        const std::string excerpt = hs::body_excerpt(r.body, 200);
        const std::string reason = "HTTP " + std::to_string(code) + (excerpt.empty() ? "" : ": " + excerpt);
        if (code == 408 || code == 429 || code >= 500)
            return herald::Classification::retry(reason, hs::retry_after_ms(r));
        return herald::Classification::rejected(reason);
    }

 private:
    std::string url_;
    std::string secret_;
    std::string signature_header_;
    std::vector<std::pair<std::string, std::string>> headers_;
};

HERALD_PLUGIN(WebhookChannel)
