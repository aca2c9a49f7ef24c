#include <boost/json.hpp>
#include <fstream>
#include <iostream>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/config_target.hpp"

namespace herald::cli {
namespace {

std::vector<std::string> read_lines(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw UsageError("cannot read --services file " + path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        if (!line.empty() && line[0] != '#') lines.push_back(line);
    }
    return lines;
}

int check(const Args& args) {
    if (args.positional().size() != 1) {
        throw UsageError(
            "usage: herald config check PATH [--plugins DIR] [--resolve-secrets] [--allow-literal-secrets] "
            "[--services FILE]");
    }
    LoadOptions options;
    options.secrets = args.flag("resolve-secrets") ? SecretMode::resolve : SecretMode::placeholder;
    options.allow_literal_secrets = args.flag("allow-literal-secrets");
    if (auto services = args.option("services")) options.known_services = read_lines(*services);

    Diagnostics d;
    const auto target = load_target(args.positional().front(), args.option("plugins"), options, d);
    const size_t errors = d.error_count();
    const size_t warnings = d.findings().size() - errors;
    if (args.flag("json")) {
        namespace json = boost::json;
        json::array findings;
        for (const auto& f : d.sorted()) {
            findings.push_back({{"file", f.at.file},
                                {"line", f.at.line},
                                {"column", f.at.column},
                                {"severity", f.severity == Severity::error ? "error" : "warning"},
                                {"message", f.message}});
        }
        std::cout << json::serialize(json::object{{"findings", std::move(findings)},
                                                  {"errors", errors},
                                                  {"warnings", warnings},
                                                  {"teams", target->routing.teams().size()},
                                                  {"channels", target->routing.channels().size()},
                                                  {"subscriptions", target->routing.subscriptions().size()},
                                                  {"secrets_resolved", options.secrets == SecretMode::resolve}})
                  << "\n";
        return errors == 0 ? 0 : 1;
    }
    for (const auto& finding : d.sorted()) std::cout << finding.text() << "\n";
    // The summary is part of the result: on standard output, on its own line after the findings.
    std::cout << "config check: " << errors << (errors == 1 ? " error, " : " errors, ") << warnings
              << (warnings == 1 ? " warning" : " warnings") << " (" << target->routing.teams().size() << " teams, "
              << target->routing.channels().size() << " channels, " << target->routing.subscriptions().size()
              << " subscriptions; secrets " << (options.secrets == SecretMode::resolve ? "resolved" : "not resolved")
              << ")\n";
    return errors == 0 ? 0 : 1;
}

}  // namespace

int config_command(const std::vector<std::string>& argv) {
    if (argv.empty() || argv.front() != "check") throw UsageError("usage: herald config check PATH");
    const std::vector<std::string> rest(argv.begin() + 1, argv.end());
    return check(Args(rest, {"plugins", "services"}, {"resolve-secrets", "allow-literal-secrets", "json"}));
}

}  // namespace herald::cli
