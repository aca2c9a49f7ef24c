// POST /v1/events and the plain endpoints of the intake listener. An event is answered 202
// only once the group committer has made it durable.
#pragma once

#include <atomic>
#include <functional>
#include <memory>

#include "common/clock.hpp"
#include "config/runtime_config.hpp"
#include "intake/http_server.hpp"
#include "store/group_commit.hpp"

namespace herald {

struct IntakeCounters {
    std::atomic<uint64_t> accepted{0};
    std::atomic<uint64_t> duplicates{0};
    std::atomic<uint64_t> invalid{0};
    std::atomic<uint64_t> unauthorized{0};
    std::atomic<uint64_t> unavailable{0};
    std::atomic<uint64_t> unrouted{0};
};

class IntakeHandler final : public HttpHandler {
 public:
    using ConfigSource = std::function<std::shared_ptr<const RuntimeConfig>()>;
    using Backlog = std::function<int64_t()>;

    IntakeHandler(ConfigSource config, GroupCommitter& committer, Backlog backlog, const Clock& clock);

    void handle(HttpRequestMessage request, Respond respond) override;
    const IntakeCounters& counters() const { return counters_; }

 private:
    void post_event(HttpRequestMessage request, Respond respond);

    ConfigSource config_;
    GroupCommitter& committer_;
    Backlog backlog_;
    const Clock& clock_;
    IntakeCounters counters_;
};

}  // namespace herald
