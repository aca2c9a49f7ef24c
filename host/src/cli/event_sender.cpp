#include "cli/event_sender.hpp"

#include <cstdlib>
#include <ctime>
#include <iostream>
#include <thread>

#include "cli/http_call.hpp"
#include "common/sha256.hpp"

namespace herald::cli {
namespace {

std::string secret_from(const std::string& variable) {
    const char* value = std::getenv(variable.c_str());
    if (value == nullptr || *value == '\0') throw UsageError("environment variable " + variable + " is not set");
    return value;
}

bool env_set(const char* name) {
    const char* value = std::getenv(name);
    return value != nullptr && *value != '\0';
}

// A base URL gets Herald's own endpoint; a URL naming an endpoint (/v1/...) is kept.
std::string endpoint_of(std::string url) {
    while (!url.empty() && url.back() == '/') url.pop_back();
    if (url.find("/v1/") == std::string::npos) url += "/v1/events";
    return url;
}

std::optional<std::chrono::seconds> retry_after_of(const HttpReply& reply) {
    for (const auto& [name, value] : reply.headers) {
        if (name.size() != 11) continue;
        std::string lower = name;
        for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (lower != "retry-after") continue;
        char* end = nullptr;
        const long seconds = std::strtol(value.c_str(), &end, 10);
        if (end != value.c_str() && seconds >= 0) return std::chrono::seconds(seconds);
    }
    return std::nullopt;
}

}  // namespace

SendOptions read_send_options(const Args& args) {
    SendOptions options;
    const char* env_url = std::getenv("HERALD_URL");
    options.url =
        endpoint_of(args.option("url").value_or(env_url != nullptr && *env_url ? env_url : "http://127.0.0.1:8080"));
    auto secret_env = args.option("secret-env");
    auto token_env = args.option("token-env");
    if (secret_env && token_env) throw UsageError("give --secret-env or --token-env, not both");
    if (!secret_env && !token_env) {
        if (env_set("HERALD_SECRET")) {
            secret_env = "HERALD_SECRET";
        } else if (env_set("HERALD_TOKEN")) {
            token_env = "HERALD_TOKEN";
        } else {
            throw UsageError("give --secret-env NAME (HMAC) or --token-env NAME (bearer), or set HERALD_SECRET");
        }
    }
    if (secret_env) options.hmac_secret = secret_from(*secret_env);
    if (token_env) options.bearer_token = secret_from(*token_env);
    options.source = args.option("source");
    options.sign_timestamp = !args.flag("no-timestamp");
    if (auto retries = args.option("retries")) {
        char* end = nullptr;
        const long n = std::strtol(retries->c_str(), &end, 10);
        if (end == retries->c_str() || *end != '\0' || n < 0 || n > 20) throw UsageError("--retries: 0 to 20");
        options.retry.retries = static_cast<int>(n);
    }
    if (auto spread = args.option("retry-for")) {
        const auto parsed = parse_duration(*spread);
        if (!parsed) throw UsageError("--retry-for: a duration such as 90s, 5m or 1h");
        options.retry.spread = *parsed;
    }
    return options;
}

AttemptResult send_once(const SendOptions& options, const std::string& body) {
    std::vector<std::string> headers = {"Content-Type: application/json"};
    if (options.source) headers.push_back("X-Herald-Source: " + *options.source);
    if (options.hmac_secret) {
        std::string signed_text = body;
        if (options.sign_timestamp) {
            const std::string ts = std::to_string(std::time(nullptr));
            headers.push_back("X-Herald-Timestamp: " + ts);
            signed_text = ts + "." + body;
        }
        headers.push_back("X-Herald-Signature-256: sha256=" + hmac_sha256_hex(*options.hmac_secret, signed_text));
    } else if (options.bearer_token) {
        headers.push_back("Authorization: Bearer " + *options.bearer_token);
    }
    const HttpReply reply = http_call("POST", options.url, body, headers, options.timeout_ms);
    return {reply.status, reply.body, reply.error, retry_after_of(reply)};
}

bool send_event(const SendOptions& options, const std::string& label, const std::string& body, const Sleeper& sleep) {
    const Sleeper announce = [&](std::chrono::milliseconds wait) {
        std::cerr << "herald: " << label << ": retrying in " << describe(wait) << "\n";
        sleep(wait);
    };
    const SendOutcome outcome = send_with_retries([&] { return send_once(options, body); }, options.retry, announce);
    const AttemptResult& last = outcome.last;
    std::string answer = last.status == 0 ? last.error : std::to_string(last.status) + " " + last.body;
    while (!answer.empty() && (answer.back() == '\n' || answer.back() == '\r')) answer.pop_back();
    if (last.status != 0) std::cout << label << ": " << answer << "\n";
    if (outcome.delivered) return true;
    std::cerr << "herald: " << label << " NOT delivered to " << options.url << " after " << outcome.attempts
              << (outcome.attempts == 1 ? " attempt" : " attempts") << " over " << describe(outcome.waited) << ": "
              << answer << "\n";
    return false;
}

void sleep_for(std::chrono::milliseconds duration) { std::this_thread::sleep_for(duration); }

}  // namespace herald::cli
