// Messages end to end: the real `herald serve` and the fake Slack. In bot mode a deployment has
// one message that later events update in place, and a failure adds a thread reply that
// mentions the on-call group; a channel's templates shape what the channel receives.
#include <gtest/gtest.h>

#include "support/serve_harness.hpp"

namespace herald {
namespace {

using namespace std::chrono_literals;
using test::ServeHarness;
namespace json = boost::json;

std::string deploy(const std::string& id, const std::string& deployment, const std::string& status,
                   const std::string& triggered_by = "ci") {
    const std::string extra =
        status == "failed" ? R"(,"commit":{"sha":"abc1234"},"failure":{"stage":"migrate","reason":"lock timeout"},)"
                             R"("pipeline":{"url":"https://ci.example.com/r/9"},"triggered_by":)" +
                                 json::serialize(json::string(triggered_by))
                           : std::string{};
    return R"({"id":")" + id + R"(","service":"payments-api","environment":"production","status":")" + status +
           R"(","deployment_id":")" + deployment + R"(","version":"2.0")" + extra + "}";
}

class Messages : public ::testing::Test {
 protected:
    json::array slack_messages() {
        const auto r = test::http_request("GET", h_.fake_url("/_fake/slack/messages"));
        return json::parse(r.body).at("messages").as_array();
    }
    ServeHarness h_;
};

TEST_F(Messages, SlackBotModeKeepsOneMessagePerDeploymentAndRepliesToFailures) {
    h_.team("payments",
            "version: 1\nteam: payments\nservices: [payments-api]\nchannels:\n"
            "  - name: deploys\n    type: slack\n    statuses: [started, succeeded, failed]\n"
            "    settings:\n      bot_token: " +
                h_.secret("payments-bot", "xoxb-test-token") +
                "\n      channel: C0PAY\n      api_url: " + h_.fake_url("/slack/api") +
                "\n    message:\n      mentions:\n        - statuses: [failed]\n          mention:\n"
                "            - {kind: group, id: S0ONCALL, name: payments-oncall}\n");
    h_.write_host_config();
    h_.start_herald();

    ASSERT_EQ(h_.post(deploy("e1", "pay-1", "started")).status, 202);
    ASSERT_TRUE(h_.wait_for_jobs_done(1, 20s));
    ASSERT_EQ(h_.post(deploy("e2", "pay-1", "failed")).status, 202);
    ASSERT_EQ(h_.post(deploy("e3", "pay-2", "started")).status, 202);
    ASSERT_TRUE(h_.wait_for_jobs_done(3, 20s));
    ASSERT_EQ(h_.post(deploy("e4", "pay-2", "succeeded")).status, 202);
    ASSERT_TRUE(h_.wait_for_jobs_done(4, 20s)) << h_.herald_log();

    const json::array messages = slack_messages();
    ASSERT_EQ(messages.size(), 3u) << json::serialize(messages);  // two deployments + one thread reply
    const json::object* first = nullptr;
    const json::object* reply = nullptr;
    const json::object* second = nullptr;
    for (const auto& m : messages) {
        if (m.as_object().contains("thread_ts")) reply = &m.as_object();
    }
    ASSERT_NE(reply, nullptr) << json::serialize(messages);
    for (const auto& m : messages) {
        if (m.as_object().contains("thread_ts")) continue;
        (m.at("ts") == reply->at("thread_ts") ? first : second) = &m.as_object();
    }
    ASSERT_NE(first, nullptr) << json::serialize(messages);
    ASSERT_NE(reply, nullptr) << json::serialize(messages);
    ASSERT_NE(second, nullptr) << json::serialize(messages);
    EXPECT_EQ(first->at("updates").as_int64(), 1) << "the started message was updated in place to the failure";
    EXPECT_NE(json::serialize(first->at("text")).find("failed"), std::string::npos) << json::serialize(*first);
    EXPECT_NE(json::serialize(*reply).find("<!subteam^S0ONCALL>"), std::string::npos) << json::serialize(*reply);
    EXPECT_NE(json::serialize(*reply).find("lock timeout"), std::string::npos);
    EXPECT_EQ(second->at("updates").as_int64(), 1) << "success updated its deployment's message";
    EXPECT_NE(json::serialize(second->at("text")).find("Recovered: payments-api"), std::string::npos)
        << "the success (a recovery after pay-1 failed) replaced the started text: " << json::serialize(*second);
    for (const auto& job : h_.jobs()) EXPECT_EQ(job.state, "delivered") << job.event_id;
}

TEST_F(Messages, TemplatesShapeTheMessageAndEventTextStaysText) {
    h_.team("payments",
            "version: 1\nteam: payments\nservices: [payments-api]\nchannels:\n"
            "  - name: deploys\n    type: slack\n    settings:\n      webhook_url: " +
                h_.secret("payments-slack", h_.fake_url("/slack/services/T0/B0/payments")) +
                "\n    message:\n      title: \"{{service}} broke {{environment}} ({{failure.stage}})\"\n"
                "      links:\n        - {text: Runbook, url: \"https://runbooks.example.com/{{service}}\"}\n");
    h_.write_host_config();
    h_.start_herald();
    ASSERT_EQ(h_.post(deploy("e1", "pay-1", "failed", "<!channel> <https://evil.example|click>")).status, 202);
    ASSERT_TRUE(h_.wait_for_jobs_done(1, 20s)) << h_.herald_log();
    const auto requests = h_.fake_requests("slack");
    ASSERT_EQ(requests.size(), 1u);
    const std::string body(requests[0].at("body").as_string());
    EXPECT_NE(body.find("payments-api broke production (migrate)"), std::string::npos) << body;
    EXPECT_NE(body.find("https://runbooks.example.com/payments-api"), std::string::npos) << body;
    EXPECT_EQ(body.find("<!channel>"), std::string::npos) << "event text cannot mention: " << body;
    EXPECT_EQ(body.find("<https://evil.example"), std::string::npos) << "event text cannot link: " << body;
}

}  // namespace
}  // namespace herald
