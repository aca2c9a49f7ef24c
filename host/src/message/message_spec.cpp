#include "message/message_spec.hpp"

#include <algorithm>

namespace herald {

const std::vector<std::string>& standard_message_fields() {
    static const std::vector<std::string> fields = {"service",      "environment", "version",       "commit",
                                                    "triggered_by", "failure",     "rollback",      "pipeline",
                                                    "duration",     "labels",      "commit_message"};
    return fields;
}

namespace {

bool id_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("@._^:-").find(c) != std::string_view::npos;
}

}  // namespace

std::string mention_problem(const Mention& mention) {
    if (std::find(std::begin(kMentionKinds), std::end(kMentionKinds), mention.kind) == std::end(kMentionKinds)) {
        return "kind '" + mention.kind + "': use user, group, tag, here or channel";
    }
    const bool broadcast = mention.kind == "here" || mention.kind == "channel";
    if (broadcast && !mention.id.empty()) return "a " + mention.kind + " mention takes no id";
    if (!broadcast) {
        if (mention.id.empty() || mention.id.size() > 128) return "id: required, at most 128 characters";
        if (!std::all_of(mention.id.begin(), mention.id.end(), id_char)) {
            return "id: letters, digits and @ . _ ^ : - only";
        }
    }
    if (mention.name.size() > 100) return "name: at most 100 characters";
    for (const unsigned char c : mention.name) {
        if (c < 0x20 || c == 0x7f || c == '<' || c == '>' || c == '&') {
            return "name: no control characters, '<', '>' or '&'";
        }
    }
    return {};
}

}  // namespace herald
