#include "config/tenant_policy.hpp"

#include <boost/url/parse.hpp>

#include "common/glob.hpp"

namespace herald {
namespace {

std::string replace_all(std::string text, const std::string& what, const std::string& with) {
    for (size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + with.size())) {
        text.replace(pos, what.size(), with);
    }
    return text;
}

std::string upper_env_name(const std::string& team) {
    std::string out;
    for (char c : team) {
        if (c >= 'a' && c <= 'z')
            out += static_cast<char>(c - 'a' + 'A');
        else if (c == '-' || c == '.')
            out += '_';
        else
            out += c;
    }
    return out;
}

bool inside(const std::filesystem::path& path, const std::filesystem::path& dir) {
    auto p = path.begin();
    for (auto d = dir.begin(); d != dir.end(); ++d, ++p) {
        if (d->empty()) continue;  // a trailing separator
        if (p == path.end() || *p != *d) return false;
    }
    return p != path.end();
}

}  // namespace

std::string team_env_prefix(const TenantPolicy& policy, const std::string& team) {
    return replace_all(replace_all(policy.env_prefix, "{TEAM}", upper_env_name(team)), "{team}", team);
}

std::optional<std::string> check_team_reference(const TenantPolicy& policy, const std::string& team,
                                                const SecretRef& ref, const std::filesystem::path& base_dir) {
    if (ref.kind == SecretRef::Kind::env) {
        if (policy.host_env.count(ref.target) != 0) {
            return ref.text() + " holds a host-level secret (admin token or source secret); team files cannot use it";
        }
        if (auto it = policy.grants.find(team); it != policy.grants.end() && it->second.count(ref.text()) != 0) {
            return std::nullopt;
        }
        const std::string prefix = team_env_prefix(policy, team);
        if (!prefix.empty() && ref.target.rfind(prefix, 0) == 0 && ref.target.size() > prefix.size()) {
            return std::nullopt;
        }
        return "team '" + team + "' may use ${env:" + prefix +
               "...} only (tenants.env_prefix and tenants.grants in the host config)";
    }
    std::error_code ec;
    std::filesystem::path path(ref.target);
    if (path.is_relative()) path = base_dir / path;
    const auto canonical = std::filesystem::weakly_canonical(path, ec);
    if (ec) return ref.text() + ": cannot resolve the path";
    if (policy.host_files.count(canonical.string()) != 0) {
        return ref.text() + " holds a host-level secret (admin token or source secret); team files cannot use it";
    }
    if (auto it = policy.grants.find(team); it != policy.grants.end() && it->second.count(ref.text()) != 0) {
        return std::nullopt;
    }
    if (policy.secrets_directory.empty()) {
        return "team files cannot use ${file:} references unless the host config sets tenants.secrets_directory";
    }
    const std::string dir_text = replace_all(policy.secrets_directory, "{team}", team);
    const auto dir = std::filesystem::weakly_canonical(dir_text, ec);
    if (ec || !inside(canonical, dir)) {
        return "team '" + team + "' may read secret files only inside " + dir_text + " (tenants.secrets_directory)";
    }
    return std::nullopt;
}

const std::map<std::string, std::vector<std::string>>& default_destination_hosts() {
    static const std::map<std::string, std::vector<std::string>> defaults = {
        {"slack", {"hooks.slack.com", "slack.com"}},
        // Power Automate Workflows URLs live under these; the legacy connector under webhook.office.com.
        {"teams",
         {"*.logic.azure.com", "*.powerautomate.com", "*.powerplatform.com", "flow.microsoft.com",
          "*.webhook.office.com"}},
        {"pagerduty", {"events.pagerduty.com", "events.eu.pagerduty.com"}},
    };
    return defaults;
}

namespace {

// The type's own patterns (its defaults unless the host config lists the type), without a copy.
const std::vector<std::string>* own_hosts(const DestinationPolicy& policy, const std::string& type) {
    if (auto it = policy.hosts.find(type); it != policy.hosts.end()) return &it->second;
    if (auto d = default_destination_hosts().find(type); d != default_destination_hosts().end()) return &d->second;
    return nullptr;
}

// The patterns for every type ("*"), or nullptr.
const std::vector<std::string>* every_types_hosts(const DestinationPolicy& policy) {
    const auto all = policy.hosts.find("*");
    return all != policy.hosts.end() ? &all->second : nullptr;
}

bool matches_any(const std::vector<std::string>* patterns, const std::string& host, const std::string& port) {
    if (patterns == nullptr) return false;
    for (const auto& pattern : *patterns) {
        const bool with_port = pattern.find(':') != std::string::npos && pattern.front() != '[';
        if (glob_match(pattern, with_port ? host + ":" + port : host)) return true;
    }
    return false;
}

}  // namespace

std::vector<std::string> DestinationPolicy::allowed_hosts(const std::string& type) const {
    std::vector<std::string> out;
    if (const auto* own = own_hosts(*this, type)) out = *own;
    if (const auto* all = every_types_hosts(*this)) out.insert(out.end(), all->begin(), all->end());
    return out;
}

// Runs for every delivery (the host's allowlist binds whatever a plugin rendered): the patterns
// are matched where they are, and the list is copied only to explain a refusal.
std::optional<std::string> check_destination(const DestinationPolicy& policy, const std::string& type,
                                             const std::string& url) {
    auto parsed = boost::urls::parse_absolute_uri(url);
    if (!parsed) return std::string("destination is not an absolute URL");
    const std::string scheme(parsed->scheme());
    std::string host(parsed->encoded_host());
    for (auto& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (scheme != "https" && scheme != "http") return "destination scheme '" + scheme + "' is not http(s)";
    if (scheme == "http" && !policy.allow_http) {
        return "destination http://" + host +
               " is plain http; only https is allowed (destinations.allow_http in the host config, for local testing)";
    }
    const std::string port = parsed->has_port() ? std::string(parsed->port()) : (scheme == "https" ? "443" : "80");
    if (matches_any(own_hosts(policy, type), host, port) || matches_any(every_types_hosts(policy), host, port)) {
        return std::nullopt;
    }
    const auto allowed = policy.allowed_hosts(type);
    return "destination host '" + host + "' is not allowed for channel type '" + type + "' (allowed: " + [&] {
        std::string list;
        for (const auto& p : allowed) list += (list.empty() ? "" : ", ") + p;
        return list.empty() ? std::string("none; list hosts under destinations.hosts." + type) : list;
    }() + ")";
}

}  // namespace herald
