#include "cli/config_target.hpp"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "config/config_reading.hpp"
#include "plugin_host/plugin_dirs.hpp"

namespace herald::cli {
namespace {

// A host config has a `routing` key at the top; a team file has `team`.
bool looks_like_host_config(const std::filesystem::path& path) {
    Diagnostics ignored;
    const YAML::Node root = load_yaml_file(path, ignored);
    return child(root, "routing").IsDefined() || child(root, "listeners").IsDefined();
}

}  // namespace

std::unique_ptr<ConfigTarget> load_target(const std::filesystem::path& path,
                                          const std::optional<std::string>& plugin_dir_option,
                                          const LoadOptions& options, Diagnostics& d) {
    auto target = std::make_unique<ConfigTarget>();
    std::error_code ec;
    // A config directory (config/) holds the host config: check that, not herald.yaml as a team.
    const std::filesystem::path host_in_dir = path / "herald.yaml";
    const std::filesystem::path host_file =
        std::filesystem::is_directory(path, ec) && std::filesystem::is_regular_file(host_in_dir, ec) ? host_in_dir
                                                                                                     : path;
    if (std::filesystem::is_regular_file(host_file, ec) && looks_like_host_config(host_file)) {
        target->host = load_host_config(host_file, options, d);
        target->routing_path = target->host->routing_dir;
        if (!target->host->plugin_dir.empty()) target->plugin_dir = target->host->plugin_dir;
    } else {
        target->routing_path = path;
    }
    if (plugin_dir_option) target->plugin_dir = *plugin_dir_option;
    if (target->plugin_dir.empty()) target->plugin_dir = default_plugin_dir();

    target->plugins = PluginRegistry::load_directory(target->plugin_dir);
    for (const auto& refusal : target->plugins.refusals()) {
        d.warning({refusal.file.string(), 0, 0}, "plugin refused: " + refusal.reason);
    }
    if (target->plugins.plugins().empty()) {
        d.error({target->plugin_dir.string(), 0, 0}, "no channel plugins loaded from this directory (--plugins DIR)");
    }
    if (!target->routing_path.empty()) {
        target->routing =
            load_routing(target->routing_path, target->host ? &*target->host : nullptr, target->plugins, options, d);
    }
    return target;
}

}  // namespace herald::cli
