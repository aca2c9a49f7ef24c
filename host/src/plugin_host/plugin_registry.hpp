// Loads channel plugins from a directory and keeps them loaded for the life of the process.
#pragma once

#include <herald/plugin.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace herald {

struct LoadedPlugin {
    std::filesystem::path file;
    std::string name;
    std::string version;
    std::string description;
    uint16_t abi_major = 0;
    uint16_t abi_minor = 0;
    // Host copies, zero-filled past what the plugin's struct_size covered.
    herald_plugin_descriptor descriptor{};
    herald_delivery_defaults delivery_defaults{};
    std::vector<herald_setting_desc> settings;

    const herald_setting_desc* find_setting(std::string_view name) const;
};

struct PluginRefusal {
    std::filesystem::path file;
    std::string reason;

    std::string line() const { return file.string() + ": " + reason; }
};

class PluginRegistry {
 public:
    // Loads every *.so in `dir` (sorted by name, so duplicates are resolved predictably).
    static PluginRegistry load_directory(const std::filesystem::path& dir);

    // Loads one file; a refusal is recorded, never thrown.
    void load_file(const std::filesystem::path& file);

    const LoadedPlugin* find(std::string_view name) const;
    const std::vector<LoadedPlugin>& plugins() const { return plugins_; }
    const std::vector<PluginRefusal>& refusals() const { return refusals_; }

 private:
    std::vector<LoadedPlugin> plugins_;
    std::vector<PluginRefusal> refusals_;
};

// Checks a descriptor as the loader does; returns an empty string when it is acceptable and
// fills `out` with the host's copy.
std::string check_descriptor(const herald_plugin_descriptor* descriptor, LoadedPlugin& out);

}  // namespace herald
