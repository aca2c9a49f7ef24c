// GitHub, GitLab and CDEvents webhooks end to end: the real `herald serve`, the stored sample
// deliveries with signatures computed here, and the message each team's Slack channel receives.
// `herald post` against an intake that is down for a while, and one that stays down.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "support/free_port.hpp"
#include "support/run_process.hpp"
#include "support/serve_harness.hpp"

namespace herald {
namespace {

using namespace std::chrono_literals;
using test::ServeHarness;
namespace json = boost::json;

const std::string kGitHubSecret = "It's a Secret to Everybody";  // GitHub's documented test secret
const std::string kGitLabToken = "example-secret-token";
const std::string kCdEventsToken = "cdevents-token";

std::string fixture(const std::string& name) {
    return test::read_text(std::string(HERALD_SOURCE_DIR) + "/tests/fixtures/sources/" + name);
}

std::vector<std::string> sample_headers(const std::string& name) {
    const json::value all = json::parse(fixture("inbound-delivery-headers-examples.json"));
    std::vector<std::string> out;
    for (const auto& [key, value] : all.at(name).at("headers").as_object()) {
        if (key == "X-Hub-Signature-256" || key == "X-Gitlab-Token") continue;  // computed by the tests
        out.push_back(std::string(key) + ": " + std::string(value.as_string()));
    }
    return out;
}

class Sources : public ::testing::Test {
 protected:
    void SetUp() override {
        h_.add_sources("  - name: github\n    kind: github\n    secrets: [\"" + h_.secret("gh", kGitHubSecret) +
                       "\"]\n    services: {Codertocat/Hello-World: hello-world}\n"
                       "  - name: gitlab\n    kind: gitlab\n    secrets: [\"" +
                       h_.secret("gl", kGitLabToken) +
                       "\"]\n"
                       "  - name: cdevents\n    kind: cdevents\n    auth: bearer\n    secrets: [\"" +
                       h_.secret("cd", kCdEventsToken) + "\"]\n");
        h_.team("web", slack_team("web", "[hello-world]"));
        h_.team("release", slack_team("release", "[test-deployment-webhooks]"));
        h_.team("platform", slack_team("platform", "[mySubject123]"));
        h_.write_host_config();
        h_.start_herald();
    }

    std::string slack_team(const std::string& team, const std::string& services) {
        return "version: 1\nteam: " + team + "\nservices: " + services +
               "\nchannels:\n  - name: deploys\n    type: slack\n    settings:\n      webhook_url: " +
               h_.secret(team + "-slack", h_.fake_url("/slack/services/T0/B0/" + team)) +
               "\n    statuses: [failed, succeeded]\n";
    }

    test::HttpResult post_to(const std::string& source, const std::string& body, std::vector<std::string> headers) {
        return test::http_request("POST", h_.intake_url("/v1/sources/" + source), body, headers);
    }

    test::HttpResult github(const std::string& file, std::vector<std::string> extra = {}, bool sign = true) {
        const std::string body = fixture(file);
        // `extra` headers replace the sample's of the same name.
        std::vector<std::string> headers;
        for (const auto& h : sample_headers(file)) {
            const std::string name = h.substr(0, h.find(':') + 1);
            if (std::none_of(extra.begin(), extra.end(), [&](const std::string& e) { return e.rfind(name, 0) == 0; }))
                headers.push_back(h);
        }
        if (sign) headers.push_back("X-Hub-Signature-256: sha256=" + hmac_sha256_hex(kGitHubSecret, body));
        headers.insert(headers.end(), extra.begin(), extra.end());
        return post_to("github", body, headers);
    }

    // The one Slack message a team's channel received (its text and blocks, flattened).
    std::string slack_message_for(const std::string& team) {
        std::string text;
        for (const auto& r : h_.fake_requests("slack")) {
            if (std::string(r.at("path").as_string()).find("/" + team) == std::string::npos) continue;
            text += std::string(r.at("body").as_string());
        }
        return text;
    }

    size_t stored_events() { return h_.jobs().size(); }

