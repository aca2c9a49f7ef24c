#include "intake/auth.hpp"

#include <cctype>
#include <charconv>
#include <cstdlib>

#include "common/sha256.hpp"

namespace herald {
namespace {

bool hmac_matches(const SourceConfig& source, std::string_view signed_text, std::string_view given_hex) {
    bool matched = false;
    for (const auto& secret : source.secrets) {
        // Every secret is checked, so timing does not reveal which one matched.
        matched |= constant_time_equal(hmac_sha256_hex(secret, signed_text), given_hex);
    }
    return matched;
}

bool bearer_matches(const SourceConfig& source, std::string_view token) {
    const std::string token_digest = sha256_hex(token);  // equal lengths: no length leak
    bool matched = false;
    for (const auto& secret : source.secrets) matched |= constant_time_equal(sha256_hex(secret), token_digest);
    return matched;
}

}  // namespace

AuthOutcome authenticate(const std::vector<SourceConfig>& sources, const HeaderLookup& header, std::string_view body,
                         int64_t now_unix_seconds) {
    const std::string_view wanted = header("X-Herald-Source");
    const std::string_view signature = header("X-Herald-Signature-256");
    const std::string_view authorization = header("Authorization");
    const std::string_view timestamp = header("X-Herald-Timestamp");

    std::string signed_text;
    int64_t ts = 0;
    if (!timestamp.empty()) {
        const auto [end, ec] = std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), ts);
        if (ec != std::errc{} || end != timestamp.data() + timestamp.size()) {
            return {nullptr, "X-Herald-Timestamp must be unix seconds"};
        }
        signed_text = std::string(timestamp) + "." + std::string(body);
    }
    // Hex digests compare in lower case: upper-case signatures are just as valid.
    std::string hex;
    if (signature.rfind("sha256=", 0) == 0) {
        hex = std::string(signature.substr(7));
        for (auto& c : hex) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    std::string_view token;
    if (authorization.rfind("Bearer ", 0) == 0) token = authorization.substr(7);

    bool any_source = false;
    const SourceConfig* open_source = nullptr;
    for (const auto& source : sources) {
        if (!wanted.empty() && source.name != wanted) continue;
        if (source.kind != "herald") continue;
        any_source = true;
        switch (source.auth) {
            case SourceAuth::hmac:
                if (source.require_timestamp && timestamp.empty() && !hex.empty()) {
                    return {nullptr, "source '" + source.name + "' requires X-Herald-Timestamp with the signature"};
                }
                if (!hex.empty() &&
                    hmac_matches(source, timestamp.empty() ? body : std::string_view(signed_text), hex)) {
                    if (!timestamp.empty() && std::llabs(now_unix_seconds - ts) > source.replay_window_s) {
                        return {nullptr, "X-Herald-Timestamp is outside the replay window"};
                    }
                    return {&source, {}};
                }
                break;
            case SourceAuth::bearer:
                if (!token.empty() && bearer_matches(source, token)) return {&source, {}};
                break;
            case SourceAuth::none:
                if (open_source == nullptr) open_source = &source;
                break;
        }
    }
    if (open_source != nullptr) return {open_source, {}};
    if (!any_source) return {nullptr, wanted.empty() ? "no source accepts events" : "unknown source"};
    if (hex.empty() && token.empty()) {
        return {nullptr, "missing credentials: X-Herald-Signature-256 or Authorization: Bearer"};
    }
    return {nullptr, "invalid credentials"};
}

}  // namespace herald
