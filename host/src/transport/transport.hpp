// How the dispatcher sends requests: many in flight at once from one thread, results collected
// by polling. CurlTransport is the real one; tests use a fake that answers as they say.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "transport/http_message.hpp"

namespace herald {

struct TransportResult {
    uint64_t token = 0;
    bool ok = false;    // false: no HTTP response (connect failure, timeout, reset)
    std::string error;  // when !ok
    HttpResponse response;
    int64_t latency_ms = 0;
};

class Transport {
 public:
    virtual ~Transport() = default;
    // Starts sending; the result comes back from perform() with the same token.
    virtual void start(uint64_t token, const HttpRequest& request) = 0;
    // Waits up to timeout_ms for activity, then returns every finished transfer.
    virtual std::vector<TransportResult> perform(int timeout_ms) = 0;
    // Interrupts a perform() in progress; callable from any thread.
    virtual void wakeup() = 0;
};

}  // namespace herald
