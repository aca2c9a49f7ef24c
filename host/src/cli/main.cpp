#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include <herald/plugin.h>

#include "common/log.hpp"

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "version.hpp"

namespace {

constexpr const char* kUsage = R"(usage: herald <command> [options]

commands:
  serve [--config FILE] [--plugins DIR] [--port-file FILE] [--io-threads N] [--grace-ms MS]
                            accept events and deliver them (default config: config/herald.yaml)
  post --url URL --secret-env NAME FILE...
                            send event files, HMAC-signed with a timestamp (--no-timestamp
                            to leave it out; --token-env NAME for bearer)
  events show ID            an event, its destinations and every delivery attempt
  dlq list [--team T] [--channel C] [--since WHEN] [--limit N] [--after JOB]
  dlq show JOB | dlq replay JOB | dlq replay --all [filters] [--dry-run] | dlq drop JOB
        WHEN: a duration back from now (90s, 15m, 1h, 2d, 1w), RFC 3339, or unix ms
  reload                    reload the config (a bad one is refused, the old one keeps serving)
        admin commands take --admin URL (default http://127.0.0.1:8081), --token-env NAME
        (default HERALD_ADMIN_TOKEN) and --json
  plugin list --dir DIR     load every plugin in DIR; list them and any refusals
  plugin check FILE         run the conformance kit on one built plugin
        [--settings JSON] [--require JSON-POINTER]...
  config check PATH         validate a host config file, a routing directory or a team file
        [--plugins DIR] [--resolve-secrets] [--allow-literal-secrets] [--services FILE]
  route test --config PATH --event FILE [--render] [--plugins DIR]
                            show where one event goes (and, with --render, what is sent)
  --version                 print the version and plugin ABI

Options for every command: --log-format text|json (logs go to standard error).
Exit status: 0 success, 1 findings or refusals, 2 usage error.
)";

}  // namespace

int main(int argc, char** argv) {
    // Logs go to standard error; standard output carries command results.
    // --log-format applies to every command, so it is taken out before the command sees its arguments.
    std::vector<std::string> args;
    auto format = herald::log::Format::text;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        std::string value;
        if (arg == "--log-format" && i + 1 < argc) {
            value = argv[++i];
        } else if (arg.rfind("--log-format=", 0) == 0) {
            value = arg.substr(13);
        } else {
            args.push_back(arg);
            continue;
        }
        if (value != "text" && value != "json") {
            std::cerr << "herald: --log-format must be text or json\n";
            return 2;
        }
        format = value == "json" ? herald::log::Format::json : herald::log::Format::text;
    }
    herald::log::init(format);
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        std::cout << kUsage;
        return args.empty() ? 2 : 0;
    }
    const std::string command = args[0];
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    try {
        if (command == "--version" || command == "version") {
            std::cout << "herald " << herald::kVersion << " (plugin ABI " << HERALD_PLUGIN_ABI_MAJOR << "."
                      << HERALD_PLUGIN_ABI_MINOR << ")\n";
            return 0;
        }
        if (command == "plugin") return herald::cli::plugin_command(rest);
        if (command == "config") return herald::cli::config_command(rest);
        if (command == "route") return herald::cli::route_command(rest);
        if (command == "serve") return herald::cli::serve_command(rest);
        if (command == "post") return herald::cli::post_command(rest);
        if (command == "events") return herald::cli::events_command(rest);
        if (command == "dlq") return herald::cli::dlq_command(rest);
        if (command == "reload") return herald::cli::reload_command(rest);
        throw herald::cli::UsageError("unknown command '" + command + "'");
    } catch (const herald::cli::UsageError& e) {
        std::cerr << "herald: " << e.what() << "\n" << kUsage;
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "herald: " << e.what() << "\n";
        return 1;
    }
}
