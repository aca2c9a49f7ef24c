// herald post / herald emit's retry schedule, checked with the test's own clock.
#include <gtest/gtest.h>

#include <deque>

#include "cli/ci_environment.hpp"
#include "cli/emit_event.hpp"
#include "cli/retry.hpp"

namespace herald::cli {
namespace {
using std::chrono::milliseconds;
using std::chrono::seconds;

struct ScriptedIntake {
    std::deque<AttemptResult> answers;
    int calls = 0;
    AttemptResult operator()() {
        ++calls;
        AttemptResult r = answers.front();
        if (answers.size() > 1) answers.pop_front();
        return r;
    }
};

struct RecordingClock {
    std::vector<milliseconds> sleeps;
    Sleeper sleeper() {
        return [this](milliseconds d) { sleeps.push_back(d); };
    }
};

TEST(RetrySchedule, ThreeRetriesSpreadOverFiveMinutesByDefault) {
    const RetryPolicy policy;
    EXPECT_EQ(retry_delay(policy, 0), milliseconds(42857));
    EXPECT_EQ(retry_delay(policy, 1), milliseconds(85714));
    EXPECT_EQ(retry_delay(policy, 2), milliseconds(171428));
    EXPECT_LE(retry_delay(policy, 0) + retry_delay(policy, 1) + retry_delay(policy, 2), seconds(300));
    EXPECT_GE(retry_delay(policy, 0) + retry_delay(policy, 1) + retry_delay(policy, 2), seconds(299));
}

TEST(RetrySchedule, AnIntakeThatComesBackIsReachedOnARetry) {
    ScriptedIntake intake{
        {{0, "", "Couldn't connect to server", {}}, {503, "{}", "", seconds(5)}, {202, "{}", "", {}}}};
    RecordingClock clock;
    const SendOutcome out = send_with_retries(std::ref(intake), RetryPolicy{}, clock.sleeper());
    EXPECT_TRUE(out.delivered);
    EXPECT_EQ(out.attempts, 3);
    EXPECT_EQ(clock.sleeps, (std::vector<milliseconds>{milliseconds(42857), milliseconds(85714)}));
}

TEST(RetrySchedule, AnIntakeThatStaysDownIsGivenUpAfterTheLastRetry) {
    ScriptedIntake intake{{{0, "", "Couldn't connect to server", {}}}};
    RecordingClock clock;
    const SendOutcome out = send_with_retries(std::ref(intake), RetryPolicy{}, clock.sleeper());
    EXPECT_FALSE(out.delivered);
    EXPECT_EQ(intake.calls, 4);  // the first attempt and three retries
    EXPECT_EQ(clock.sleeps.size(), 3u);
    EXPECT_EQ(out.waited, milliseconds(42857 + 85714 + 171428));
    EXPECT_EQ(out.last.error, "Couldn't connect to server");
}

TEST(RetrySchedule, RetryAfterIsObeyedWithinTheSpread) {
    ScriptedIntake intake{{{429, "{}", "", seconds(120)}, {503, "{}", "", seconds(3600)}, {202, "{}", "", {}}}};
    RecordingClock clock;
    send_with_retries(std::ref(intake), RetryPolicy{}, clock.sleeper());
    // 120 s is longer than the first step: obeyed. An hour is capped at the whole spread.
    EXPECT_EQ(clock.sleeps, (std::vector<milliseconds>{seconds(120), seconds(300)}));
}

TEST(RetrySchedule, RefusalsStopAtOnce) {
    for (long status : {400L, 401L, 403L, 413L, 415L}) {
        ScriptedIntake intake{{{status, "{}", "", {}}}};
        RecordingClock clock;
        const SendOutcome out = send_with_retries(std::ref(intake), RetryPolicy{}, clock.sleeper());
        EXPECT_FALSE(out.delivered) << status;
        EXPECT_EQ(intake.calls, 1) << status;
        EXPECT_TRUE(clock.sleeps.empty()) << status;
    }
    ScriptedIntake duplicate{{{200, R"({"status":"duplicate"})", "", {}}}};
    RecordingClock clock;
    EXPECT_TRUE(send_with_retries(std::ref(duplicate), RetryPolicy{}, clock.sleeper()).delivered);
}

TEST(RetrySchedule, DurationsParse) {
    EXPECT_EQ(parse_duration("5m"), milliseconds(300000));
    EXPECT_EQ(parse_duration("90s"), milliseconds(90000));
    EXPECT_EQ(parse_duration("2"), milliseconds(2000));
    EXPECT_EQ(parse_duration("1h"), milliseconds(3600000));
    EXPECT_EQ(parse_duration("5 m"), std::nullopt);
    EXPECT_EQ(parse_duration("-1s"), std::nullopt);
    EXPECT_EQ(parse_duration("x"), std::nullopt);
}

EnvLookup fake_env(std::map<std::string, std::string> values) {
    return [values = std::move(values)](const char* name) {
        const auto it = values.find(name);
        return it == values.end() ? std::string() : it->second;
    };
}

TEST(CiEnvironment, GitHubActions) {
    const CiDefaults d = ci_defaults(fake_env({{"GITHUB_ACTIONS", "true"},
                                               {"GITHUB_REPOSITORY", "acme/payments-api"},
                                               {"GITHUB_SERVER_URL", "https://github.com"},
                                               {"GITHUB_SHA", "8c1f2e9a4b7d3c6e5f0a1b2c3d4e5f6a7b8c9d0e"},
                                               {"GITHUB_ACTOR", "bot"},
                                               {"GITHUB_TRIGGERING_ACTOR", "alice"},
                                               {"GITHUB_RUN_ID", "9876"},
                                               {"GITHUB_RUN_ATTEMPT", "2"},
                                               {"GITHUB_WORKFLOW", "Deploy"},
                                               {"GITHUB_REF_TYPE", "tag"},
                                               {"GITHUB_REF_NAME", "v1.4.2"}}));
    EXPECT_EQ(d.system, "github-actions");
    EXPECT_EQ(d.service, "payments-api");
    EXPECT_EQ(d.version, "v1.4.2");
    EXPECT_EQ(d.triggered_by, "alice");
    EXPECT_EQ(d.pipeline_url, "https://github.com/acme/payments-api/actions/runs/9876");
    EXPECT_EQ(d.commit_url, "https://github.com/acme/payments-api/commit/8c1f2e9a4b7d3c6e5f0a1b2c3d4e5f6a7b8c9d0e");
}

TEST(CiEnvironment, GitLabCi) {
    const CiDefaults d =
        ci_defaults(fake_env({{"GITLAB_CI", "true"},
                              {"CI_PROJECT_NAME", "payments-api"},
                              {"CI_PROJECT_URL", "https://gitlab.example.com/acme/payments-api"},
                              {"CI_ENVIRONMENT_NAME", "production"},
                              {"CI_COMMIT_SHA", "bcbb5ec396a2c0f828686f14fac9b80b780504f2"},
                              {"CI_COMMIT_SHORT_SHA", "bcbb5ec3"},
                              {"GITLAB_USER_LOGIN", "alice"},
                              {"CI_PIPELINE_URL", "https://gitlab.example.com/acme/payments-api/-/pipelines/31"},
                              {"CI_PIPELINE_ID", "31"},
                              {"CI_JOB_STAGE", "deploy"}}));
    EXPECT_EQ(d.system, "gitlab-ci");
    EXPECT_EQ(d.environment, "production");
    EXPECT_EQ(d.version, "bcbb5ec3");
    EXPECT_EQ(d.failure_stage, "deploy");
    EXPECT_TRUE(ci_defaults(fake_env({})).system.empty());
}

TEST(EmitEvent, FlagsOverrideTheCiEnvironmentAndTheIdIsStablePerRun) {
    CiDefaults ci;
    ci.system = "github-actions";
    ci.service = "payments-api";
    ci.commit_sha = "8c1f2e9";
    ci.triggered_by = "alice";
    ci.pipeline_url = "https://github.com/acme/payments-api/actions/runs/9876";
    ci.run_id = "9876";
    ci.run_attempt = "1";
    ci.failure_stage = "deploy";
    const Args args({"--status", "failed", "--environment", "production", "--failure-stage", "canary", "--reason",
                     "p99 latency 2.3s", "--label", "region=eu-west-1"},
                    kEmitOptions, {});
    const std::string first = build_emitted_event(args, ci, 1000);
    EXPECT_EQ(first, build_emitted_event(args, ci, 2000));  // same run: same id, a retry is a duplicate
    EXPECT_NE(first.find(R"("id":"payments-api-production-9876-1-failed")"), std::string::npos) << first;
    EXPECT_NE(first.find(R"("failure":{"stage":"canary","reason":"p99 latency 2.3s"})"), std::string::npos) << first;
    EXPECT_NE(first.find(R"("region":"eu-west-1")"), std::string::npos) << first;
    EXPECT_THROW(build_emitted_event(Args({"--status", "failed", "--label", "novalue"}, kEmitOptions, {}), ci, 0),
                 UsageError);
}

}  // namespace
}  // namespace herald::cli
