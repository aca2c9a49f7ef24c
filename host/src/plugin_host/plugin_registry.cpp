#include "plugin_host/plugin_registry.hpp"

#include "plugin_host/raw_enum.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <boost/dll/shared_library.hpp>
#include <cstddef>
#include <cstring>
#include <mutex>

namespace herald {
namespace {

constexpr size_t end_of(size_t offset, size_t size) { return offset + size; }

// The smallest descriptor ABI 1.0 accepts: everything up to and including `release`.
constexpr size_t kMinDescriptorSize =
    end_of(offsetof(herald_plugin_descriptor, release), sizeof(herald_plugin_descriptor::release));
constexpr size_t kAbiHeaderSize =
    end_of(offsetof(herald_plugin_descriptor, abi_minor), sizeof(herald_plugin_descriptor::abi_minor));
constexpr size_t kMinSettingSize = end_of(offsetof(herald_setting_desc, help), sizeof(herald_setting_desc::help));
constexpr size_t kMinDefaultsSize =
    end_of(offsetof(herald_delivery_defaults, max_body_bytes), sizeof(herald_delivery_defaults::max_body_bytes));

// Copies min(their size, our size) bytes into a zero-filled host struct (OBS-style).
template <typename T>
T copy_sized(const T* source) {
    T copy;
    std::memset(&copy, 0, sizeof copy);
    const size_t n = std::min<size_t>(source->struct_size, sizeof(T));
    std::memcpy(&copy, source, n);
    return copy;
}

bool valid_name(std::string_view name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

// Libraries stay loaded until the process exits: plugin code may still be referenced by
// instances, and unloading is a source of crashes for no gain.
void keep_loaded(boost::dll::shared_library library) {
    static std::mutex mutex;
    static auto* libraries = new std::vector<boost::dll::shared_library>;
    std::lock_guard lock(mutex);
    libraries->push_back(std::move(library));
}

std::string check_settings(const herald_plugin_descriptor& d, LoadedPlugin& out) {
    if (d.setting_count > 0 && d.settings == nullptr) return "descriptor lists settings but the table is NULL";
    for (size_t i = 0; i < d.setting_count; ++i) {
        const herald_setting_desc* s = d.settings[i];
        const std::string where = "setting " + std::to_string(i);
        if (s == nullptr) return where + " is NULL";
        if (s->struct_size < kMinSettingSize) {
            return where + " struct_size " + std::to_string(s->struct_size) + " is smaller than ABI 1.0's " +
                   std::to_string(kMinSettingSize);
        }
        herald_setting_desc copy = copy_sized(s);
        if (copy.name == nullptr || !valid_name(copy.name)) return where + " has an empty or invalid name";
        if (const long long type = raw_enum(copy.type);
            type < HERALD_SETTING_STRING || type > HERALD_SETTING_STRING_MAP) {
            return "setting '" + std::string(copy.name) + "' has unknown type " + std::to_string(type);
        }
        for (const auto& earlier : out.settings) {
            if (std::strcmp(earlier.name, copy.name) == 0) {
                return "setting '" + std::string(copy.name) + "' is declared twice";
            }
        }
        out.settings.push_back(copy);
    }
    return {};
}

}  // namespace

const herald_setting_desc* LoadedPlugin::find_setting(std::string_view setting_name) const {
    for (const auto& s : settings) {
        if (setting_name == s.name) return &s;
    }
    return nullptr;
}

std::string check_descriptor(const herald_plugin_descriptor* descriptor, LoadedPlugin& out) {
    if (descriptor == nullptr) return "entry symbol returned no descriptor";
    if (descriptor->struct_size < kAbiHeaderSize) {
        return "descriptor struct_size " + std::to_string(descriptor->struct_size) + " is too small to hold a version";
    }
    if (descriptor->abi_major != HERALD_PLUGIN_ABI_MAJOR) {
        return "plugin ABI major " + std::to_string(descriptor->abi_major) + ", this host speaks ABI " +
               std::to_string(HERALD_PLUGIN_ABI_MAJOR);
    }
    if (descriptor->struct_size < kMinDescriptorSize) {
        return "descriptor struct_size " + std::to_string(descriptor->struct_size) + " is smaller than ABI 1.0's " +
               std::to_string(kMinDescriptorSize);
    }
    const herald_plugin_descriptor d = copy_sized(descriptor);
    if (d.name == nullptr || d.name[0] == '\0') return "plugin has an empty name";
    if (!valid_name(d.name)) return "plugin name '" + std::string(d.name) + "' is not [a-z0-9_-]+";
    const std::pair<const char*, bool> functions[] = {
        {"create", d.create != nullptr},     {"destroy", d.destroy != nullptr}, {"render", d.render != nullptr},
        {"classify", d.classify != nullptr}, {"release", d.release != nullptr},
    };
    for (const auto& [name, present] : functions) {
        if (!present) return "descriptor is missing function '" + std::string(name) + "'";
    }
    if (d.delivery_defaults == nullptr) return "descriptor has no delivery defaults";
    if (d.delivery_defaults->struct_size < kMinDefaultsSize) {
        return "delivery defaults struct_size " + std::to_string(d.delivery_defaults->struct_size) +
               " is smaller than ABI 1.0's " + std::to_string(kMinDefaultsSize);
    }
    if (std::string reason = check_settings(d, out); !reason.empty()) return reason;

    out.name = d.name;
    out.version = d.version != nullptr ? d.version : "";
    out.description = d.description != nullptr ? d.description : "";
    out.abi_major = d.abi_major;
    out.abi_minor = d.abi_minor;
    out.descriptor = d;
    out.delivery_defaults = copy_sized(d.delivery_defaults);
    return {};
}

void PluginRegistry::load_file(const std::filesystem::path& file) {
    auto refuse = [&](std::string reason) { refusals_.push_back({file, std::move(reason)}); };

    boost::dll::fs::error_code ec;
    boost::dll::shared_library library(file, boost::dll::load_mode::rtld_local | boost::dll::load_mode::rtld_now, ec);
    if (ec || !library.is_loaded()) {
        const char* detail = dlerror();
        refuse("cannot load: " + (detail != nullptr ? std::string(detail) : ec.message()));
        return;
    }
    if (!library.has(HERALD_PLUGIN_ENTRY_SYMBOL)) {
        refuse("missing entry symbol '" HERALD_PLUGIN_ENTRY_SYMBOL "'");
        return;
    }
    auto entry = library.get<const herald_plugin_descriptor*()>(HERALD_PLUGIN_ENTRY_SYMBOL);

    LoadedPlugin plugin;
    plugin.file = file;
    if (std::string reason = check_descriptor(entry(), plugin); !reason.empty()) {
        refuse(std::move(reason));
        return;
    }
    if (const LoadedPlugin* existing = find(plugin.name)) {
        refuse("duplicate plugin name '" + plugin.name + "' (already loaded from " + existing->file.string() + ")");
        return;
    }
    keep_loaded(std::move(library));
    plugins_.push_back(std::move(plugin));
}

PluginRegistry PluginRegistry::load_directory(const std::filesystem::path& dir) {
    PluginRegistry registry;
    std::error_code ec;
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        if (entry.path().extension() == ".so" && !entry.is_directory()) files.push_back(entry.path());
    }
    if (ec) {
        registry.refusals_.push_back({dir, "cannot read plugin directory: " + ec.message()});
        return registry;
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) registry.load_file(file);
    return registry;
}

const LoadedPlugin* PluginRegistry::find(std::string_view name) const {
    for (const auto& p : plugins_) {
        if (p.name == name) return &p;
    }
    return nullptr;
}

}  // namespace herald
