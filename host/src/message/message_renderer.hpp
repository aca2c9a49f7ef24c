// Renders a channel's message customisation for one event into the JSON a plugin receives as
// herald_event_context.message_json (docs/messages.md).
#pragma once

#include <boost/json/object.hpp>

#include <string>

#include "message/message_spec.hpp"
#include "message/message_template.hpp"

namespace herald {

// Bounds on what a template may produce; a plugin then applies its channel's own limits.
inline constexpr size_t kMaxTitleChars = 250;
inline constexpr size_t kMaxSummaryChars = 3000;
inline constexpr size_t kMaxFieldValueChars = 1000;
inline constexpr size_t kMaxLinkTextChars = 75;
inline constexpr size_t kMaxUrlChars = 2000;

// The message JSON for `event`. Throws TemplateError when a template fails: it does not parse,
// the title renders empty, or a link renders to something that is not an http(s) URL. The
// caller then sends the default message (never nothing).
std::string render_message(const MessageSpec& spec, const boost::json::object& event, const TemplateExtras& extras);

// Events covering every status, with and without optional fields, that `herald config check`
// renders each template against.
struct SampleEvent {
    std::string name;
    boost::json::object event;
};
const std::vector<SampleEvent>& sample_events();

}  // namespace herald
