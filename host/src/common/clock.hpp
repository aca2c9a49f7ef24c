// Time is injected so tests control it.
#pragma once

#include <chrono>
#include <cstdint>

namespace herald {

class Clock {
 public:
    virtual ~Clock() = default;
    virtual int64_t now_unix_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
    int64_t now_unix_ms() const override {
        using namespace std::chrono;
        return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    }
    static const SystemClock& instance() {
        static const SystemClock clock;
        return clock;
    }
};

}  // namespace herald
