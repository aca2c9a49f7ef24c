// The last-status rule both stores apply to each new event: a success after failures is a
// recovery, and the failing streak counts from the first failure's finish (when the event says)
// or its arrival.
#pragma once

#include <cstdint>

#include "store/store.hpp"

namespace herald {

struct StatusStep {
    RecoveryContext recovery;      // for the event being stored
    bool write = false;            // only succeeded and failed change the service's status
    int64_t failures = 0;          // the streak after this event
    int64_t failing_since_ms = 0;  // when that streak began; 0 when not failing
};

inline StatusStep next_status(const DeployEvent& e, int64_t accepted_at_ms, int64_t failures, int64_t failing_since) {
    StatusStep step;
    if (e.status == DeployStatus::succeeded && failures > 0) {
        step.recovery = {true, static_cast<uint32_t>(failures), failing_since};
    }
    if (e.status != DeployStatus::failed && e.status != DeployStatus::succeeded) return step;
    step.write = true;
    if (e.status == DeployStatus::failed) {
        step.failures = failures + 1;
        step.failing_since_ms =
            failures > 0 ? failing_since : (e.finished_at_ms > 0 ? e.finished_at_ms : accepted_at_ms);
    }
    return step;
}

}  // namespace herald
