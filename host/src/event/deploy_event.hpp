// The deploy event (the contract: docs/events.md, docs/event.schema.json): parsed, validated, and kept whole
// for plugins.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herald {

enum class DeployStatus { started = 1, succeeded, failed, cancelled };

std::string_view to_string(DeployStatus status);
std::optional<DeployStatus> parse_deploy_status(std::string_view text);

struct FieldError {
    std::string field;  // dotted path, e.g. "commit.sha"; empty for the body as a whole
    std::string rule;   // e.g. `required when status is "failed"`

    std::string message() const { return field.empty() ? rule : field + ": " + rule; }
    bool operator==(const FieldError&) const = default;
};

struct DeployEvent {
    std::string id;
    std::string deployment_id;  // given, or service/environment/pipeline.run_id
    std::string service;
    std::string environment;
    DeployStatus status = DeployStatus::started;
    std::string version;
    std::string team;             // empty: ownership comes from config
    std::string rollback_status;  // rollback.status, or empty
    std::map<std::string, std::string> labels;
    int64_t started_at_ms = 0;   // 0 when the event gives no started_at
    int64_t finished_at_ms = 0;  // 0 when the event gives no finished_at
    // The whole event as normalised JSON (deployment_id filled in, unknown fields kept).
    std::string json;
};

struct EventLimits {
    size_t max_field_chars = 1024;      // ids, names, versions, urls
    size_t max_text_chars = 64 * 1024;  // commit.message, failure.reason
    size_t max_labels = 64;
    size_t max_label_key_chars = 63;
    size_t max_label_value_chars = 256;
    size_t max_id_chars = 256;
};

struct ParsedEvent {
    std::optional<DeployEvent> event;  // set when errors is empty
    std::vector<FieldError> errors;
};

// Parses and validates one event body. Every rule that fails is reported, not only the first.
ParsedEvent parse_deploy_event(std::string_view body, const EventLimits& limits = {});

}  // namespace herald
