#include "config/channel_settings.hpp"
#include "config/config_loader.hpp"
#include "config/config_reading.hpp"

namespace herald {
namespace {

std::string absolute_from(const std::filesystem::path& base, const std::string& path) {
    if (path.empty()) return path;
    const std::filesystem::path p(path);
    return (p.is_absolute() ? p : base / p).lexically_normal().string();
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
        map.allow_only({"name", "kind", "auth", "secrets", "replay_window_s"});
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
        source.kind = map.string("kind").value_or("herald");
        if (source.kind != "herald" && source.kind != "github" && source.kind != "gitlab" &&
            source.kind != "cdevents") {
            d.error(map.mark("kind"), "kind: must be herald, github, gitlab or cdevents");
        }
        const std::string auth = map.string("auth").value_or(source.kind == "gitlab" ? "bearer" : "hmac");
        if (auth == "hmac")
            source.auth = SourceAuth::hmac;
        else if (auth == "bearer")
            source.auth = SourceAuth::bearer;
        else if (auth == "none")
            source.auth = SourceAuth::none;
        else
            d.error(map.mark("auth"), "auth: must be hmac, bearer or none");
        if (auto window = map.integer("replay_window_s", 0, 86400)) source.replay_window_s = static_cast<int>(*window);

        const YAML::Node secrets = map.node("secrets");
        if (secrets.IsDefined() && !secrets.IsNull()) {
            if (!secrets.IsSequence()) {
                d.error(mark_of(file, secrets), "secrets: must be a list (several are accepted during key rotation)");
            } else {
                for (const auto& s : secrets) {
                    if (!s.IsScalar()) {
                        d.error(mark_of(file, s), "secrets: items must be strings");
                    } else if (auto v =
                                   resolve_value(s.Scalar(), true, mark_of(file, s), "secrets", base, options, d)) {
                        source.secrets.push_back(v->value);
                    }
                }
            }
        }
        if (source.auth == SourceAuth::none && !source.secrets.empty()) {
            d.error(map.mark("secrets"), "auth none takes no secrets");
        } else if (source.auth != SourceAuth::none && source.secrets.empty() && map.ok()) {
            d.error(map.self_mark(),
                    "source '" + source.name + "' needs at least one secret (or auth: none, explicitly)");
        }
        host.sources.push_back(std::move(source));
    }
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
    map.allow_only({"version", "listeners", "storage", "limits", "sources", "plugins", "routing", "delivery"});
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
                }
            }
        }
    }
    if (map.has("storage")) {
        MapReader storage(map.node("storage"), file, d, "storage");
        if (storage.ok()) {
            storage.allow_only({"path", "retention_days"});
            if (auto p = storage.string("path")) host.storage_path = *p;
            if (auto r = storage.integer("retention_days", 1, 3650)) host.retention_days = static_cast<int>(*r);
        }
    }
    host.storage_path = absolute_from(base, host.storage_path);
    if (map.has("limits")) {
        MapReader limits(map.node("limits"), file, d, "limits");
        if (limits.ok()) {
            limits.allow_only({"max_body_bytes", "max_pending_jobs"});
            if (auto b = limits.integer("max_body_bytes", 1024, 16 * 1024 * 1024))
                host.max_body_bytes = static_cast<size_t>(*b);
            if (auto p = limits.integer("max_pending_jobs", 1, 1'000'000'000))
                host.max_pending_jobs = static_cast<size_t>(*p);
        }
    }
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

namespace {

void mask_all(std::string& text, const std::string& secret) {
    for (size_t pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + 4)) {
        text.replace(pos, secret.size(), "****");
    }
}

}  // namespace

std::string mask_secrets(std::string text, const std::vector<std::string>& secrets) {
    for (const auto& secret : secrets) {
        if (secret.size() < 4) continue;  // masking tiny strings would garble output without protecting anything
        mask_all(text, secret);
        // A webhook URL's secret is its path: an answer that echoes one long component of it
        // (a Slack token segment, say) must not show it either.
        if (secret.find("://") == std::string::npos) continue;
        size_t start = secret.find('/', secret.find("://") + 3);
        while (start != std::string::npos && start < secret.size()) {
            const size_t end = secret.find_first_of("/?&=#", start + 1);
            const std::string part =
                secret.substr(start + 1, (end == std::string::npos ? secret.size() : end) - start - 1);
            // Tokens are long and carry digits; plain words ("services", "workflows") do not.
            const bool token_like = part.size() >= 8 && part.find_first_of("0123456789") != std::string::npos;
            if (token_like) mask_all(text, part);
            start = end;
        }
    }
    return text;
}

}  // namespace herald
