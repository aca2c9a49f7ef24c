// `herald serve`: loads the config, opens the store, and runs intake, the writer and the
// dispatcher until SIGTERM/SIGINT. SIGHUP reloads the config.
#pragma once

#include <optional>
#include <string>

namespace herald {

struct ServeOptions {
    std::string config_path;
    std::optional<std::string> plugin_dir;
    std::optional<std::string> port_file;  // written once listening: "intake=PORT\nadmin=PORT\n"
    int io_threads = 1;
    int64_t grace_ms = 10000;
};

// Runs a Server until it is told to stop; the exit status.
int serve(const ServeOptions& options);

}  // namespace herald
