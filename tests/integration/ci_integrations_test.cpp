// The GitHub Action and the GitLab CI template, run the way their CI system runs them: the
// action's step with its inputs turned into environment variables, the template's script lines
// in one shell, each with that CI system's variables, against a real Herald.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <regex>

#include "support/run_process.hpp"
#include "support/serve_harness.hpp"

namespace herald {
namespace {

using namespace std::chrono_literals;
using test::ServeHarness;
namespace json = boost::json;

const std::string kRoot = HERALD_SOURCE_DIR;

std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::string env_prefix(const std::map<std::string, std::string>& env) {
    std::string out = "env -i PATH=/usr/bin:/bin";
    for (const auto& [k, v] : env) out += " " + k + "=" + shell_quote(v);
    return out + " ";
}

class CiIntegrations : public ::testing::Test {
 protected:
    void SetUp() override {
        h_.team("payments",
                "version: 1\nteam: payments\nservices: [payments-api]\nchannels:\n  - name: hook\n"
                "    type: webhook\n    settings:\n      url: " +
                    h_.secret("payments-hook", h_.fake_url("/webhook/payments")) +
                    "\n    statuses: [failed, succeeded]\n");
        h_.write_host_config();
        h_.start_herald();
    }

    // The one event the payments team's webhook received.
    json::object delivered_event() {
        EXPECT_TRUE(h_.wait_for_jobs_done(1, 10s)) << h_.herald_log();
        const auto requests = h_.fake_requests("webhook");
        EXPECT_EQ(requests.size(), 1u);
        if (requests.empty()) return {};
        return json::parse(requests[0].at("body").as_string()).at("event").as_object();
    }

