#include <iostream>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "plugins/plugin_registry.hpp"

namespace herald::cli {
namespace {

int list_plugins(const Args& args) {
    const auto registry = PluginRegistry::load_directory(args.required("dir"));
    for (const auto& p : registry.plugins()) {
        std::cout << p.name << "\t" << p.version << "\tABI " << p.abi_major << "." << p.abi_minor << "\t"
                  << p.file.filename().string() << "\n";
    }
    for (const auto& refusal : registry.refusals()) {
        std::cout << "refused: " << refusal.line() << "\n";
    }
    return registry.refusals().empty() ? 0 : 1;
}

}  // namespace

int plugin_command(const std::vector<std::string>& argv) {
    if (argv.empty()) throw UsageError("usage: herald plugin list --dir DIR");
    const std::string verb = argv.front();
    const std::vector<std::string> rest(argv.begin() + 1, argv.end());
    if (verb == "list") return list_plugins(Args(rest, {"dir"}, {}));
    throw UsageError("unknown plugin command '" + verb + "'");
}

}  // namespace herald::cli