    ServeHarness h_;
};

TEST_F(Sources, GitHubDeploymentFailureReachesTheOwningTeam) {
    const auto r = github("github-deployment_status-failure.json");
    ASSERT_EQ(r.status, 202) << r.body;
    EXPECT_EQ(r.body, R"({"id":"8ae1f0a4-cc78-11e3-81ab-4c9367dc0958","status":"accepted"})");
    ASSERT_TRUE(h_.wait_for_jobs_done(1, 10s)) << h_.herald_log();
    const std::string message = slack_message_for("web");
    // The same facts a message from Herald's own format carries: who, what, where, which commit, a link.
    for (const char* expected : {"hello-world", "production", "failed", "f95f852", "Codertocat",
                                 "https://github.com/Codertocat/Hello-World/deployments"}) {
        EXPECT_NE(message.find(expected), std::string::npos) << expected << " missing from " << message;
    }
    // GitHub redelivers with the same X-GitHub-Delivery: acknowledged, not notified again.
    const auto again = github("github-deployment_status-failure.json");
    EXPECT_EQ(again.status, 200);
    EXPECT_NE(again.body.find("duplicate"), std::string::npos);
    EXPECT_EQ(stored_events(), 1u);
}

TEST_F(Sources, GitHubSignaturesPingAndOtherEvents) {
    EXPECT_EQ(github("github-deployment_status-failure.json", {}, false).status, 401);
    const auto wrong = github("github-deployment_status-failure.json",
                              {"X-Hub-Signature-256: sha256=" + hmac_sha256_hex("wrong", "x")}, false);
    EXPECT_EQ(wrong.status, 401);
    EXPECT_NE(wrong.body.find("invalid credentials"), std::string::npos);

    const auto ping = github("github-deployment_status-failure.json", {"X-GitHub-Event: ping"});
    EXPECT_EQ(ping.status, 200);
    EXPECT_EQ(ping.body, R"({"status":"pong"})");
    const auto push = github("github-deployment_status-failure.json", {"X-GitHub-Event: push"});
    EXPECT_EQ(push.status, 200);
    EXPECT_NE(push.body.find("ignored"), std::string::npos);

    // Unmappable: the answer names the field, nothing is stored.
    json::value body = json::parse(fixture("github-deployment_status-failure.json"));
    body.at("deployment").as_object().erase("environment");
    body.at("deployment_status").as_object().erase("environment");
    const std::string text = json::serialize(body);
    std::vector<std::string> headers = sample_headers("github-deployment_status-failure.json");
    headers.push_back("X-Hub-Signature-256: sha256=" + hmac_sha256_hex(kGitHubSecret, text));
    const auto bad = post_to("github", text, headers);
    EXPECT_EQ(bad.status, 400);
    EXPECT_NE(bad.body.find("deployment.environment"), std::string::npos) << bad.body;
    EXPECT_EQ(stored_events(), 0u);

    EXPECT_EQ(post_to("nope", "{}", {"Content-Type: application/json"}).status, 404);
}

TEST_F(Sources, GitLabFailedDeploymentReachesTheOwningTeam) {
    const std::string body = fixture("gitlab-deployment-failed.json");
    std::vector<std::string> headers = sample_headers("gitlab-deployment-failed.json");
    EXPECT_EQ(post_to("gitlab", body, headers).status, 401);
    headers.push_back("X-Gitlab-Token: wrong");
    EXPECT_EQ(post_to("gitlab", body, headers).status, 401);
    headers.back() = "X-Gitlab-Token: " + kGitLabToken;
    const auto r = post_to("gitlab", body, headers);
    ASSERT_EQ(r.status, 202) << r.body;
    ASSERT_TRUE(h_.wait_for_jobs_done(1, 10s)) << h_.herald_log();
    const std::string message = slack_message_for("release");
    for (const char* expected : {"test-deployment-webhooks", "staging", "failed", "279484c0", "root",
                                 "http://10.126.0.2:3000/root/test-deployment-webhooks/-/jobs/796"}) {
        EXPECT_NE(message.find(expected), std::string::npos) << expected << " missing from " << message;
    }
}

TEST_F(Sources, CdEventsServiceDeployedReachesTheOwningTeam) {
    const std::string body = fixture("cdevents-service-deployed.json");
    std::vector<std::string> headers = sample_headers("cdevents-service-deployed.json");
    EXPECT_EQ(post_to("cdevents", body, headers).status, 401);
    headers.push_back("Authorization: Bearer " + kCdEventsToken);
    const auto r = post_to("cdevents", body, headers);
    ASSERT_EQ(r.status, 202) << r.body;
    ASSERT_TRUE(h_.wait_for_jobs_done(1, 10s)) << h_.herald_log();
    const std::string message = slack_message_for("platform");
    for (const char* expected : {"mySubject123", "test123", "sha256:0b31b1c02ff4"}) {
        EXPECT_NE(message.find(expected), std::string::npos) << expected << " missing from " << message;
    }
    // The pipeline run sample names no service: refused with the field, nothing stored.
    std::vector<std::string> run_headers = sample_headers("cdevents-pipelinerun-finished-failure.json");
    run_headers.push_back("Authorization: Bearer " + kCdEventsToken);
    const auto run = post_to("cdevents", fixture("cdevents-pipelinerun-finished-failure.json"), run_headers);
    EXPECT_EQ(run.status, 400);
    EXPECT_NE(run.body.find("customData.service"), std::string::npos) << run.body;
    EXPECT_EQ(stored_events(), 1u);
    // /v1/events stays Herald's own format: a CDEvents source's token does not open it.
    EXPECT_EQ(h_.post(body, {"Authorization: Bearer " + kCdEventsToken}, false).status, 401);
}

TEST(HeraldPost, DeliversOnceAnIntakeThatWasDownComesBack) {
    ServeHarness h;
    const int port = test::free_port();
    h.set_intake_port(port);
    h.team("web", "version: 1\nteam: web\nservices: [web]\n");
    h.write_host_config();
    const std::string event = h.dir() / "event.json";
    std::ofstream(event) << test::failed_event("post-retry-1", "web");

    test::ProcessResult client;
    std::thread pipeline([&] {
        client = test::run_process("HERALD_SECRET='" + test::kSourceSecret + "' '" + HERALD_BINARY +
                                   "' post --url http://127.0.0.1:" + std::to_string(port) +
                                   " --retries 6 --retry-for 20s " + event + " 2>&1");
    });
    std::this_thread::sleep_for(500ms);  // the first attempts find nobody listening
    h.start_herald();
    pipeline.join();
    EXPECT_EQ(client.exit_status, 0) << client.output;
    EXPECT_NE(client.output.find("retrying in"), std::string::npos) << client.output;
    EXPECT_NE(client.output.find(R"(202 {"id":"post-retry-1","status":"accepted"})"), std::string::npos)
        << client.output;
}

TEST(HeraldPost, GivesUpWithOneLineWhenTheIntakeStaysDown) {
    test::TempDir dir;
    const auto event = dir.write("event.json", test::failed_event("post-retry-2", "web"));
    const int port = test::free_port();  // nobody listens here
    const auto r = test::run_process("HERALD_SECRET=x '" + std::string(HERALD_BINARY) +
                                     "' post --url http://127.0.0.1:" + std::to_string(port) +
                                     " --retries 2 --retry-for 1s " + event.string() + " 2>&1 >/dev/null");
    EXPECT_EQ(r.exit_status, 1);
    EXPECT_NE(
        r.output.find("NOT delivered to http://127.0.0.1:" + std::to_string(port) + "/v1/events after 3 attempts"),
        std::string::npos)
        << r.output;
}

TEST(HeraldPost, StopsAtOnceOnARefusal) {
    ServeHarness h;
    h.team("web", "version: 1\nteam: web\nservices: [web]\n");
    h.write_host_config();
    h.start_herald();
    const auto event = h.dir() / "event.json";
    std::ofstream(event) << test::failed_event("post-refused", "web");
    const auto r = test::run_process("HERALD_SECRET=wrong-secret '" + std::string(HERALD_BINARY) + "' post --url " +
                                     h.intake_url("") + " --retries 3 --retry-for 5m " + event.string() + " 2>&1");
    EXPECT_EQ(r.exit_status, 1);
    EXPECT_EQ(r.output.find("retrying"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("after 1 attempt over"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace herald
