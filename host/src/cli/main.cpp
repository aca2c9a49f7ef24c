#include <algorithm>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include <herald/plugin.h>

#include "common/log.hpp"

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/usage.hpp"
#include "version.hpp"

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
    if (args.empty()) {
        std::cerr << herald::cli::overall_usage();
        return 2;
    }
    if (args[0] == "--help" || args[0] == "-h" || (args[0] == "help" && args.size() == 1)) {
        std::cout << herald::cli::overall_usage();
        return 0;
    }
    // `herald help COMMAND` and `herald COMMAND ... --help`: that command's usage, exit 0. --help
    // is never taken as an argument (an event id, a file).
    const bool help_requested =
        args[0] == "help" ||
        std::any_of(args.begin() + 1, args.end(), [](const std::string& a) { return a == "--help" || a == "-h"; });
    if (help_requested) {
        const std::string& named = args[0] == "help" ? args[1] : args[0];
        if (auto text = herald::cli::command_usage(named)) {
            std::cout << *text;
            return 0;
        }
        std::cerr << "herald: unknown command '" << named << "'\n" << herald::cli::overall_usage();
        return 2;
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
        if (command == "emit") return herald::cli::emit_command(rest);
        if (command == "events") return herald::cli::events_command(rest);
        if (command == "dlq") return herald::cli::dlq_command(rest);
        if (command == "reload") return herald::cli::reload_command(rest);
        throw herald::cli::UsageError("unknown command '" + command + "'");
    } catch (const herald::cli::UsageError& e) {
        std::cerr << "herald: " << e.what() << "\n";
        if (auto text = herald::cli::command_usage(command)) std::cerr << *text;
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "herald: " << e.what() << "\n";
        return 1;
    }
}
