// The metric families Herald exports, with typed recording helpers.
#pragma once

#include <string>

#include "metrics/deploy_health.hpp"
#include "metrics/metrics.hpp"

namespace herald {

class HeraldMetrics {
 public:
    HeraldMetrics();

    MetricsRegistry& registry() { return registry_; }
    DeployHealth& deploys() { return deploy_health_; }
    std::string render() const { return registry_.render(); }

    // result: accepted, duplicate, ignored, invalid, unauthorized, unavailable
    void event_received(const std::string& source, const std::string& result) {
        registry_.add("herald_events_received_total", {{"source", source}, {"result", result}});
    }
    void event_unrouted(const std::string& destination) {
        registry_.add("herald_events_unrouted_total", {{"destination", destination}});
    }
    // outcome: delivered (confirmed), accepted (unconfirmed), dead, skipped
    void delivery(const std::string& channel_type, const std::string& outcome) {
        registry_.add("herald_deliveries_total", {{"channel_type", channel_type}, {"outcome", outcome}});
    }
    void delivery_latency(const std::string& channel_type, bool confirmed, double seconds) {
        registry_.observe("herald_delivery_latency_seconds",
                          {{"channel_type", channel_type}, {"confirmation", confirmed ? "confirmed" : "unconfirmed"}},
                          seconds);
    }
    void retry(const std::string& channel_type) {
        registry_.add("herald_delivery_retries_total", {{"channel_type", channel_type}});
    }
    // A channel's message template failed for an event, which got the default message instead.
    void template_fallback(const std::string& team, const std::string& channel) {
        registry_.add("herald_message_template_fallbacks_total", {{"team", team}, {"channel", channel}});
    }
    void reload(bool ok) { registry_.add("herald_config_reloads_total", {{"result", ok ? "success" : "failure"}}); }

 private:
    MetricsRegistry registry_;
    DeployHealth deploy_health_{registry_};  // after registry_: its gauge reads this object
};

}  // namespace herald