    ServeHarness h_;
};

TEST_F(CiIntegrations, GitHubActionReportsAFailedDeployFromTheWorkflowEnvironment) {
    const YAML::Node action = YAML::LoadFile(kRoot + "/integrations/github-action/action.yml");
    ASSERT_EQ(action["runs"]["using"].as<std::string>(), "composite");
    const YAML::Node step = action["runs"]["steps"][0];
    ASSERT_EQ(step["run"].as<std::string>(), "\"$GITHUB_ACTION_PATH/emit.sh\"");

    // What the workflow passes with `with:`; the rest take the action's defaults.
    const std::map<std::string, std::string> with = {
        {"url", h_.intake_url("")},  {"secret", test::kSourceSecret},
        {"status", "failed"},        {"environment", "production"},
        {"failure-stage", "canary"}, {"reason", "p99 latency 2.3s over the 500ms budget"},
        {"herald", HERALD_BINARY}};
    std::map<std::string, std::string> env = {
        {"GITHUB_ACTIONS", "true"},
        {"GITHUB_ACTION_PATH", kRoot + "/integrations/github-action"},
        {"GITHUB_SERVER_URL", "https://github.com"},
        {"GITHUB_REPOSITORY", "acme/payments-api"},
        {"GITHUB_SHA", "8c1f2e9a4b7d3c6e5f0a1b2c3d4e5f6a7b8c9d0e"},
        {"GITHUB_ACTOR", "alice"},
        {"GITHUB_RUN_ID", "9876543210"},
        {"GITHUB_RUN_ATTEMPT", "1"},
        {"GITHUB_WORKFLOW", "Deploy production"},
        {"GITHUB_JOB", "deploy"},
    };
    // The step's env block, with ${{ inputs.X }} resolved as GitHub does.
    const std::regex input_ref(R"(^\$\{\{ inputs\.([a-z-]+) \}\}$)");
    for (const auto& entry : step["env"]) {
        const std::string value = entry.second.as<std::string>();
        std::smatch m;
        ASSERT_TRUE(std::regex_match(value, m, input_ref)) << value;
        const std::string input = m[1];
        ASSERT_TRUE(action["inputs"][input]) << "the step reads an input the action does not declare: " << input;
        const auto given = with.find(input);
        env[entry.first.as<std::string>()] =
            given != with.end() ? given->second : action["inputs"][input]["default"].as<std::string>("");
    }
    for (const auto& input : action["inputs"]) {
        bool passed = false;
        for (const auto& entry : step["env"])
            passed |= entry.second.as<std::string>().find("inputs." + input.first.as<std::string>() + " ") !=
                      std::string::npos;
        EXPECT_TRUE(passed) << "input " << input.first.as<std::string>() << " never reaches the step";
    }

    const auto r = test::run_process(env_prefix(env) + "bash -c '\"$GITHUB_ACTION_PATH/emit.sh\"' 2>&1");
    ASSERT_EQ(r.exit_status, 0) << r.output;
    const json::object e = delivered_event();
    EXPECT_EQ(e.at("id"), "payments-api-production-9876543210-1-failed");
    EXPECT_EQ(e.at("service"), "payments-api");
    EXPECT_EQ(e.at("status"), "failed");
    EXPECT_EQ(e.at("commit").at("sha"), "8c1f2e9a4b7d3c6e5f0a1b2c3d4e5f6a7b8c9d0e");
    EXPECT_EQ(e.at("triggered_by"), "alice");
    EXPECT_EQ(e.at("pipeline").at("url"), "https://github.com/acme/payments-api/actions/runs/9876543210");
    EXPECT_EQ(e.at("failure").at("stage"), "canary");
    EXPECT_EQ(e.at("failure").at("reason"), "p99 latency 2.3s over the 500ms budget");
}

TEST_F(CiIntegrations, GitLabTemplateReportsADeployFromThePipelineEnvironment) {
    const YAML::Node templates = YAML::LoadFile(kRoot + "/integrations/gitlab/herald.gitlab-ci.yml");
    const YAML::Node job = templates[".herald-emit"];
    ASSERT_TRUE(job.IsMap());
    // The job's variables: the template's defaults, then what the extending job sets.
    std::map<std::string, std::string> env;
    for (const auto& v : job["variables"]) env[v.first.as<std::string>()] = v.second.as<std::string>();
    env["HERALD_STATUS"] = "succeeded";
    env["HERALD_BIN"] = HERALD_BINARY;
    // Masked CI/CD variables.
    env["HERALD_URL"] = h_.intake_url("");
    env["HERALD_SECRET"] = test::kSourceSecret;
    // What GitLab sets in a job with `environment: production`.
    for (const auto& [k, v] : std::map<std::string, std::string>{
             {"GITLAB_CI", "true"},
             {"CI_PROJECT_NAME", "payments-api"},
             {"CI_PROJECT_URL", "https://gitlab.example.com/acme/payments-api"},
             {"CI_ENVIRONMENT_NAME", "production"},
             {"CI_COMMIT_SHA", "bcbb5ec396a2c0f828686f14fac9b80b780504f2"},
             {"CI_COMMIT_SHORT_SHA", "bcbb5ec3"},
             {"CI_COMMIT_TITLE", "Raise the payment timeout to 30s"},
             {"GITLAB_USER_LOGIN", "alice"},
             {"CI_PIPELINE_URL", "https://gitlab.example.com/acme/payments-api/-/pipelines/31"},
             {"CI_PIPELINE_ID", "31"},
             {"CI_JOB_ID", "380"},
             {"CI_JOB_STAGE", "deploy"}}) {
        env[k] = v;
    }
    // GitLab runs a job's script lines in one shell, stopping at the first that fails.
    std::string script = "set -e\n";
    for (const auto& line : job["script"]) script += line.as<std::string>() + "\n";
    const auto r = test::run_process(env_prefix(env) + "sh -c " + shell_quote(script) + " 2>&1");
    ASSERT_EQ(r.exit_status, 0) << r.output;
    const json::object e = delivered_event();
    EXPECT_EQ(e.at("id"), "payments-api-production-31-380-succeeded");
    EXPECT_EQ(e.at("environment"), "production");
    EXPECT_EQ(e.at("status"), "succeeded");
    EXPECT_EQ(e.at("version"), "bcbb5ec3");
    EXPECT_EQ(e.at("commit").at("message"), "Raise the payment timeout to 30s");
    EXPECT_EQ(e.at("pipeline").at("url"), "https://gitlab.example.com/acme/payments-api/-/pipelines/31");
    EXPECT_EQ(e.at("labels").at("ci"), "gitlab-ci");
}

TEST_F(CiIntegrations, TheTemplateFailsTheJobWhenHeraldNeverAnswers) {
    const YAML::Node job = YAML::LoadFile(kRoot + "/integrations/gitlab/herald.gitlab-ci.yml")[".herald-emit"];
    std::map<std::string, std::string> env;
    for (const auto& v : job["variables"]) env[v.first.as<std::string>()] = v.second.as<std::string>();
    env["HERALD_STATUS"] = "succeeded";
    env["HERALD_ENVIRONMENT"] = "production";
    env["HERALD_SERVICE"] = "payments-api";
    env["HERALD_VERSION"] = "1.2.3";
    env["HERALD_RETRIES"] = "1";
    env["HERALD_RETRY_FOR"] = "200ms";
    env["HERALD_BIN"] = HERALD_BINARY;
    env["HERALD_URL"] = "http://127.0.0.1:1";  // nothing listens on port 1
    env["HERALD_SECRET"] = "x";
    std::string script = "set -e\n";
    for (const auto& line : job["script"]) script += line.as<std::string>() + "\n";
    const auto r = test::run_process(env_prefix(env) + "sh -c " + shell_quote(script) + " 2>&1");
    EXPECT_EQ(r.exit_status, 1) << r.output;
    EXPECT_NE(r.output.find("NOT delivered"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace herald
