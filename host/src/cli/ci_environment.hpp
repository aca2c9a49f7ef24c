// What a CI system's own environment says about the deploy being reported: GitHub Actions
// (GITHUB_*) and GitLab CI (CI_*, GITLAB_*). `herald emit` starts from these and lets flags
// override every field.
#pragma once

#include <functional>
#include <string>

namespace herald::cli {

struct CiDefaults {
    std::string system;  // "github-actions", "gitlab-ci" or empty
    std::string service, environment, version;
    std::string commit_sha, commit_message, commit_url;
    std::string triggered_by;
    std::string pipeline_url, pipeline_name, run_id, run_attempt;
    std::string failure_stage;
    std::string started_at;
};

using EnvLookup = std::function<std::string(const char* name)>;

CiDefaults ci_defaults(const EnvLookup& env);

// The process environment as an EnvLookup.
std::string process_env(const char* name);

}  // namespace herald::cli
