#include <algorithm>
#include <map>

#include "common/sha256.hpp"
#include "config/channel_settings.hpp"
#include "config/config_loader.hpp"
#include "config/config_reading.hpp"
#include "routing/glob.hpp"

namespace herald {
namespace {

const std::set<DeployStatus> kFailedOnly = {DeployStatus::failed};

struct Context {
    const PluginRegistry& plugins;
    const HostConfig* host;
    const LoadOptions& options;
    Diagnostics& d;
};

std::vector<std::string> plugin_names(const PluginRegistry& plugins) {
    std::vector<std::string> names;
    for (const auto& p : plugins.plugins()) names.push_back(p.name);
    return names;
}

// One channel definition (team file or fallback). Returns nullptr when it cannot be used.
std::unique_ptr<ChannelConfig> read_channel(const YAML::Node& node, const std::string& file, const std::string& team,
                                            const std::set<DeployStatus>& default_statuses, Context& ctx) {
    MapReader map(node, file, ctx.d, "channel");
    if (!map.ok()) return nullptr;
    map.allow_only({"name", "type", "settings", "statuses", "environments", "labels", "delivery"});
    auto channel = std::make_unique<ChannelConfig>();
    channel->team = team;
    channel->at = map.self_mark();
    channel->name = map.string("name", true).value_or("");
    if (!channel->name.empty() && !valid_config_name(channel->name)) {
        ctx.d.error(map.mark("name"), "name: use lower-case letters, digits, '-', '_' and '.'");
    }
    channel->type = map.string("type", true).value_or("");
    channel->filter = read_event_filter(map, default_statuses);
    const auto overrides = read_delivery_overrides(map.node("delivery"), file, ctx.d);

    const LoadedPlugin* plugin = ctx.plugins.find(channel->type);
    if (plugin == nullptr) {
        if (!channel->type.empty()) {
            std::string message = "unknown channel type '" + channel->type + "'";
            if (auto hint = did_you_mean(channel->type, plugin_names(ctx.plugins)); !hint.empty()) {
                message += "; did you mean '" + hint + "'?";
            } else {
                std::string loaded;
                for (const auto& name : plugin_names(ctx.plugins)) loaded += (loaded.empty() ? "" : ", ") + name;
                message += " (plugins loaded: " + (loaded.empty() ? std::string("none") : loaded) + ")";
            }
            ctx.d.error(map.mark("type"), message);
        }
        return nullptr;
    }

    const std::filesystem::path base = std::filesystem::path(file).parent_path();
    ChannelSettings settings =
        read_channel_settings(map.node("settings"), channel->at, file, *plugin, base, ctx.options, ctx.d);
    channel->settings_json = settings.json;
    channel->secret_values = settings.secret_values;
    channel->destination_key = channel->type + "\n" + settings.json;
    channel->destination_hash = sha256_hex(channel->destination_key);

    const herald_delivery_defaults& dd = plugin->delivery_defaults;
    channel->policy = {dd.max_retries,
                       dd.initial_backoff_ms,
                       dd.max_backoff_ms,
                       dd.give_up_after_ms,
                       dd.rate_per_second,
                       dd.burst,
                       {}};
    if (ctx.host != nullptr) {
        if (auto it = ctx.host->delivery_by_type.find(channel->type); it != ctx.host->delivery_by_type.end()) {
            it->second.apply_to(channel->policy);
        }
    }
    if (overrides) overrides->apply_to(channel->policy);
    if (!settings.ok) return nullptr;

    auto created = ChannelInstance::create(*plugin, settings.json);
    if (auto* error = std::get_if<std::string>(&created)) {
        // With placeholder secrets, a complaint about a placeholder-backed setting says nothing.
        const bool about_placeholder =
            std::any_of(settings.placeholder_settings.begin(), settings.placeholder_settings.end(),
                        [&](const std::string& s) { return error->rfind(s + ":", 0) == 0; });
        if (!about_placeholder) {
            ctx.d.error(map.has("settings") ? map.mark("settings") : channel->at,
                        "channel '" + channel->name + "' (" + channel->type +
                            "): " + mask_secrets(*error, settings.secret_values));
        }
        return about_placeholder ? std::move(channel) : nullptr;
    }
    channel->instance = std::move(std::get<std::unique_ptr<ChannelInstance>>(created));
    return channel;
}

struct OwnedService {
    std::string team;
    SourceMark at;
};

void read_team_file(const std::filesystem::path& path, RoutingTable& table, std::map<std::string, OwnedService>& owned,
                    Context& ctx) {
    const std::string file = path.string();
    const YAML::Node root = load_yaml_file(path, ctx.d);
    if (!root.IsDefined()) return;
    MapReader map(root, file, ctx.d, "team file");
    if (!map.ok()) return;
    map.allow_only({"version", "team", "services", "channels", "subscriptions"});
    check_version(map);

    TeamConfig team;
    team.at = map.self_mark();
    team.name = map.string("team", true).value_or("");
    if (team.name.empty()) return;
    if (!valid_config_name(team.name))
        ctx.d.error(map.mark("team"), "team: use lower-case letters, digits, '-', '_' and '.'");
    if (const TeamConfig* existing = table.find_team(team.name)) {
        ctx.d.error(map.mark("team"), "team '" + team.name + "' is already defined in " + existing->at.file);
        return;
    }
    if (path.stem().string() != team.name) {
        ctx.d.warning(map.mark("team"), "team '" + team.name + "' lives in " + path.filename().string() +
                                            "; name the file " + team.name + ".yaml so CODEOWNERS can follow it");
    }

    const YAML::Node services = map.node("services");
    if (services.IsDefined() && !services.IsNull() && !services.IsSequence()) {
        ctx.d.error(mark_of(file, services), "services: must be a list of service names or globs");
    } else if (services.IsSequence()) {
        for (const auto& s : services) {
            const SourceMark at = mark_of(file, s);
            if (!s.IsScalar() || s.Scalar().empty()) {
                ctx.d.error(at, "services: items must be non-empty strings");
                continue;
            }
            const std::string name = s.Scalar();
            if (auto it = owned.find(name); it != owned.end()) {
                ctx.d.error(at, "service '" + name + "' is already owned by team '" + it->second.team + "' (" +
                                    it->second.at.file + ":" + std::to_string(it->second.at.line) + ")");
                continue;
            }
            owned.emplace(name, OwnedService{team.name, at});
            team.services.push_back(name);
        }
    }

    std::map<std::string, ChannelConfig*> by_name;
    const YAML::Node channels = map.node("channels");
    if (channels.IsDefined() && !channels.IsNull() && !channels.IsSequence()) {
        ctx.d.error(mark_of(file, channels), "channels: must be a list");
    } else if (channels.IsSequence()) {
        for (const auto& node : channels) {
            auto channel = read_channel(node, file, team.name, kFailedOnly, ctx);
            if (!channel || channel->name.empty()) continue;
            if (by_name.count(channel->name) != 0) {
                ctx.d.error(channel->at,
                            "channel '" + channel->name + "' is defined twice in team '" + team.name + "'");
                continue;
            }
            ChannelConfig& added = table.add_channel(std::move(channel));
            by_name[added.name] = &added;
            team.channels.push_back(&added);
        }
    }
    if (!channels.IsSequence() && !team.services.empty()) {
        ctx.d.warning(team.at, "team '" + team.name + "' owns services but has no channels: its events reach no one");
    }

    const YAML::Node subscriptions = map.node("subscriptions");
    if (subscriptions.IsDefined() && !subscriptions.IsNull() && !subscriptions.IsSequence()) {
        ctx.d.error(mark_of(file, subscriptions), "subscriptions: must be a list");
    } else if (subscriptions.IsSequence()) {
        for (const auto& node : subscriptions) {
            MapReader sub_map(node, file, ctx.d, "subscription");
            if (!sub_map.ok()) continue;
            sub_map.allow_only({"name", "channel", "services", "statuses", "environments", "labels"});
            Subscription sub;
            sub.team = team.name;
            sub.at = sub_map.self_mark();
            sub.name = sub_map.string("name", true).value_or("");
            sub.services = sub_map.string_list("services").value_or(std::vector<std::string>{});
            sub.filter = read_event_filter(sub_map, kFailedOnly);
            const std::string channel = sub_map.string("channel", true).value_or("");
            if (channel.empty()) continue;
            auto it = by_name.find(channel);
            if (it == by_name.end()) {
                std::vector<std::string> names;
                for (const auto& [n, c] : by_name) names.push_back(n);
                std::string message = "subscription '" + sub.name + "' names unknown channel '" + channel +
                                      "' (subscriptions deliver to one of the team's own channels)";
                if (auto hint = did_you_mean(channel, names); !hint.empty())
                    message += "; did you mean '" + hint + "'?";
                ctx.d.error(sub_map.mark("channel"), message);
                continue;
            }
            sub.channel = it->second;
            table.add_subscription(std::move(sub));
        }
    }
    table.add_team(std::move(team));
}

void read_fallback(RoutingTable& table, Context& ctx) {
    if (ctx.host == nullptr) return;
    Diagnostics ignored;  // the host config's own findings were reported when it was loaded
    const YAML::Node root = load_yaml_file(ctx.host->file, ignored);
    const YAML::Node fallback = child(child(root, "routing"), "fallback");
    if (!fallback.IsDefined() || fallback.IsNull()) {
        ctx.d.warning({ctx.host->file, 0, 0},
                      "no routing.fallback channel: events no team owns are stored and counted but reach no one");
        return;
    }
    auto channel = read_channel(fallback, ctx.host->file, "", {}, ctx);
    if (!channel) return;
    channel->fallback = true;
    table.set_fallback(&table.add_channel(std::move(channel)));
}

void check_globs(const std::map<std::string, OwnedService>& owned, Context& ctx) {
    for (const auto& [pattern, owner] : owned) {
        if (!is_glob(pattern)) continue;
        for (const auto& [service, other] : owned) {
            if (!is_glob(service) && other.team != owner.team && glob_match(pattern, service)) {
                ctx.d.warning(owner.at, "glob '" + pattern + "' of team '" + owner.team + "' also matches service '" +
                                            service + "' of team '" + other.team + "'; the exact name wins");
            }
        }
        if (ctx.options.known_services) {
            const auto& known = *ctx.options.known_services;
            if (std::none_of(known.begin(), known.end(),
                             [&](const std::string& s) { return glob_match(pattern, s); })) {
                ctx.d.warning(owner.at, "glob '" + pattern + "' matches no known service");
            }
        }
    }
}

}  // namespace

RoutingTable load_routing(const std::filesystem::path& routing_path, const HostConfig* host,
                          const PluginRegistry& plugins, const LoadOptions& options, Diagnostics& d) {
    RoutingTable table;
    Context ctx{plugins, host, options, d};
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    if (std::filesystem::is_directory(routing_path, ec)) {
        for (const auto& entry : std::filesystem::directory_iterator(routing_path, ec)) {
            const auto ext = entry.path().extension();
            if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(entry.path());
        }
        std::sort(files.begin(), files.end());
        if (files.empty()) d.warning({routing_path.string(), 0, 0}, "no team files (*.yaml) in the routing directory");
    } else if (std::filesystem::is_regular_file(routing_path, ec)) {
        files.push_back(routing_path);
    } else {
        d.error({routing_path.string(), 0, 0}, "routing directory not found");
    }

    std::map<std::string, OwnedService> owned;
    for (const auto& file : files) read_team_file(file, table, owned, ctx);
    read_fallback(table, ctx);
    check_globs(owned, ctx);
    if (host != nullptr) {
        for (const auto& [type, overrides] : host->delivery_by_type) {
            if (plugins.find(type) == nullptr)
                d.warning({host->file, 0, 0}, "delivery overrides for unknown channel type '" + type + "'");
        }
    }
    table.finish();
    return table;
}

}  // namespace herald
