#include "config/channel_settings.hpp"
#include "config/config_loader.hpp"
#include "config/config_reading.hpp"
#include "config/secret_ref.hpp"

#include <boost/asio/ip/address.hpp>

namespace herald {
namespace {

std::string absolute_from(const std::filesystem::path& base, const std::string& path) {
    if (path.empty()) return path;
    const std::filesystem::path p(path);
    return (p.is_absolute() ? p : base / p).lexically_normal().string();
}

// Host-level secrets must stay out of team files' reach, whatever the tenant policy says.
void remember_host_secret(const std::string& text, const std::filesystem::path& base, HostConfig& host) {
    const auto ref = parse_secret_ref(text);
    if (!ref) return;
    if (ref->kind == SecretRef::Kind::env) {
        host.tenants.host_env.insert(ref->target);
        return;
    }
    std::filesystem::path path(ref->target);
    if (path.is_relative()) path = base / path;
    std::error_code ec;
    host.tenants.host_files.insert(std::filesystem::weakly_canonical(path, ec).string());
}

bool is_loopback(const std::string& address) {
    boost::system::error_code ec;
    const auto parsed = boost::asio::ip::make_address(address, ec);
    return !ec && parsed.is_loopback();
}

void read_tenants(const YAML::Node& node, const std::string& file, const std::filesystem::path& base, Diagnostics& d,
                  TenantPolicy& out) {
    if (!node.IsDefined() || node.IsNull()) return;
    MapReader map(node, file, d, "tenants");
    if (!map.ok()) return;
    map.allow_only({"env_prefix", "secrets_directory", "grants"});
    if (auto prefix = map.string("env_prefix")) {
        if (prefix->empty())
            d.error(map.mark("env_prefix"), "env_prefix: must not be empty (teams would reach every variable)");
        out.env_prefix = *prefix;
    }
    if (auto dir = map.string("secrets_directory")) {
        const std::filesystem::path p(*dir);
        out.secrets_directory = (p.is_absolute() ? p : base / p).lexically_normal().string();
    }
    const YAML::Node grants = map.node("grants");
    if (grants.IsDefined() && !grants.IsNull()) {
        if (!grants.IsMap()) {
            d.error(mark_of(file, grants), "tenants.grants: must map team names to lists of references");
            return;
        }
        for (const auto& entry : grants) {
            const std::string team = entry.first.Scalar();
            if (!entry.second.IsSequence()) {
                d.error(mark_of(file, entry.second), "tenants.grants." + team + ": must be a list of references");
                continue;
            }
            for (const auto& item : entry.second) {
                if (!item.IsScalar() || !parse_secret_ref(item.Scalar())) {
                    d.error(mark_of(file, item),
                            "tenants.grants." + team + ": items must be ${env:NAME} or ${file:PATH}");
                    continue;
                }
                out.grants[team].insert(item.Scalar());
            }
        }
    }
}

void read_destinations(const YAML::Node& node, const std::string& file, Diagnostics& d, DestinationPolicy& out) {
    if (!node.IsDefined() || node.IsNull()) return;
    MapReader map(node, file, d, "destinations");
    if (!map.ok()) return;
    map.allow_only({"allow_http", "hosts"});
    if (auto allow = map.boolean("allow_http")) out.allow_http = *allow;
    const YAML::Node hosts = map.node("hosts");
    if (!hosts.IsDefined() || hosts.IsNull()) return;
    if (!hosts.IsMap()) {
        d.error(mark_of(file, hosts), "destinations.hosts: must map channel types to lists of host patterns");
        return;
    }
    for (const auto& entry : hosts) {
        const std::string type = entry.first.Scalar();
        auto& list = out.hosts[type];
        if (!entry.second.IsSequence()) {
            d.error(mark_of(file, entry.second), "destinations.hosts." + type + ": must be a list of host patterns");
            continue;
        }
        for (const auto& item : entry.second) {
            if (!item.IsScalar() || item.Scalar().empty() || item.Scalar().find('/') != std::string::npos) {
                d.error(mark_of(file, item),
                        "destinations.hosts." + type + ": items must be host names or globs, e.g. hooks.example.com");
                continue;
            }
            list.push_back(item.Scalar());
        }
    }
}

void read_listener(const YAML::Node& node, const std::string& file, Diagnostics& d, const char* what,
                   ListenerConfig& out, std::optional<std::string>* token) {
    if (!node.IsDefined()) return;
    MapReader map(node, file, d, what);
    if (!map.ok()) return;
    if (token != nullptr)
        map.allow_only({"address", "port", "token"});
    else
        map.allow_only({"address", "port"});
    if (auto a = map.string("address")) out.address = *a;
    if (auto p = map.integer("port", 0, 65535)) out.port = static_cast<int>(*p);
    if (token != nullptr) *token = map.string("token");
}

// The settings each source kind takes. GitHub signs with X-Hub-Signature-256 and GitLab sends
// X-Gitlab-Token, so neither takes `auth`, a replay window or timestamps.
std::vector<std::string_view> source_settings(std::string_view kind) {
    if (kind == "github") return {"name", "kind", "secrets", "services", "workflows"};
    if (kind == "gitlab") return {"name", "kind", "secrets", "services", "deploy_stages"};
    if (kind == "cdevents") {
        return {"name", "kind", "auth", "secrets", "replay_window_s", "require_timestamp", "services", "pipelines"};
    }
    return {"name", "kind", "auth", "secrets", "replay_window_s", "require_timestamp"};
}

std::map<std::string, std::string> read_string_map(const YAML::Node& node, const std::string& file,
                                                   std::string_view what, Diagnostics& d) {
    std::map<std::string, std::string> out;
    if (!node.IsDefined() || node.IsNull()) return out;
    if (!node.IsMap()) {
        d.error(mark_of(file, node), std::string(what) + ": must be a mapping of names to names");
        return out;
    }
    for (const auto& entry : node) {
        if (!entry.second.IsScalar() || entry.second.Scalar().empty()) {
            d.error(mark_of(file, entry.second), std::string(what) + "." + entry.first.Scalar() + ": must be a name");
            continue;
        }
        out[entry.first.Scalar()] = entry.second.Scalar();
    }
    return out;
}

std::map<std::string, PipelineTarget> read_pipelines(const YAML::Node& node, const std::string& file, Diagnostics& d) {
    std::map<std::string, PipelineTarget> out;
    if (!node.IsDefined() || node.IsNull()) return out;
    if (!node.IsMap()) {
        d.error(mark_of(file, node), "pipelines: must map pipeline names to {service, environment}");
        return out;
    }
    for (const auto& entry : node) {
        MapReader target(entry.second, file, d, "pipelines." + entry.first.Scalar());
        if (!target.ok()) continue;
        target.allow_only({"service", "environment"});
        PipelineTarget t;
        t.service = target.string("service", true).value_or("");
        t.environment = target.string("environment", true).value_or("");
        out[entry.first.Scalar()] = std::move(t);
    }
    return out;
}

void read_source_kind(MapReader& map, SourceConfig& source) {
    source.kind = map.string("kind").value_or("herald");
    const std::vector<std::string> kinds(std::begin(kSourceKinds), std::end(kSourceKinds));
    if (std::find(kinds.begin(), kinds.end(), source.kind) == kinds.end()) {
        std::string message = "kind: '" + source.kind + "' is not a source kind (herald, github, gitlab, cdevents)";
        if (const std::string hint = did_you_mean(source.kind, kinds); !hint.empty())
            message += "; did you mean '" + hint + "'?";
        map.diagnostics().error(map.mark("kind"), message);
        return;
    }
    map.allow_only(source_settings(source.kind), "a " + source.kind + " source");
}

void read_source_auth(MapReader& map, SourceConfig& source) {
    const std::string auth = map.string("auth").value_or("hmac");
    if (auth == "hmac")
        source.auth = SourceAuth::hmac;
    else if (auth == "bearer")
        source.auth = SourceAuth::bearer;
    else if (auth == "none")
        source.auth = SourceAuth::none;
    else
        map.diagnostics().error(map.mark("auth"), "auth: must be hmac, bearer or none");
    // Fixed by the sender: GitHub signs (X-Hub-Signature-256), GitLab sends a token (X-Gitlab-Token).
    if (source.kind == "github") source.auth = SourceAuth::hmac;
    if (source.kind == "gitlab") source.auth = SourceAuth::bearer;
    if (auto window = map.integer("replay_window_s", 0, 86400)) source.replay_window_s = static_cast<int>(*window);
    if (auto required = map.boolean("require_timestamp")) source.require_timestamp = *required;
    if (source.require_timestamp && source.auth != SourceAuth::hmac) {
        map.diagnostics().error(map.mark("require_timestamp"), "require_timestamp: applies to auth hmac only");
    }
}

void read_source_secrets(MapReader& map, const std::filesystem::path& base, const LoadOptions& options,
                         HostConfig& host, SourceConfig& source) {
    Diagnostics& d = map.diagnostics();
    const std::string& file = map.file();
    const YAML::Node secrets = map.node("secrets");
    if (secrets.IsDefined() && !secrets.IsNull()) {
        if (!secrets.IsSequence()) {
            d.error(mark_of(file, secrets), "secrets: must be a list (several are accepted during key rotation)");
        } else {
            for (const auto& s : secrets) {
                if (!s.IsScalar()) {
                    d.error(mark_of(file, s), "secrets: items must be strings");
                } else if (auto v = resolve_value(s.Scalar(), true, mark_of(file, s), "secrets", base, options, d)) {
                    source.secrets.push_back(v->value);
                    remember_host_secret(s.Scalar(), base, host);
                }
            }
        }
    }
    if (source.auth == SourceAuth::none && !source.secrets.empty()) {
        d.error(map.mark("secrets"), "auth none takes no secrets");
    } else if (source.auth != SourceAuth::none && source.secrets.empty() && map.ok()) {
        d.error(map.self_mark(),
                "source '" + source.name + "' needs at least one secret" +
                    (source.kind == "github" || source.kind == "gitlab" ? std::string(" (the webhook's secret token)")
                                                                        : std::string(" (or auth: none, explicitly)")));
    }
}

void read_sources(const YAML::Node& node, const std::string& file, const std::filesystem::path& base,
                  const LoadOptions& options, Diagnostics& d, HostConfig& host) {
    if (!node.IsDefined() || node.IsNull()) return;
    if (!node.IsSequence()) {
        d.error(mark_of(file, node), "sources: must be a list");
        return;
    }
    for (const auto& item : node) {
        MapReader map(item, file, d, "source");
        if (!map.ok()) continue;
        SourceConfig source;
        source.at = map.self_mark();
        source.name = map.string("name", true).value_or("");
        if (!source.name.empty() && !valid_config_name(source.name)) {
            d.error(map.mark("name"), "name: use lower-case letters, digits, '-', '_' and '.'");
        }
        for (const auto& other : host.sources) {
            if (other.name == source.name && !source.name.empty()) {
                d.error(map.mark("name"), "source '" + source.name + "' is defined twice");
            }
        }
        read_source_kind(map, source);
        read_source_auth(map, source);
        source.services = read_string_map(map.node("services"), file, "services", d);
        source.workflows = read_string_map(map.node("workflows"), file, "workflows", d);
        if (auto stages = map.string_list("deploy_stages")) source.deploy_stages = *stages;
        source.pipelines = read_pipelines(map.node("pipelines"), file, d);
        read_source_secrets(map, base, options, host, source);
        host.sources.push_back(std::move(source));
    }
}

// storage: the embedded SQLite file (kind: sqlite, path) or a PostgreSQL database (kind:
// postgres, url as a secret reference: it usually holds a password).
void read_storage(MapReader& storage, const std::filesystem::path& base, const LoadOptions& options, HostConfig& host) {
    Diagnostics& d = storage.diagnostics();
    const std::string kind = storage.string("kind").value_or("sqlite");
    if (kind != "sqlite" && kind != "postgres") {
        std::string message = "storage.kind: '" + kind + "' is not a store (sqlite or postgres)";
        if (auto hint = did_you_mean(kind, {"sqlite", "postgres"}); !hint.empty()) {
            message += "; did you mean '" + hint + "'?";
        }
        d.error(storage.mark("kind"), message);
        return;
    }
    host.storage_kind = kind;
    if (auto r = storage.integer("retention_days", 1, 3650)) host.retention_days = static_cast<int>(*r);
    if (kind == "sqlite") {
        if (storage.has("url")) d.error(storage.key_mark("url"), "storage.url: only with kind: postgres");
        if (storage.has("lease_seconds")) {
            d.error(storage.key_mark("lease_seconds"), "storage.lease_seconds: only with kind: postgres");
        }
        if (auto p = storage.string("path")) host.storage_path = *p;
        return;
    }
    if (storage.has("path")) d.error(storage.key_mark("path"), "storage.path: only with kind: sqlite");
    if (auto r = storage.integer("lease_seconds", 2, 300)) host.lease_seconds = static_cast<int>(*r);
    const auto url = storage.string("url", true);
    if (!url) return;
    if (auto v = resolve_value(*url, true, storage.mark("url"), "storage.url", base, options, d)) {
        host.storage_url = v->value;
    }
    remember_host_secret(*url, base, host);
}

}  // namespace

HostConfig load_host_config(const std::filesystem::path& path, const LoadOptions& options, Diagnostics& d) {
    HostConfig host;
    host.file = path.string();
    const std::string file = path.string();
    std::error_code ec;
    const std::filesystem::path base =
        std::filesystem::absolute(path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path(), ec);
    const YAML::Node root = load_yaml_file(path, d);
    if (!root.IsDefined()) return host;
    MapReader map(root, file, d, "host config");
    if (!map.ok()) return host;
    map.allow_only({"version", "listeners", "storage", "limits", "sources", "plugins", "routing", "delivery", "tenants",
                    "destinations"});
    check_version(map);

    if (map.has("listeners")) {
        MapReader listeners(map.node("listeners"), file, d, "listeners");
        if (listeners.ok()) {
            listeners.allow_only({"intake", "admin"});
            read_listener(listeners.node("intake"), file, d, "listeners.intake", host.intake, nullptr);
            std::optional<std::string> token;
            read_listener(listeners.node("admin"), file, d, "listeners.admin", host.admin, &token);
            if (token) {
                const SourceMark at = mark_of(file, child(listeners.node("admin"), "token"));
                if (auto v = resolve_value(*token, true, at, "listeners.admin.token", base, options, d)) {
                    host.admin_token = v->value;
                    host.admin_token_set = true;
                }
                remember_host_secret(*token, base, host);
            }
            if (!token && !is_loopback(host.admin.address)) {
                d.error(mark_of(file, listeners.node("admin")),
                        "listeners.admin: an admin listener on a non-loopback address (" + host.admin.address +
                            ") needs a token");
            }
        }
    }
    if (map.has("storage")) {
        MapReader storage(map.node("storage"), file, d, "storage");
        if (storage.ok()) {
            storage.allow_only({"kind", "path", "url", "retention_days", "lease_seconds"});
            read_storage(storage, base, options, host);
        }
    }
    host.storage_path = absolute_from(base, host.storage_path);
    if (map.has("limits")) {
        MapReader limits(map.node("limits"), file, d, "limits");
        if (limits.ok()) {
            limits.allow_only({"max_body_bytes", "max_pending_jobs", "max_connections", "team_file_bytes",
                               "routing_files", "routing_bytes"});
            if (auto c = limits.integer("max_connections", 4, 1'000'000))
                host.max_connections = static_cast<size_t>(*c);
            RoutingLimits& r = host.routing_limits;
            if (auto v = limits.integer("team_file_bytes", 1024, 16 * 1024 * 1024))
                r.max_file_bytes = static_cast<size_t>(*v);
            if (auto v = limits.integer("routing_files", 1, 100'000)) r.max_files = static_cast<size_t>(*v);
            if (auto v = limits.integer("routing_bytes", 1024, 1024LL * 1024 * 1024))
                r.max_total_bytes = static_cast<size_t>(*v);
            if (auto b = limits.integer("max_body_bytes", 1024, 16 * 1024 * 1024))
                host.max_body_bytes = static_cast<size_t>(*b);
            if (auto p = limits.integer("max_pending_jobs", 1, 1'000'000'000))
                host.max_pending_jobs = static_cast<size_t>(*p);
        }
    }
    read_tenants(map.node("tenants"), file, base, d, host.tenants);
    read_destinations(map.node("destinations"), file, d, host.destinations);
    read_sources(map.node("sources"), file, base, options, d, host);
    if (host.sources.empty() && map.ok()) {
        d.warning(map.self_mark(), "no sources: every POST /v1/events will be refused (401)");
    }
    if (map.has("plugins")) {
        MapReader plugins(map.node("plugins"), file, d, "plugins");
        if (plugins.ok()) {
            plugins.allow_only({"directory"});
            if (auto dir = plugins.string("directory")) host.plugin_dir = absolute_from(base, *dir);
        }
    }
    MapReader routing(map.node("routing"), file, d, "routing");
    if (!map.has("routing")) {
        d.error(map.self_mark(), "missing required key 'routing' (routing: {directory: ...})");
    } else if (routing.ok()) {
        routing.allow_only({"directory", "fallback"});
        if (auto dir = routing.string("directory", true)) host.routing_dir = absolute_from(base, *dir);
    }
    const YAML::Node delivery = map.node("delivery");
    if (delivery.IsDefined() && !delivery.IsNull()) {
        if (!delivery.IsMap()) {
            d.error(mark_of(file, delivery), "delivery: must map channel types to delivery settings");
        } else {
            for (const auto& entry : delivery) {
                if (auto o = read_delivery_overrides(entry.second, file, d))
                    host.delivery_by_type[entry.first.Scalar()] = *o;
            }
        }
    }
    return host;
}

}  // namespace herald
