#include <boost/json.hpp>

#include <algorithm>
#include <map>

#include "common/glob.hpp"
#include "common/sha256.hpp"
#include "config/channel_settings.hpp"
#include "config/config_loader.hpp"
#include "config/config_reading.hpp"
#include "config/message_config.hpp"

namespace herald {
namespace {

const std::set<DeployStatus> kFailedOnly = {DeployStatus::failed};

struct Context {
    const PluginRegistry& plugins;
    const HostConfig* host;
    const LoadOptions& options;
    Diagnostics& d;
    // The host's policies, or the defaults when a routing directory is checked on its own.
    const TenantPolicy& tenants;
    const DestinationPolicy& destinations;
    const RoutingLimits& limits;
};

std::vector<std::string> plugin_names(const PluginRegistry& plugins) {
    std::vector<std::string> names;
    for (const auto& p : plugins.plugins()) names.push_back(p.name);
    return names;
}

// Without the real secrets (config check in CI), a plugin may refuse the placeholder text; the
// message is then checked through an instance whose placeholder secrets are a stand-in URL.
void check_message_with_stand_ins(const ChannelConfig& channel, const LoadedPlugin& plugin,
                                  const ChannelSettings& settings, MapReader& map, Context& ctx) {
    boost::system::error_code ec;
    boost::json::value parsed = boost::json::parse(settings.json, ec);
    if (ec || !parsed.is_object()) return;
    for (const auto& name : settings.placeholder_settings) {
        if (auto* value = parsed.get_object().if_contains(name); value != nullptr && value->is_string()) {
            *value = "https://placeholder.invalid/secret";
        }
    }
    auto created = ChannelInstance::create(plugin, boost::json::serialize(parsed));
    if (auto* instance = std::get_if<std::unique_ptr<ChannelInstance>>(&created)) {
        check_message_renders(*channel.message, **instance, channel.team, channel.name, map.mark("message"), ctx.d);
    }
}

// One channel definition (team file or fallback). Returns nullptr when it cannot be used.
std::unique_ptr<ChannelConfig> read_channel(const YAML::Node& node, const std::string& file, const std::string& team,
                                            const std::set<DeployStatus>& default_statuses, Context& ctx) {
    MapReader map(node, file, ctx.d, "channel");
    if (!map.ok()) return nullptr;
    map.allow_only(
        {"name", "type", "settings", "statuses", "environments", "labels", "rollback", "delivery", "message"});
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
    channel->message = read_message_spec(map.node("message"), file, ctx.d);

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
    const SettingsScope scope{team, &ctx.tenants, &ctx.destinations};
    ChannelSettings settings =
        read_channel_settings(map.node("settings"), channel->at, file, *plugin, base, ctx.options, scope, ctx.d);
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

    std::string failed_setting;
    auto created = ChannelInstance::create(*plugin, settings.json, SystemClock::instance(), &failed_setting);
    if (auto* error = std::get_if<std::string>(&created)) {
        // With placeholder secrets, a complaint about a placeholder-backed setting says nothing.
        // ABI 1.1 plugins name the setting; for 1.0 plugins, "setting: rule" is read instead.
        const bool about_placeholder = std::any_of(
            settings.placeholder_settings.begin(), settings.placeholder_settings.end(), [&](const std::string& s) {
                return failed_setting.empty() ? error->rfind(s + ":", 0) == 0 : failed_setting == s;
            });
        if (!about_placeholder) {
            // Point at the setting the plugin named, when the file has it.
            const YAML::Node named =
                failed_setting.empty() ? YAML::Node() : child(map.node("settings"), failed_setting);
            const SourceMark at = named.IsDefined()     ? mark_of(file, named)
                                  : map.has("settings") ? map.mark("settings")
                                                        : channel->at;
            ctx.d.error(at, "channel '" + channel->name + "' (" + channel->type +
                                "): " + mask_secrets(*error, settings.secret_values));
        }
        if (about_placeholder && channel->message) check_message_with_stand_ins(*channel, *plugin, settings, map, ctx);
        return about_placeholder ? std::move(channel) : nullptr;
    }
    channel->instance = std::move(std::get<std::unique_ptr<ChannelInstance>>(created));
    if (channel->message) {
        check_message_renders(*channel->message, *channel->instance, team, channel->name, map.mark("message"), ctx.d);
    }
    return channel;
}

struct OwnedService {
    std::string name;  // exact name or glob, as written
    std::string team;
    SourceMark at;
};

void read_team_file(const std::filesystem::path& path, RoutingConfig& table, std::vector<OwnedService>& owned,
                    Context& ctx) {
    const std::string file = path.string();
    const YAML::Node root = load_yaml_file(path, ctx.d, ctx.limits.max_file_bytes);
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
            if (is_catch_all(name)) {
                ctx.d.error(at, "services: '" + name +
                                    "' would own every service; a catch-all belongs to the host's routing.fallback, "
                                    "or to a subscription (which notifies without owning)");
                continue;
            }
            const auto same =
                std::find_if(owned.begin(), owned.end(), [&](const OwnedService& o) { return o.name == name; });
            if (same != owned.end()) {
                ctx.d.error(at, "service '" + name + "' is already owned by team '" + same->team + "' (" +
                                    same->at.file + ":" + std::to_string(same->at.line) + ")");
                continue;
            }
            owned.push_back(OwnedService{name, team.name, at});
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
            sub_map.allow_only({"name", "channel", "services", "statuses", "environments", "labels", "rollback"});
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
            table.subscriptions.push_back(std::move(sub));
        }
    }
    table.teams.push_back(std::move(team));
}

