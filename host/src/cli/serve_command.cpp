#include <spdlog/spdlog.h>

#include <filesystem>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "serve/server.hpp"

namespace herald::cli {
namespace {

// Without --config: the installed location first, then a checkout's example; says which.
std::string default_config_path() {
    std::error_code ec;
    for (const char* candidate : {"/etc/herald/herald.yaml", "config/herald.yaml"}) {
        if (std::filesystem::is_regular_file(candidate, ec)) {
            spdlog::info("serve: no --config given; using {}", candidate);
            return candidate;
        }
    }
    throw UsageError("no --config given, and neither /etc/herald/herald.yaml nor config/herald.yaml exists");
}

}  // namespace

int serve_command(const std::vector<std::string>& argv) {
    const Args args(argv, {"config", "plugins", "port-file", "io-threads", "grace-ms"}, {});
    ServeOptions options;
    const auto config = args.option("config");
    options.config_path = config ? *config : default_config_path();  // not value_or: it would always search
    options.plugin_dir = args.option("plugins");
    options.port_file = args.option("port-file");
    if (auto n = args.option("io-threads")) options.io_threads = std::max(1, std::stoi(*n));
    if (auto g = args.option("grace-ms")) options.grace_ms = std::stoll(*g);
    return serve(options);
}

}  // namespace herald::cli
