// Usage text for `herald --help` and for each command's `--help` / `herald help COMMAND`.
#pragma once

#include <optional>
#include <string_view>

namespace herald::cli {

// The whole command list.
std::string_view overall_usage();

// One command's usage, or nullopt for an unknown command.
std::optional<std::string_view> command_usage(std::string_view command);

}  // namespace herald::cli
