#include "config/message_config.hpp"

#include <boost/json/serialize.hpp>

#include "config/yaml_reader.hpp"
#include "event/deploy_event.hpp"
#include "message/message_renderer.hpp"
#include "plugin_host/channel_instance.hpp"

namespace herald {
namespace {

std::vector<boost::json::object> sample_data() {
    std::vector<boost::json::object> out;
    for (const auto& sample : sample_events())
        out.push_back(template_data(sample.event, {"team", "channel", false, 0}));
    return out;
}

// Checks one template; returns false on an error (reported at `at`).
bool check(const std::string& source, const std::string& what, const SourceMark& at, Diagnostics& d) {
    static const std::vector<boost::json::object> samples = sample_data();
    const TemplateCheck result = check_template(source, samples);
    if (!result.error.empty()) {
        d.error(at, "message." + what + ": " + result.error);
        return false;
    }
    for (const auto& name : result.unknown_names) {
        std::string message = "message." + what + ": '" + name + "' is in no sample event and renders empty";
        if (auto hint = did_you_mean(name, known_template_names()); !hint.empty()) {
            message += "; did you mean '" + hint + "'?";
        } else {
            message += " unless events carry it (labels are labels.<key>)";
        }
        d.warning(at, message);
    }
    return true;
}

std::string required_template(MapReader& map, std::string_view key, const std::string& what, bool& ok) {
    const std::string source = map.string(key, true).value_or("");
    if (!source.empty() && !check(source, what, map.mark(key), map.diagnostics())) ok = false;
    return source;
}

std::vector<Mention> read_mentions(const YAML::Node& node, MapReader& rule, Diagnostics& d, bool& ok) {
    std::vector<Mention> mentions;
    if (!node.IsSequence()) {
        d.error(rule.mark("mention"), "mention: a list of {kind, id, name}");
        ok = false;
        return mentions;
    }
    for (const auto& item : node) {
        MapReader m(item, rule.file(), d, "mention");
        if (!m.ok()) {
            ok = false;
            continue;
        }
        m.allow_only({"kind", "id", "name"});
        Mention mention{m.string("kind", true).value_or(""), m.string("id").value_or(""),
                        m.string("name").value_or("")};
        if (const std::string problem = mention_problem(mention); !problem.empty()) {
            d.error(m.self_mark(), "mention: " + problem);
            ok = false;
            continue;
        }
        mentions.push_back(std::move(mention));
    }
    return mentions;
}

// Calls `read` for each mapping in the list under `key` (e.g. fields: [{name, value}, ...]).
template <typename Read>
void for_each_entry(MapReader& map, std::string_view key, const std::string& what,
                    std::initializer_list<std::string_view> keys, bool& ok, Read read) {
    const YAML::Node list = map.node(key);
    if (!list.IsDefined()) return;
    if (!list.IsSequence()) {
        map.diagnostics().error(map.mark(key), "message." + std::string(key) + ": a list of " + what + "s");
        ok = false;
        return;
    }
    for (const auto& item : list) {
        MapReader entry(item, map.file(), map.diagnostics(), what);
        if (!entry.ok()) {
            ok = false;
            continue;
        }
        entry.allow_only(keys);
        read(entry);
    }
}

}  // namespace

std::shared_ptr<const MessageSpec> read_message_spec(const YAML::Node& node, const std::string& file, Diagnostics& d) {
    if (!node.IsDefined() || node.IsNull()) return nullptr;
    MapReader map(node, file, d, "message");
    if (!map.ok()) return nullptr;
    map.allow_only({"title", "summary", "fields", "links", "show", "labels", "mentions"});
    auto spec = std::make_shared<MessageSpec>();
    bool ok = true;
    if (map.has("title")) spec->title_template = required_template(map, "title", "title", ok);
    if (map.has("summary")) spec->summary_template = required_template(map, "summary", "summary", ok);

    for_each_entry(map, "fields", "field", {"name", "value"}, ok, [&](MapReader& f) {
        MessageField field{f.string("name", true).value_or(""), ""};
        field.value_template = required_template(f, "value", "fields." + field.name, ok);
        if (field.name.empty() || field.name.size() > 50) {
            d.error(f.mark("name"), "message.fields: name: 1 to 50 characters");
            ok = false;
        }
        spec->fields.push_back(std::move(field));
    });
    for_each_entry(map, "links", "link", {"text", "url"}, ok, [&](MapReader& l) {
        MessageLink link;
        link.text_template = required_template(l, "text", "links.text", ok);
        link.url_template = required_template(l, "url", "links.url", ok);
        spec->links.push_back(std::move(link));
    });
    if (auto show = map.string_list("show")) {
        spec->show_given = true;
        const auto& known = standard_message_fields();
        for (const auto& name : *show) {
            if (std::find(known.begin(), known.end(), name) != known.end()) {
                spec->show.push_back(name);
                continue;
            }
            std::string message = "message.show: unknown field '" + name + "'";
            if (auto hint = did_you_mean(name, known); !hint.empty()) message += "; did you mean '" + hint + "'?";
            d.error(map.mark("show"), message);
            ok = false;
        }
    }
    if (auto labels = map.string_list("labels")) {
        spec->labels_given = true;
        spec->labels = *labels;
    }
    if (const YAML::Node mentions = map.node("mentions"); mentions.IsDefined()) {
        if (!mentions.IsSequence()) {
            d.error(map.mark("mentions"), "message.mentions: a list of {statuses, environments, mention}");
            ok = false;
        } else {
            for (const auto& item : mentions) {
                MapReader r(item, file, d, "mention rule");
                if (!r.ok()) {
                    ok = false;
                    continue;
                }
                r.allow_only({"statuses", "environments", "mention"});
                MentionRule rule;
                if (auto statuses = r.string_list("statuses")) {
                    for (const auto& s : *statuses) {
                        if (!parse_deploy_status(s)) {
                            d.error(r.mark("statuses"),
                                    "mentions: unknown status '" + s + "' (started, succeeded, failed, cancelled)");
                            ok = false;
                        }
                    }
                    rule.statuses = *statuses;
                }
                if (auto envs = r.string_list("environments")) rule.environments = *envs;
                if (!r.has("mention")) {
                    d.error(r.self_mark(), "mentions: each rule needs `mention:` (who to mention)");
                    ok = false;
                } else {
                    rule.mentions = read_mentions(r.node("mention"), r, d, ok);
                }
                spec->mentions.push_back(std::move(rule));
            }
        }
    }
    if (!ok) return nullptr;
    return spec;
}

void check_message_renders(const MessageSpec& spec, const ChannelInstance& instance, const std::string& team,
                           const std::string& channel, const SourceMark& at, Diagnostics& d) {
    for (const auto& sample : sample_events()) {
        RenderContext ctx;
        ctx.team = team;
        ctx.channel_name = channel;
        try {
            ctx.message_json = render_message(spec, sample.event, {team, channel, false, 0});
        } catch (const TemplateError& e) {
            d.warning(at, "message: for " + sample.name + ", " + e.what() + "; such events get the default message");
            continue;
        }
        auto rendered = instance.render(boost::json::serialize(sample.event), ctx);
        if (auto* error = std::get_if<std::string>(&rendered)) {
            d.error(at,
                    "message: the " + instance.plugin().name + " plugin cannot render " + sample.name + ": " + *error);
            return;
        }
    }
}

}  // namespace herald
