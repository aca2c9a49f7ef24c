// Fuzzes the team file reader: what any team can put in a pull request. The input is written as
// the routing directory's only team file and loaded with the real plugins.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>

#include "routing/routing_loader.hpp"

namespace {

const std::filesystem::path& routing_dir() {
    static const std::filesystem::path dir = [] {
        std::string pattern = (std::filesystem::temp_directory_path() / "herald-fuzz-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) __builtin_trap();
        return std::filesystem::path(pattern);
    }();
    return dir;
}

const herald::PluginRegistry& plugins() {
    static const auto registry = herald::PluginRegistry::load_directory(HERALD_PLUGIN_DIR);
    return registry;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::ofstream(routing_dir() / "team.yaml", std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    herald::LoadOptions options;
    options.secrets = herald::SecretMode::placeholder;
    herald::Diagnostics findings;
    herald::load_routing(routing_dir(), nullptr, plugins(), options, findings);
    if (findings.findings().size() > herald::Diagnostics::kMaxPerFile + 2) __builtin_trap();
    return 0;
}
