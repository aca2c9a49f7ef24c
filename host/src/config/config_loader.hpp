// Loads and validates configuration: the host config file and the routing directory (one YAML
// file per team). Every problem is a Finding with file:line:column; nothing throws.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/secret_masking.hpp"
#include "config/config_model.hpp"
#include "config/diagnostics.hpp"
#include "plugin_host/plugin_registry.hpp"

namespace herald {

enum class SecretMode {
    resolve = 1,  // a reference that cannot be resolved is an error (serving)
    lenient,      // resolve what can be; placeholders for the rest (route test)
    placeholder,  // never read secrets (config check in a repo without them)
};

struct LoadOptions {
    SecretMode secrets = SecretMode::resolve;
    bool allow_literal_secrets = false;
    // Service names known to exist; when given, globs matching none of them are reported.
    std::optional<std::vector<std::string>> known_services;
};

inline constexpr int kConfigVersion = 1;

// Parses the host config file. Relative paths in it are made absolute against its folder.
HostConfig load_host_config(const std::filesystem::path& file, const LoadOptions& options, Diagnostics& diagnostics);

// Loads every *.yaml / *.yml file of `routing_path` (a directory, or a single team file),
// creating one plugin instance per channel. `host`, when given, supplies delivery overrides
// and the fallback channel (read from its file's routing.fallback).
RoutingConfig load_routing_config(const std::filesystem::path& routing_path, const HostConfig* host,
                                  const PluginRegistry& plugins, const LoadOptions& options, Diagnostics& diagnostics);

}  // namespace herald
