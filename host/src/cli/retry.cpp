#include "cli/retry.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace herald::cli {

std::chrono::milliseconds retry_delay(const RetryPolicy& policy, int k) {
    if (policy.retries <= 0) return std::chrono::milliseconds(0);
    const int steps = std::min(policy.retries, 30);
    const double total_weight = static_cast<double>((int64_t{1} << steps) - 1);
    const double weight = static_cast<double>(int64_t{1} << std::min(k, 29));
    return std::chrono::milliseconds(
        static_cast<int64_t>(static_cast<double>(policy.spread.count()) * weight / total_weight));
}

Disposition classify(long status) {
    if (status >= 200 && status < 300) return Disposition::delivered;
    if (status == 0 || status == 408 || status == 429 || status >= 500) return Disposition::retry;
    return Disposition::give_up;  // 400, 401, 403, 404, 413, 415: the same request fails again
}

SendOutcome send_with_retries(const std::function<AttemptResult()>& attempt, const RetryPolicy& policy,
                              const Sleeper& sleep) {
    SendOutcome outcome;
    for (int k = 0;; ++k) {
        outcome.last = attempt();
        ++outcome.attempts;
        const Disposition d = classify(outcome.last.status);
        if (d == Disposition::delivered) {
            outcome.delivered = true;
            return outcome;
        }
        if (d == Disposition::give_up || k >= policy.retries) return outcome;
        std::chrono::milliseconds wait = retry_delay(policy, k);
        if (outcome.last.retry_after) {
            // Herald asked for a pause: honour it, but never beyond the whole spread.
            wait = std::max(wait, std::min<std::chrono::milliseconds>(*outcome.last.retry_after, policy.spread));
        }
        sleep(wait);
        outcome.waited += wait;
    }
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
    int64_t number = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec != std::errc{} || number < 0 || number > 7 * 24 * 3600) return std::nullopt;
    const std::string_view unit(end, static_cast<size_t>(text.data() + text.size() - end));
    if (unit.empty() || unit == "s") return std::chrono::seconds(number);
    if (unit == "ms") return std::chrono::milliseconds(number);
    if (unit == "m") return std::chrono::minutes(number);
    if (unit == "h") return std::chrono::hours(number);
    return std::nullopt;
}

std::string describe(std::chrono::milliseconds duration) {
    const int64_t total_s = duration.count() / 1000;
    if (total_s < 60) {
        char text[32];
        std::snprintf(text, sizeof text, "%.1fs", static_cast<double>(duration.count()) / 1000.0);
        return text;
    }
    return std::to_string(total_s / 60) + "m" + std::to_string(total_s % 60) + "s";
}

}  // namespace herald::cli
