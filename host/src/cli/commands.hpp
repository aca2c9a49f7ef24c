// The `herald` subcommands. Each takes the arguments after its name and returns an exit status.
#pragma once

#include <string>
#include <vector>

namespace herald::cli {

int plugin_command(const std::vector<std::string>& args);
int config_command(const std::vector<std::string>& args);
int route_command(const std::vector<std::string>& args);
int serve_command(const std::vector<std::string>& args);
int post_command(const std::vector<std::string>& args);
int emit_command(const std::vector<std::string>& args);
int events_command(const std::vector<std::string>& args);
int dlq_command(const std::vector<std::string>& args);
int reload_command(const std::vector<std::string>& args);

}  // namespace herald::cli
