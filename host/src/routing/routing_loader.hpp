// The routing directory, loaded and indexed: what serving, `config check` and `route test` use.
#pragma once

#include "config/config_loader.hpp"
#include "routing/routing_table.hpp"

namespace herald {

// load_routing_config, then a RoutingTable over it (findings go to `diagnostics`).
inline RoutingTable load_routing(const std::filesystem::path& routing_path, const HostConfig* host,
                                 const PluginRegistry& plugins, const LoadOptions& options, Diagnostics& diagnostics) {
    return RoutingTable(load_routing_config(routing_path, host, plugins, options, diagnostics));
}

}  // namespace herald
