#include "metrics/herald_metrics.hpp"

namespace herald {

HeraldMetrics::HeraldMetrics() {
    registry_.counter("herald_events_received_total", "Deploy events received, by source and result.");
    registry_.counter("herald_events_unrouted_total",
                      "Accepted events no team owns, by where they went (fallback or none).");
    registry_.counter("herald_deliveries_total",
                      "Finished deliveries by channel type and outcome: delivered (confirmed by the channel), "
                      "accepted (taken but not confirmed), dead, skipped.");
    registry_.histogram("herald_delivery_latency_seconds",
                        "Time from acceptance of the event to the channel's answer, by channel type and whether the "
                        "channel confirmed the message.",
                        {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300});
    registry_.counter("herald_delivery_retries_total", "Delivery attempts that will be retried, by channel type.");
    registry_.counter("herald_message_template_fallbacks_total",
                      "Deliveries whose channel message template failed, so the default message was sent, by team "
                      "and channel.");
    registry_.counter("herald_config_reloads_total", "Configuration reloads, by result.");
}

}  // namespace herald
