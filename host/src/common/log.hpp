// Logging on spdlog: human-readable lines by default, JSON lines with --log-format json. Lines
// about an event carry its id and, where relevant, team, channel and attempt, as fields.
#pragma once

#include <spdlog/spdlog.h>

#include <cstdint>
#include <string_view>

namespace herald::log {

enum class Format { text = 1, json };

// Sends every log line to standard error in `format`.
void init(Format format);

struct EventFields {
    std::string_view event_id;
    std::string_view team;
    std::string_view channel;
    uint32_t attempt = 0;
};

void event(spdlog::level::level_enum level, const EventFields& fields, std::string_view message);

}  // namespace herald::log
