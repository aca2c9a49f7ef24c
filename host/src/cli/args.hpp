// Minimal argument reader for subcommands: `--name value`, `--name=value` and `--flag`.
#pragma once

#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace herald::cli {

class UsageError : public std::runtime_error {
 public:
    using std::runtime_error::runtime_error;
};

class Args {
 public:
    // `options` take a value, `flags` do not; anything else starting with "--" is an error.
    Args(std::vector<std::string> argv, std::set<std::string> options, std::set<std::string> flags);

    std::optional<std::string> option(std::string_view name) const;
    std::string required(std::string_view name) const;
    // Every value of an option given more than once, in order.
    std::vector<std::string> options(std::string_view name) const;
    bool flag(std::string_view name) const;
    const std::vector<std::string>& positional() const { return positional_; }

 private:
    std::vector<std::pair<std::string, std::string>> values_;
    std::set<std::string> flags_set_;
    std::vector<std::string> positional_;
};

}  // namespace herald::cli