void read_fallback(RoutingConfig& table, Context& ctx) {
    if (ctx.host == nullptr) return;
    Diagnostics ignored;  // the host config's own findings were reported when it was loaded
    const YAML::Node root = load_yaml_file(ctx.host->file, ignored);
    const YAML::Node fallback = child(child(root, "routing"), "fallback");
    if (!fallback.IsDefined() || fallback.IsNull()) {
        ctx.d.warning({ctx.host->file, 0, 0},
                      "no routing.fallback channel: events no team owns are stored and counted but reach no one");
        return;
    }
    auto channel = read_channel(fallback, ctx.host->file, "", {}, ctx);  // host-level: no tenant bounds
    if (!channel) return;
    channel->fallback = true;
    table.fallback = &table.add_channel(std::move(channel));
}

std::string where(const SourceMark& at) { return at.file + ":" + std::to_string(at.line); }

// Ownership is exclusive: a name or glob of one team may not match what another team owns.
// Each overlap is reported on both entries, so the file that adds it always carries a finding.
void check_ownership(const std::vector<OwnedService>& owned, Context& ctx) {
    for (size_t a = 0; a < owned.size(); ++a) {
        if (!is_glob(owned[a].name)) continue;
        for (size_t b = 0; b < owned.size(); ++b) {
            const OwnedService& glob = owned[a];
            const OwnedService& other = owned[b];
            if (other.team == glob.team) continue;
            const bool other_glob = is_glob(other.name);
            if (other_glob && b < a) continue;  // each glob pair once
            const bool clash = other_glob ? globs_overlap(glob.name, other.name) : glob_match(glob.name, other.name);
            if (!clash) continue;
            const std::string what = other_glob ? "glob" : "service";
            ctx.d.error(glob.at, "glob '" + glob.name + "' of team '" + glob.team + "' overlaps " + what + " '" +
                                     other.name + "' of team '" + other.team + "' (" + where(other.at) +
                                     "); ownership must be exclusive");
            ctx.d.error(other.at, what + " '" + other.name + "' of team '" + other.team + "' overlaps glob '" +
                                      glob.name + "' of team '" + glob.team + "' (" + where(glob.at) +
                                      "); ownership must be exclusive");
        }
        if (ctx.options.known_services) {
            const auto& known = *ctx.options.known_services;
            const OwnedService& glob = owned[a];
            if (std::none_of(known.begin(), known.end(),
                             [&](const std::string& s) { return glob_match(glob.name, s); })) {
                ctx.d.warning(glob.at, "glob '" + glob.name + "' matches no known service");
            }
        }
    }
}

// The team files to read, within the host's count and size limits.
std::vector<std::filesystem::path> list_team_files(const std::filesystem::path& routing_path, Context& ctx) {
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    if (std::filesystem::is_regular_file(routing_path, ec)) return {routing_path};
    if (!std::filesystem::is_directory(routing_path, ec)) {
        ctx.d.error({routing_path.string(), 0, 0}, "routing directory not found");
        return files;
    }
    for (const auto& entry : std::filesystem::directory_iterator(routing_path, ec)) {
        const auto ext = entry.path().extension();
        if (ext != ".yaml" && ext != ".yml") continue;
        if (!entry.is_regular_file(ec)) {
            ctx.d.error({entry.path().string(), 0, 0}, "not a regular file; team files must be plain files");
            continue;
        }
        files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) ctx.d.warning({routing_path.string(), 0, 0}, "no team files (*.yaml) in the routing directory");
    if (files.size() > ctx.limits.max_files) {
        ctx.d.error({routing_path.string(), 0, 0}, std::to_string(files.size()) + " team files; the limit is " +
                                                       std::to_string(ctx.limits.max_files) +
                                                       " (limits.routing_files in the host config); none were loaded");
        return {};
    }
    size_t total = 0;
    for (const auto& f : files) total += static_cast<size_t>(std::filesystem::file_size(f, ec));
    if (total > ctx.limits.max_total_bytes) {
        ctx.d.error({routing_path.string(), 0, 0},
                    "team files add up to " + std::to_string(total) + " bytes; the limit is " +
                        std::to_string(ctx.limits.max_total_bytes) + " (limits.routing_bytes); none were loaded");
        return {};
    }
    return files;
}

}  // namespace

RoutingConfig load_routing_config(const std::filesystem::path& routing_path, const HostConfig* host,
                                  const PluginRegistry& plugins, const LoadOptions& options, Diagnostics& d) {
    RoutingConfig table;
    static const HostConfig kDefaults;
    const HostConfig& policy = host != nullptr ? *host : kDefaults;
    Context ctx{plugins, host, options, d, policy.tenants, policy.destinations, policy.routing_limits};

    std::vector<OwnedService> owned;
    for (const auto& file : list_team_files(routing_path, ctx)) read_team_file(file, table, owned, ctx);
    read_fallback(table, ctx);
    check_ownership(owned, ctx);
    if (host != nullptr) {
        for (const auto& [type, overrides] : host->delivery_by_type) {
            if (plugins.find(type) == nullptr)
                d.warning({host->file, 0, 0}, "delivery overrides for unknown channel type '" + type + "'");
        }
    }
    return table;
}

}  // namespace herald
