// Loads the real plugins from build/plugins once, for the plugin tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <variant>

#include "plugin_host/channel_instance.hpp"
#include "plugin_host/plugin_registry.hpp"

namespace herald::test {

inline const PluginRegistry& real_plugins() {
    static const PluginRegistry registry = PluginRegistry::load_directory(HERALD_PLUGIN_DIR);
    return registry;
}

inline std::unique_ptr<ChannelInstance> make_channel(const std::string& plugin, const std::string& settings) {
    const LoadedPlugin* loaded = real_plugins().find(plugin);
    if (loaded == nullptr) {
        ADD_FAILURE() << "plugin " << plugin << " not found in " << HERALD_PLUGIN_DIR;
        return nullptr;
    }
    auto created = ChannelInstance::create(*loaded, settings);
    if (auto* error = std::get_if<std::string>(&created)) {
        ADD_FAILURE() << plugin << ": " << *error;
        return nullptr;
    }
    return std::move(std::get<std::unique_ptr<ChannelInstance>>(created));
}

}  // namespace herald::test
