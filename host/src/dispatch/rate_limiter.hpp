// Per-destination rate limits: a token bucket in its GCRA form (one timestamp per key), plus
// a pause a channel can impose with 429 + Retry-After that holds back that key only.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "store/shared_work.hpp"

namespace herald {

// The limits of one Herald, in memory (replicas sharing a database share theirs in it).
class RateLimiter final : public RateLimits {
 public:
    int64_t take(const std::string& key, double rate_per_second, uint32_t burst, int64_t now_ms) override {
        const int64_t at = allowed_at(key, rate_per_second, burst, now_ms);
        if (at <= now_ms) consume(key, rate_per_second, now_ms);
        return at;
    }

    void pause_until(const std::string& key, int64_t until_ms, int64_t /*now_ms*/) override {
        State& s = keys_[key];
        s.paused_until_ms = std::max(s.paused_until_ms, until_ms);
    }

    // The earliest time a request on `key` may go; `now_ms` when it may go now.
    int64_t allowed_at(const std::string& key, double rate_per_second, uint32_t burst, int64_t now_ms) const {
        const auto it = keys_.find(key);
        if (it == keys_.end()) return now_ms;
        const State& s = it->second;
        int64_t at = std::max(now_ms, s.paused_until_ms);
        if (rate_per_second > 0) {
            const double interval = 1000.0 / rate_per_second;
            const double tolerance = interval * (std::max<uint32_t>(burst, 1) - 1);
            at = std::max(at, static_cast<int64_t>(s.theoretical_arrival_ms - tolerance));
        }
        return at;
    }

    // Records one request on `key` at `now_ms` (call only when allowed_at(...) <= now_ms).
    void consume(const std::string& key, double rate_per_second, int64_t now_ms) {
        if (rate_per_second <= 0) return;
        State& s = keys_[key];
        const double interval = 1000.0 / rate_per_second;
        s.theoretical_arrival_ms = std::max(s.theoretical_arrival_ms, static_cast<double>(now_ms)) + interval;
    }

 private:
    struct State {
        double theoretical_arrival_ms = 0;
        int64_t paused_until_ms = 0;
    };
    std::unordered_map<std::string, State> keys_;
};

}  // namespace herald
