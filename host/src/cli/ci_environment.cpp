#include "cli/ci_environment.hpp"

#include <cstdlib>

namespace herald::cli {
namespace {

std::string last_segment(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

CiDefaults github_actions(const EnvLookup& env) {
    CiDefaults d;
    d.system = "github-actions";
    const std::string server = env("GITHUB_SERVER_URL").empty() ? "https://github.com" : env("GITHUB_SERVER_URL");
    const std::string repository = env("GITHUB_REPOSITORY");
    d.service = last_segment(repository);
    d.commit_sha = env("GITHUB_SHA");
    if (!repository.empty() && !d.commit_sha.empty())
        d.commit_url = server + "/" + repository + "/commit/" + d.commit_sha;
    // A tag push names the version; otherwise the short SHA does.
    if (env("GITHUB_REF_TYPE") == "tag") d.version = env("GITHUB_REF_NAME");
    if (d.version.empty()) d.version = d.commit_sha.substr(0, 12);
    d.triggered_by = env("GITHUB_TRIGGERING_ACTOR").empty() ? env("GITHUB_ACTOR") : env("GITHUB_TRIGGERING_ACTOR");
    d.run_id = env("GITHUB_RUN_ID");
    d.run_attempt = env("GITHUB_RUN_ATTEMPT");
    if (!repository.empty() && !d.run_id.empty())
        d.pipeline_url = server + "/" + repository + "/actions/runs/" + d.run_id;
    d.pipeline_name = env("GITHUB_WORKFLOW");
    d.failure_stage = env("GITHUB_JOB");
    return d;
}

CiDefaults gitlab_ci(const EnvLookup& env) {
    CiDefaults d;
    d.system = "gitlab-ci";
    d.service = env("CI_PROJECT_NAME");
    d.environment = env("CI_ENVIRONMENT_NAME");
    d.commit_sha = env("CI_COMMIT_SHA");
    d.commit_message = env("CI_COMMIT_TITLE");
    if (!env("CI_PROJECT_URL").empty() && !d.commit_sha.empty()) {
        d.commit_url = env("CI_PROJECT_URL") + "/-/commit/" + d.commit_sha;
    }
    d.version = env("CI_COMMIT_TAG").empty() ? env("CI_COMMIT_SHORT_SHA") : env("CI_COMMIT_TAG");
    d.triggered_by = env("GITLAB_USER_LOGIN");
    d.pipeline_url = env("CI_PIPELINE_URL");
    d.pipeline_name = env("CI_PIPELINE_NAME").empty() ? "GitLab pipeline" : env("CI_PIPELINE_NAME");
    d.run_id = env("CI_PIPELINE_ID");
    d.run_attempt = env("CI_JOB_ID");
    d.failure_stage = env("CI_JOB_STAGE");
    d.started_at = env("CI_PIPELINE_CREATED_AT");
    return d;
}

}  // namespace

CiDefaults ci_defaults(const EnvLookup& env) {
    if (env("GITHUB_ACTIONS") == "true") return github_actions(env);
    if (env("GITLAB_CI") == "true") return gitlab_ci(env);
    return {};
}

std::string process_env(const char* name) {
    const char* value = std::getenv(name);
    return value == nullptr ? std::string() : std::string(value);
}

}  // namespace herald::cli
