// What a source adapter sees of one inbound request, and what it makes of it. Adapters turn a
// CI system's own webhook (GitHub, GitLab, CDEvents) into Herald's event format; the result is
// then validated exactly like an event posted to /v1/events (docs/events.md).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "config/config_model.hpp"

namespace herald {

using HeaderLookup = std::function<std::string_view(std::string_view name)>;

struct InboundRequest {
    HeaderLookup header;
    std::string_view content_type;
    std::string_view body;
};

struct SourceMapping {
    enum class Kind {
        event,    // `event_json` holds a Herald event to validate and store
        ignored,  // a well-formed delivery Herald does not act on: answered 200, nothing stored
        ping,     // the sender testing the hook: answered 200, nothing stored
        invalid,  // cannot be mapped: answered 400 naming `field`, nothing stored
    };
    Kind kind = Kind::invalid;
    std::string event_json;
    std::string field;    // for invalid: the sender's field (or header) that is missing or wrong
    std::string message;  // for ignored/invalid: one line for the answer's body

    static SourceMapping ignore(std::string why) { return {Kind::ignored, {}, {}, std::move(why)}; }
    static SourceMapping reject(std::string field, std::string why) {
        return {Kind::invalid, {}, std::move(field), std::move(why)};
    }
};

// One adapter per source kind; `herald` sources take the body as it is.
SourceMapping map_github(const SourceConfig& source, const InboundRequest& request);
SourceMapping map_gitlab(const SourceConfig& source, const InboundRequest& request);
SourceMapping map_cdevents(const SourceConfig& source, const InboundRequest& request);

// The adapter for `source.kind`, or for `herald` the body unchanged.
SourceMapping map_inbound(const SourceConfig& source, const InboundRequest& request);

}  // namespace herald
