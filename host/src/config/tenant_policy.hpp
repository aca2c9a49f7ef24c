// The boundary between teams: which secret references a team file may use, and which hosts a
// channel may send to. Both are set in the host config, which only the platform team changes;
// a team file can only stay inside them.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/secret_ref.hpp"

namespace herald {

struct TenantPolicy {
    // A team may use ${env:NAME} where NAME starts with this prefix; {TEAM} stands for the
    // team name upper-cased with '-' and '.' as '_' (team "data-platform": DATA_PLATFORM_).
    std::string env_prefix = "{TEAM}_";
    // A team may use ${file:PATH} inside this directory ({team}: the team name). Empty: team
    // files cannot use ${file:} at all.
    std::string secrets_directory;
    // Further references a named team may use, exactly as written (e.g. a shared channel's URL).
    std::map<std::string, std::set<std::string>> grants;
    // References the host config itself uses for host-level secrets (admin token, source
    // secrets): never reachable from a team file, whatever the prefix or grants say.
    std::set<std::string> host_env;
    std::set<std::string> host_files;  // canonical paths
};

// Why `team` may not use `ref` (a sentence naming the rule), or nullopt when it may.
// `base_dir` is the team file's folder (relative file references are taken from it).
std::optional<std::string> check_team_reference(const TenantPolicy& policy, const std::string& team,
                                                const SecretRef& ref, const std::filesystem::path& base_dir);

// The env prefix for one team, placeholders filled in.
std::string team_env_prefix(const TenantPolicy& policy, const std::string& team);

struct DestinationPolicy {
    bool allow_http = false;
    // Host patterns per channel type (globs, optionally with :port); a type listed here replaces
    // its defaults. "*" applies to every type, in addition to the type's own list.
    std::map<std::string, std::vector<std::string>> hosts;

    // The patterns in force for one channel type.
    std::vector<std::string> allowed_hosts(const std::string& type) const;
};

// Built-in host patterns for the bundled channel types (their documented endpoints).
const std::map<std::string, std::vector<std::string>>& default_destination_hosts();

// Why `url` may not be a destination of a `type` channel, or nullopt when it may. The message
// names the host, never the rest of the URL (webhook URLs carry their secret in the path).
std::optional<std::string> check_destination(const DestinationPolicy& policy, const std::string& type,
                                             const std::string& url);

}  // namespace herald
