// What a loaded configuration holds: host settings, and the channels, teams and
// subscriptions of the routing directory. Built by config_loader, read by the router.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostics.hpp"
#include "config/tenant_policy.hpp"
#include "event/deploy_event.hpp"
#include "message/message_spec.hpp"
#include "plugin_host/channel_instance.hpp"

namespace herald {

// Delivery behaviour of one channel: plugin defaults, then host overrides per channel type,
// then the channel's own overrides.
struct DeliveryPolicy {
    uint32_t max_retries = 5;
    uint32_t initial_backoff_ms = 1000;
    uint32_t max_backoff_ms = 60000;
    uint32_t give_up_after_ms = 0;
    double rate_per_second = 0;
    uint32_t burst = 1;
    std::string rate_limit_key;  // empty: the plugin's key, else the request URL
};

struct DeliveryOverrides {
    std::optional<uint32_t> max_retries, initial_backoff_ms, max_backoff_ms, give_up_after_ms, burst;
    std::optional<double> rate_per_second;
    std::optional<std::string> rate_limit_key;

    void apply_to(DeliveryPolicy& policy) const;
};

struct LabelMatch {
    std::string key;
    std::string pattern;  // glob
};

// Which events a channel or subscription wants.
struct EventFilter {
    std::set<DeployStatus> statuses;        // empty: every status
    std::vector<std::string> environments;  // globs; empty: every environment
    std::vector<LabelMatch> labels;         // all must match
    std::set<std::string> rollback;         // rollback.status values, "none" when absent; empty: any

    bool matches(const DeployEvent& event) const;
};

struct ChannelConfig {
    std::string team;  // owning team; "" for the fallback channel
    std::string name;
    std::string type;  // plugin name
    SourceMark at;
    EventFilter filter;
    DeliveryPolicy policy;
    std::string settings_json;               // resolved settings, as passed to the plugin
    std::vector<std::string> secret_values;  // resolved secrets, for masking output
    std::string destination_key;             // same key = same destination (deduplicated); holds secrets
    std::string destination_hash;            // SHA-256 of destination_key: stored and logged instead
    bool fallback = false;
    std::shared_ptr<const MessageSpec> message;  // customisation; nullptr: the plugin's default message
    std::unique_ptr<ChannelInstance> instance;

    std::string label() const { return team.empty() ? name : team + "/" + name; }
};

struct Subscription {
    std::string team;
    std::string name;
    SourceMark at;
    std::vector<std::string> services;  // globs; empty: every service
    EventFilter filter;
    ChannelConfig* channel = nullptr;
};

struct TeamConfig {
    std::string name;
    SourceMark at;
    std::vector<std::string> services;  // exact names and globs as written
    std::vector<ChannelConfig*> channels;
};

// Everything the routing directory (and the host's fallback) defines, as loaded. The routing
// stage indexes it into a RoutingTable. Channels are owned here; teams and subscriptions point
// at them.
struct RoutingConfig {
    std::vector<std::unique_ptr<ChannelConfig>> channels;
    std::vector<TeamConfig> teams;
    std::vector<Subscription> subscriptions;
    ChannelConfig* fallback = nullptr;

    ChannelConfig& add_channel(std::unique_ptr<ChannelConfig> channel);
    const TeamConfig* find_team(const std::string& name) const;
};

struct ListenerConfig {
    std::string address = "127.0.0.1";
    int port = 0;
};

enum class SourceAuth { hmac = 1, bearer, none };

// Where a CDEvents pipelineRun's news belongs: pipeline runs name no service themselves.
struct PipelineTarget {
    std::string service;
    std::string environment;
};

struct SourceConfig {
    std::string name;
    std::string kind = "herald";  // herald | github | gitlab | cdevents
    SourceAuth auth = SourceAuth::hmac;
    std::vector<std::string> secrets;  // several at once during key rotation
    int replay_window_s = 300;
    bool require_timestamp = false;  // refuse HMAC signatures without X-Herald-Timestamp
    // github/gitlab/cdevents: the sender's repository/project/service id -> Herald service name.
    std::map<std::string, std::string> services;
    // github: the Actions workflows that deploy, by workflow name -> environment.
    std::map<std::string, std::string> workflows;
    // gitlab: pipeline stages whose jobs deploy.
    std::vector<std::string> deploy_stages{"deploy"};
    // cdevents: pipelineName -> where its runs' outcomes go.
    std::map<std::string, PipelineTarget> pipelines;
    SourceMark at;
};

// The source kinds Herald reads, each with the settings it takes (config check refuses others).
inline constexpr std::string_view kSourceKinds[] = {"herald", "github", "gitlab", "cdevents"};

// Bounds on what the routing directory may make the host read: team files are written by many
// people, and a reload must stay cheap whatever they contain.
struct RoutingLimits {
    size_t max_file_bytes = 256 * 1024;
    size_t max_files = 500;
    size_t max_total_bytes = 8 * 1024 * 1024;
};

struct HostConfig {
    std::string file;
    ListenerConfig intake{"127.0.0.1", 8080};
    ListenerConfig admin{"127.0.0.1", 8081};
    std::string admin_token;
    bool admin_token_set = false;
    std::string storage_kind = "sqlite";  // sqlite or postgres
    std::string storage_path = "var/herald.db";
    std::string storage_url;  // postgres: the resolved connection URL (a secret)
    int lease_seconds = 10;   // postgres: a replica that stops renewing loses its lanes this long after
    int retention_days = 7;
    size_t max_body_bytes = 256 * 1024;
    size_t max_pending_jobs = 1'000'000;
    size_t max_connections = 1024;  // per listener; keep well under the file-descriptor limit
    std::vector<SourceConfig> sources;
    std::string plugin_dir;
    std::string routing_dir;
    std::map<std::string, DeliveryOverrides> delivery_by_type;
    TenantPolicy tenants;
    DestinationPolicy destinations;
    RoutingLimits routing_limits;
};

}  // namespace herald
