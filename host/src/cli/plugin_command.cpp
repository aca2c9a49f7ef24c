#include <herald/conformance.hpp>

#include <boost/json.hpp>
#include <iostream>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "plugin_host/plugin_registry.hpp"

namespace herald::cli {
namespace {

int list_plugins(const Args& args) {
    const auto registry = PluginRegistry::load_directory(args.required("dir"));
    if (args.flag("json")) {
        namespace json = boost::json;
        json::array plugins;
        for (const auto& p : registry.plugins()) {
            plugins.push_back({{"name", p.name},
                               {"version", p.version},
                               {"abi", std::to_string(p.abi_major) + "." + std::to_string(p.abi_minor)},
                               {"file", p.file.string()},
                               {"description", p.description}});
        }
        json::array refused;
        for (const auto& r : registry.refusals()) refused.push_back({{"file", r.file.string()}, {"reason", r.reason}});
        std::cout << json::serialize(json::object{{"plugins", std::move(plugins)}, {"refused", std::move(refused)}})
                  << "\n";
        return registry.refusals().empty() ? 0 : 1;
    }
    for (const auto& p : registry.plugins()) {
        std::cout << p.name << "\t" << p.version << "\tABI " << p.abi_major << "." << p.abi_minor << "\t"
                  << p.file.filename().string() << "\n";
    }
    for (const auto& refusal : registry.refusals()) {
        std::cout << "refused: " << refusal.line() << "\n";
    }
    return registry.refusals().empty() ? 0 : 1;
}

// Loads one plugin as the host would, then runs the conformance kit on it.
int check_plugin(const Args& args) {
    if (args.positional().size() != 1)
        throw UsageError("usage: herald plugin check FILE [--settings JSON] [--require POINTER]...");
    PluginRegistry registry;
    registry.load_file(args.positional().front());
    if (!registry.refusals().empty()) {
        std::cout << "refused: " << registry.refusals().front().line() << "\n";
        return 1;
    }
    const LoadedPlugin& plugin = registry.plugins().front();
    conformance::Options options;
    options.settings_json = args.option("settings").value_or("");
    options.required_body_fields = args.options("require");
    const auto report = conformance::run(plugin.descriptor, options);
    std::cout << plugin.name << " " << plugin.version << ": " << report.text();
    return report.passed() ? 0 : 1;
}

}  // namespace

int plugin_command(const std::vector<std::string>& argv) {
    if (argv.empty()) throw UsageError("usage: herald plugin list|check ...");
    const std::string verb = argv.front();
    const std::vector<std::string> rest(argv.begin() + 1, argv.end());
    if (verb == "list") return list_plugins(Args(rest, {"dir"}, {"json"}));
    if (verb == "check") return check_plugin(Args(rest, {"settings", "require"}, {}));
    throw UsageError("unknown plugin command '" + verb + "'");
}

}  // namespace herald::cli
