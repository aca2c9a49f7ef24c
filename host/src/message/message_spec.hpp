// A channel's message customisation as a team's routing file gives it: templates for the
// title, summary, extra fields and links, which standard fields and labels to show, and who
// to mention for which statuses and environments. See docs/messages.md.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace herald {

// One mention. Which kinds a channel supports is the channel plugin's business: Slack takes
// user, group (a user group), here and channel; Teams takes user and tag.
struct Mention {
    std::string kind;
    std::string id;    // channel-native id (Slack U…/S…, an Entra object id or UPN, a tag id)
    std::string name;  // display name (Teams needs it)
};

// Mentions added when an event's status and environment match.
struct MentionRule {
    std::vector<std::string> statuses;      // empty: every status
    std::vector<std::string> environments;  // globs; empty: every environment
    std::vector<Mention> mentions;
};

struct MessageField {
    std::string name;            // literal label
    std::string value_template;  // Mustache
};

struct MessageLink {
    std::string text_template;
    std::string url_template;  // Mustache; values are percent-encoded, except a lone {{name}}
};

struct MessageSpec {
    std::string title_template;
    std::string summary_template;
    std::vector<MessageField> fields;
    std::vector<MessageLink> links;
    bool show_given = false;
    std::vector<std::string> show;  // standard fields to show, in Herald's order
    bool labels_given = false;
    std::vector<std::string> labels;  // label keys to show
    std::vector<MentionRule> mentions;
};

// The standard fields a channel's default message may show (`show:`).
const std::vector<std::string>& standard_message_fields();

inline constexpr std::string_view kMentionKinds[] = {"user", "group", "tag", "here", "channel"};

// Why a mention cannot be used, or empty.
std::string mention_problem(const Mention& mention);

}  // namespace herald
