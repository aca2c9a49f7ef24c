#include "cli/args.hpp"

namespace herald::cli {

Args::Args(std::vector<std::string> argv, std::set<std::string> options, std::set<std::string> flags) {
    for (size_t i = 0; i < argv.size(); ++i) {
        const std::string& arg = argv[i];
        if (arg.rfind("--", 0) != 0 || arg == "--") {
            positional_.push_back(arg);
            continue;
        }
        std::string name = arg.substr(2);
        std::optional<std::string> inline_value;
        if (auto eq = name.find('='); eq != std::string::npos) {
            inline_value = name.substr(eq + 1);
            name.resize(eq);
        }
        if (flags.count(name) != 0) {
            if (inline_value) throw UsageError("--" + name + " takes no value");
            flags_set_.insert(name);
        } else if (options.count(name) != 0) {
            if (inline_value) {
                values_.emplace_back(name, *inline_value);
            } else if (i + 1 < argv.size()) {
                values_.emplace_back(name, argv[++i]);
            } else {
                throw UsageError("--" + name + " needs a value");
            }
        } else {
            throw UsageError("unknown option --" + name);
        }
    }
}

std::optional<std::string> Args::option(std::string_view name) const {
    std::optional<std::string> found;
    for (const auto& [key, value] : values_) {
        if (key == name) found = value;
    }
    return found;
}

std::string Args::required(std::string_view name) const {
    auto value = option(name);
    if (!value) throw UsageError("--" + std::string(name) + " is required");
    return *value;
}

std::vector<std::string> Args::options(std::string_view name) const {
    std::vector<std::string> out;
    for (const auto& [key, value] : values_) {
        if (key == name) out.push_back(value);
    }
    return out;
}

bool Args::flag(std::string_view name) const { return flags_set_.count(std::string(name)) != 0; }

}  // namespace herald::cli
