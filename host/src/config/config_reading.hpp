// Pieces shared by the host config and team file readers.
#pragma once

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <optional>
#include <set>

#include "config/config_model.hpp"
#include "config/yaml_reader.hpp"

namespace herald {

// Parses a YAML file of at most `max_bytes` (a regular file, read without blocking); a syntax
// or read error becomes a finding and an undefined node.
YAML::Node load_yaml_file(const std::filesystem::path& file, Diagnostics& diagnostics, size_t max_bytes = 1024 * 1024);

// Checks `version: 1` (required).
void check_version(MapReader& map);

std::optional<DeliveryOverrides> read_delivery_overrides(const YAML::Node& node, const std::string& file,
                                                         Diagnostics& diagnostics);

// statuses / environments / labels keys of a channel or subscription.
EventFilter read_event_filter(MapReader& map, std::set<DeployStatus> default_statuses);

bool valid_config_name(std::string_view name);

}  // namespace herald
