// Turns a channel's YAML `settings` into the JSON object its plugin receives, checking each
// setting against what the plugin declares and resolving secret references.
#pragma once

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <string>
#include <vector>

#include "config/config_loader.hpp"
#include "config/tenant_policy.hpp"

namespace herald {

struct ChannelSettings {
    std::string json;
    std::vector<std::string> secret_values;         // resolved or placeholder, for masking
    std::vector<std::string> placeholder_settings;  // settings given placeholder values
    bool ok = true;
};

// Whose settings are being read: a team (bound by the tenant policy) or the host config itself
// (team empty: the fallback channel and host-level secrets).
struct SettingsScope {
    std::string team;
    const TenantPolicy* tenants = nullptr;
    const DestinationPolicy* destinations = nullptr;
};

ChannelSettings read_channel_settings(const YAML::Node& settings, const SourceMark& channel_mark,
                                      const std::string& file, const LoadedPlugin& plugin,
                                      const std::filesystem::path& base_dir, const LoadOptions& options,
                                      const SettingsScope& scope, Diagnostics& diagnostics);

// Reads a value that may be a ${env:..}/${file:..} reference. `secret` values must be one.
// Returns nullopt (with a finding) when it cannot be used.
struct ResolvedValue {
    std::string value;
    bool from_reference = false;
    bool placeholder = false;
};
// References are allowed only where `secret` is true; with a team scope, only those its tenant
// policy grants.
std::optional<ResolvedValue> resolve_value(const std::string& text, bool secret, const SourceMark& at,
                                           const std::string& what, const std::filesystem::path& base_dir,
                                           const LoadOptions& options, Diagnostics& diagnostics,
                                           const SettingsScope* scope = nullptr);

}  // namespace herald
