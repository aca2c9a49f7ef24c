// How `herald post` and `herald emit` keep trying while Herald is unreachable or busy: by default
// three retries spread over five minutes, obeying Retry-After, and an immediate stop on answers
// that no retry can change (400, 401, 413, ...). Time is passed in, so tests check the schedule
// with their own clock.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace herald::cli {

struct RetryPolicy {
    int retries = 3;
    std::chrono::milliseconds spread{std::chrono::minutes(5)};
};

// The wait before retry `k` (0-based): the spread divided in doubling steps (1/7, 2/7, 4/7 for
// three retries), so a short outage is bridged quickly and a long one still within the spread.
std::chrono::milliseconds retry_delay(const RetryPolicy& policy, int k);

struct AttemptResult {
    long status = 0;  // 0: no answer (connection refused, timeout)
    std::string body;
    std::string error;                                // why there was no answer
    std::optional<std::chrono::seconds> retry_after;  // from a 429/503 answer
};

enum class Disposition { delivered, retry, give_up };
Disposition classify(long status);

struct SendOutcome {
    AttemptResult last;
    int attempts = 0;
    bool delivered = false;
    std::chrono::milliseconds waited{0};
};

using Sleeper = std::function<void(std::chrono::milliseconds)>;

SendOutcome send_with_retries(const std::function<AttemptResult()>& attempt, const RetryPolicy& policy,
                              const Sleeper& sleep);

// "90s", "5m", "1h" or plain seconds; nullopt when malformed.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// "5m0s"-style text for messages.
std::string describe(std::chrono::milliseconds duration);

}  // namespace herald::cli
