// Reads a channel's `message:` block (docs/messages.md) and checks it: every template parses
// and renders against the sample events, names that never resolve are pointed out, and the
// channel's plugin renders each sample with it.
#pragma once

#include <yaml-cpp/yaml.h>

#include <memory>
#include <string>

#include "config/diagnostics.hpp"
#include "message/message_spec.hpp"

namespace herald {

class ChannelInstance;

// nullptr when the block is absent or has errors (reported).
std::shared_ptr<const MessageSpec> read_message_spec(const YAML::Node& node, const std::string& file,
                                                     Diagnostics& diagnostics);

// Renders every sample event through the message and the channel's plugin; reports what fails.
void check_message_renders(const MessageSpec& spec, const ChannelInstance& instance, const std::string& team,
                           const std::string& channel, const SourceMark& at, Diagnostics& diagnostics);

}  // namespace herald
