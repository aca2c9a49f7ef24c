// Resolves what a config command was pointed at: a host config file (which names its routing
// directory and plugin directory), a routing directory, or a single team file.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "routing/routing_loader.hpp"

namespace herald::cli {

struct ConfigTarget {
    std::optional<HostConfig> host;  // set when PATH was a host config file
    std::filesystem::path routing_path;
    std::filesystem::path plugin_dir;
    PluginRegistry plugins;
    RoutingTable routing;
};

// Loads everything `path` needs. `plugin_dir_option` overrides the plugin directory.
std::unique_ptr<ConfigTarget> load_target(const std::filesystem::path& path,
                                          const std::optional<std::string>& plugin_dir_option,
                                          const LoadOptions& options, Diagnostics& diagnostics);

}  // namespace herald::cli
