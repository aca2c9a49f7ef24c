// Mustache templates for message text (Debian's kainjow/mustache). A template produces plain
// text: the channel plugin escapes it for its format (Slack mrkdwn, Adaptive Card text, JSON)
// exactly as it escapes event text, so a value from an event can never add a mention, a link
// or markup. In a URL template each value is percent-encoded, so it stays inside its part of
// the URL; a template that is a lone {{name}} takes a whole URL from the event instead.
#pragma once

#include <boost/json/object.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace herald {

enum class TemplateUse { text, url };

inline constexpr size_t kMaxTemplateBytes = 4096;

class TemplateError : public std::runtime_error {
 public:
    using std::runtime_error::runtime_error;
};

struct TemplateCheck {
    std::string error;                       // the template cannot be used (syntax, a refused tag)
    std::vector<std::string> unknown_names;  // names that resolved in none of the samples
};

// Parses the template and renders it against each sample's template data, recording names
// that never resolve (a typo renders empty). A "labels.<key>" name is never unknown: labels
// differ from event to event.
TemplateCheck check_template(std::string_view source, const std::vector<boost::json::object>& samples);

// Renders against template data (see template_data). Throws TemplateError when the template
// is not valid. A URL result is checked by the caller.
std::string render_template(std::string_view source, TemplateUse use, const boost::json::object& data);

// What a template sees: the event's fields by their names (service, commit.sha, labels.region,
// any extension field) and Herald's own under "herald": team, channel, short_sha, duration
// (e.g. "4m 12s", from started_at and finished_at), is_recovery, failures_before.
struct TemplateExtras {
    std::string team;
    std::string channel;
    bool is_recovery = false;
    unsigned failures_before = 0;
};
boost::json::object template_data(const boost::json::object& event, const TemplateExtras& extras);

// Every name a template may use, for suggestions.
std::vector<std::string> known_template_names();

}  // namespace herald
