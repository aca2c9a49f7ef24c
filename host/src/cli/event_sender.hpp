// Sends one Herald event to an intake, signed, with retries: what `herald post` and
// `herald emit` share. Secrets come from environment variables, never from the command line
// (which `ps` shows).
#pragma once

#include <optional>
#include <string>

#include "cli/args.hpp"
#include "cli/retry.hpp"

namespace herald::cli {

struct SendOptions {
    std::string url;  // the full endpoint, e.g. http://127.0.0.1:8080/v1/events
    std::optional<std::string> hmac_secret;
    std::optional<std::string> bearer_token;
    std::optional<std::string> source;  // X-Herald-Source
    bool sign_timestamp = true;
    RetryPolicy retry;
    long timeout_ms = 15000;
};

// The options every sending command takes: --url (or $HERALD_URL), --secret-env NAME or
// --token-env NAME (or $HERALD_SECRET / $HERALD_TOKEN when neither is given), --source,
// --no-timestamp, --retries N, --retry-for DURATION.
inline const std::set<std::string> kSendOptions = {"url", "secret-env", "token-env", "source", "retries", "retry-for"};
inline const std::set<std::string> kSendFlags = {"timestamp", "no-timestamp"};
SendOptions read_send_options(const Args& args);

// One signed POST (a fresh timestamp each time).
AttemptResult send_once(const SendOptions& options, const std::string& body);

// Sends with retries, printing the answer on stdout ("<label>: 202 {...}") and, when it gives
// up, one line on stderr. Returns whether the event was delivered.
bool send_event(const SendOptions& options, const std::string& label, const std::string& body, const Sleeper& sleep);

// The real clock's sleeper.
void sleep_for(std::chrono::milliseconds duration);

}  // namespace herald::cli
