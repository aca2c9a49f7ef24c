// POST /v1/events, POST /v1/sources/{name} and the plain endpoints of the intake listener. An event is answered 202
// only once the group committer has made it durable.
#pragma once

#include <atomic>
#include <functional>
#include <memory>

#include "common/clock.hpp"
#include "http/http_server.hpp"
#include "metrics/herald_metrics.hpp"
#include "routing/runtime_config.hpp"
#include "store/group_commit.hpp"

namespace herald {

// Why the host is not ready, or empty when it is.
using ReadinessCheck = std::function<std::string()>;

class IntakeHandler final : public HttpHandler {
 public:
    using ConfigSource = std::function<std::shared_ptr<const RuntimeConfig>()>;
    using Backlog = std::function<int64_t()>;

    IntakeHandler(ConfigSource config, GroupCommitter& committer, Backlog backlog, const Clock& clock,
                  HeraldMetrics& metrics, ReadinessCheck readiness);

    void handle(HttpRequestMessage request, Respond respond) override;
    // How many connections the intake listener holds: with one, its client is alone, and its
    // events may be committed without a hand-off to the writer (GroupCommitter::Submitter).
    void count_connections_with(std::function<size_t()> open_connections) {
        open_connections_ = std::move(open_connections);
    }

 private:
    void post_event(HttpRequestMessage request, Respond respond);
    // POST /v1/sources/{name}: a CI system's own webhook, mapped to a Herald event.
    void post_to_source(const std::string& name, HttpRequestMessage request, Respond respond);
    // Validates, routes and stores one Herald event; answers 202/200/400/503.
    void accept_event(const RuntimeConfig& config, const SourceConfig& source, std::string_view body, Respond respond);

    ConfigSource config_;
    GroupCommitter& committer_;
    Backlog backlog_;
    const Clock& clock_;
    HeraldMetrics& metrics_;
    ReadinessCheck readiness_;
    std::function<size_t()> open_connections_;
};

}  // namespace herald
