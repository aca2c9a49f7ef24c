#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "serve/server.hpp"

namespace herald::cli {

int serve_command(const std::vector<std::string>& argv) {
    const Args args(argv, {"config", "plugins", "port-file", "io-threads", "grace-ms"}, {});
    ServeOptions options;
    options.config_path = args.option("config").value_or("config/herald.yaml");
    options.plugin_dir = args.option("plugins");
    options.port_file = args.option("port-file");
    if (auto n = args.option("io-threads")) options.io_threads = std::max(1, std::stoi(*n));
    if (auto g = args.option("grace-ms")) options.grace_ms = std::stoll(*g);
    return serve(options);
}

}  // namespace herald::cli
