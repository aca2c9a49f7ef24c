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
    const Sha256Digest token_digest = sha256(token);  // equal lengths: no length leak
    bool matched = false;
    for (const auto& secret : source.secrets) matched |= constant_time_equal(sha256(secret), token_digest);
    return matched;
}

}  // namespace

namespace {

struct Credentials {
    std::string_view signature_hex_header;  // the header holding "sha256=<hex>"
    std::string hex;                        // lower-cased digest, or empty
    std::string_view token;                 // bearer token, or empty
    std::string_view timestamp;
    int64_t ts = 0;
    std::string signed_text;  // "<timestamp>.<body>" when a timestamp is given
};

// Reads the credentials a request carries; an error when they are malformed.
std::string read_credentials(const HeaderLookup& header, std::string_view body, std::string_view signature_header,
                             std::string_view token_header, Credentials& out) {
    const std::string_view signature = header(signature_header);
    out.timestamp = header("X-Herald-Timestamp");
    if (!out.timestamp.empty()) {
        const auto [end, ec] =
            std::from_chars(out.timestamp.data(), out.timestamp.data() + out.timestamp.size(), out.ts);
        if (ec != std::errc{} || end != out.timestamp.data() + out.timestamp.size()) {
            return "X-Herald-Timestamp must be unix seconds";
        }
        out.signed_text = std::string(out.timestamp) + "." + std::string(body);
    }
    // Hex digests compare in lower case: upper-case signatures are just as valid.
    if (signature.rfind("sha256=", 0) == 0) {
        out.hex = std::string(signature.substr(7));
        for (auto& c : out.hex) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    const std::string_view authorization = header(token_header);
    if (token_header != "Authorization") {
        out.token = authorization;
    } else if (authorization.rfind("Bearer ", 0) == 0) {
        out.token = authorization.substr(7);
    }
    return {};
}

enum class Verdict { accepted, rejected, no_credentials };

// One source against the credentials; `error` says why a matching signature is still refused.
Verdict check_source(const SourceConfig& source, const Credentials& c, std::string_view body, int64_t now_unix_seconds,
                     std::string& error) {
    switch (source.auth) {
        case SourceAuth::hmac:
            if (c.hex.empty()) return Verdict::no_credentials;
            if (source.require_timestamp && c.timestamp.empty()) {
                error = "source '" + source.name + "' requires X-Herald-Timestamp with the signature";
                return Verdict::rejected;
            }
            if (hmac_matches(source, c.timestamp.empty() ? body : std::string_view(c.signed_text), c.hex)) {
                if (!c.timestamp.empty() && std::llabs(now_unix_seconds - c.ts) > source.replay_window_s) {
                    error = "X-Herald-Timestamp is outside the replay window";
                    return Verdict::rejected;
                }
                return Verdict::accepted;
            }
            return Verdict::rejected;
        case SourceAuth::bearer:
            if (c.token.empty()) return Verdict::no_credentials;
            return bearer_matches(source, c.token) ? Verdict::accepted : Verdict::rejected;
        case SourceAuth::none:
            return Verdict::accepted;
    }
    return Verdict::rejected;
}

}  // namespace

AuthOutcome authenticate(const std::vector<SourceConfig>& sources, const HeaderLookup& header, std::string_view body,
                         int64_t now_unix_seconds) {
    const std::string_view wanted = header("X-Herald-Source");
    Credentials c;
    if (std::string error = read_credentials(header, body, "X-Herald-Signature-256", "Authorization", c);
        !error.empty()) {
        return {nullptr, error};
    }
    bool any_source = false;
    const SourceConfig* open_source = nullptr;
    for (const auto& source : sources) {
        if (!wanted.empty() && source.name != wanted) continue;
        if (source.kind != "herald") continue;
        any_source = true;
        if (source.auth == SourceAuth::none) {
            if (open_source == nullptr) open_source = &source;
            continue;
        }
        std::string error;
        const Verdict verdict = check_source(source, c, body, now_unix_seconds, error);
        if (verdict == Verdict::accepted) return {&source, {}};
        if (!error.empty()) return {nullptr, error};
    }
    if (open_source != nullptr) return {open_source, {}};
    if (!any_source) return {nullptr, wanted.empty() ? "no source accepts events" : "unknown source"};
    if (c.hex.empty() && c.token.empty()) {
        return {nullptr, "missing credentials: X-Herald-Signature-256 or Authorization: Bearer"};
    }
    return {nullptr, "invalid credentials"};
}

AuthOutcome authenticate_source(const SourceConfig& source, const HeaderLookup& header, std::string_view body,
                                int64_t now_unix_seconds) {
    // GitHub signs the body alone with its own header; GitLab sends its token as it is.
    const bool github = source.kind == "github";
    const bool gitlab = source.kind == "gitlab";
    const std::string_view signature_header = github ? "X-Hub-Signature-256" : "X-Herald-Signature-256";
    const std::string_view token_header = gitlab ? "X-Gitlab-Token" : "Authorization";
    Credentials c;
    if (std::string error = read_credentials(header, body, signature_header, token_header, c); !error.empty()) {
        return {nullptr, error};
    }
    if (github) {
        c.timestamp = {};  // GitHub's signature never covers a timestamp
        c.signed_text.clear();
    }
    std::string error;
    switch (check_source(source, c, body, now_unix_seconds, error)) {
        case Verdict::accepted:
            return {&source, {}};
        case Verdict::no_credentials:
            if (github) return {nullptr, "missing credentials: X-Hub-Signature-256"};
            if (gitlab) return {nullptr, "missing credentials: X-Gitlab-Token"};
            return {nullptr, "missing credentials: X-Herald-Signature-256 or Authorization: Bearer"};
        case Verdict::rejected:
            break;
    }
    return {nullptr, error.empty() ? "invalid credentials" : error};
}

}  // namespace herald
