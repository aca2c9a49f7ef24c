// Each plugin's status -> outcome table, as its channel documents it (see CHANNELS facts in
// docs/channels.md).
#include <gtest/gtest.h>

#include "plugins/plugin_fixture.hpp"

namespace herald {
namespace {

struct Row {
    Row(int status_code, std::string response_body, HeaderList response_headers, herald_outcome outcome,
        std::string reason_part, int64_t retry_after = -1, std::string expected_receipt = {})
        : status(status_code),
          body(std::move(response_body)),
          headers(std::move(response_headers)),
          expected(outcome),
          reason_contains(std::move(reason_part)),
          retry_after_ms(retry_after),
          receipt(std::move(expected_receipt)) {}

    int status;
    std::string body;
    HeaderList headers;
    herald_outcome expected;
    std::string reason_contains;  // empty: not checked
    int64_t retry_after_ms;
    std::string receipt;
};

void expect_table(const ChannelInstance& channel, const std::vector<Row>& rows) {
    for (const auto& row : rows) {
        SCOPED_TRACE("HTTP " + std::to_string(row.status) + " body '" + row.body + "'");
        auto result = channel.classify("{}", HttpResponse{row.status, row.headers, row.body});
        ASSERT_TRUE(std::holds_alternative<Classification>(result)) << std::get<std::string>(result);
        const auto& c = std::get<Classification>(result);
        EXPECT_EQ(c.outcome, row.expected);
        if (!row.reason_contains.empty()) {
            EXPECT_NE(c.reason.find(row.reason_contains), std::string::npos) << c.reason;
        }
        EXPECT_EQ(c.retry_after_ms, row.retry_after_ms);
        EXPECT_EQ(c.receipt, row.receipt);
    }
}

TEST(SlackClassify, WebhookAnswers) {
    auto slack = test::make_channel("slack", R"({"webhook_url":"https://hooks.slack.com/services/T/B/X"})");
    ASSERT_NE(slack, nullptr);
    expect_table(*slack, {
                             {200, "ok", {}, HERALD_OUTCOME_DELIVERED, ""},
                             {429, "", {{"Retry-After", "30"}}, HERALD_OUTCOME_RETRY, "429", 30000},
                             {500, "rollup_error", {}, HERALD_OUTCOME_RETRY, "rollup_error"},
                             {503, "", {}, HERALD_OUTCOME_RETRY, "503"},
                             {400, "invalid_payload", {}, HERALD_OUTCOME_REJECTED, "invalid_payload"},
                             {403, "action_prohibited", {}, HERALD_OUTCOME_REJECTED, "action_prohibited"},
                             {404, "channel_not_found", {}, HERALD_OUTCOME_REJECTED, "channel_not_found"},
                             {404, "no_team", {}, HERALD_OUTCOME_REJECTED, "no_team"},
                             {410, "channel_is_archived", {}, HERALD_OUTCOME_REJECTED, "channel_is_archived"},
                         });
}

TEST(SlackClassify, BotAnswersAreReadFromTheBody) {
    auto slack = test::make_channel("slack", R"({"bot_token":"xoxb-1","channel":"C1"})");
    ASSERT_NE(slack, nullptr);
    expect_table(
        *slack,
        {
            {200,
             R"({"ok":true,"channel":"C1","ts":"1795000000.000100"})",
             {},
             HERALD_OUTCOME_DELIVERED,
             "",
             -1,
             "1795000000.000100"},
            {200, R"({"ok":false,"error":"channel_not_found"})", {}, HERALD_OUTCOME_REJECTED, "channel_not_found"},
            {200, R"({"ok":false,"error":"is_archived"})", {}, HERALD_OUTCOME_REJECTED, "is_archived"},
            {200, R"({"ok":false,"error":"token_revoked"})", {}, HERALD_OUTCOME_REJECTED, "token_revoked"},
            {200, R"({"ok":false,"error":"invalid_blocks"})", {}, HERALD_OUTCOME_REJECTED, "invalid_blocks"},
            {200, R"({"ok":false,"error":"service_unavailable"})", {}, HERALD_OUTCOME_RETRY, "service_unavailable"},
            {429, R"({"ok":false,"error":"ratelimited"})", {{"retry-after", "3"}}, HERALD_OUTCOME_RETRY, "", 3000},
            {200, "<html>", {}, HERALD_OUTCOME_RETRY, "non-JSON"},
        });
}

TEST(TeamsClassify, WorkflowsAcceptWithoutConfirmation) {
    auto teams = test::make_channel("teams", R"({"webhook_url":"https://prod-00.logic.azure.com/workflows/x"})");
    ASSERT_NE(teams, nullptr);
    expect_table(*teams,
                 {
                     {202, "", {}, HERALD_OUTCOME_ACCEPTED, "asynchronously"},
                     {200, "", {}, HERALD_OUTCOME_ACCEPTED, ""},
                     {429, "", {{"Retry-After", "10"}}, HERALD_OUTCOME_RETRY, "429", 10000},
                     {502, "", {}, HERALD_OUTCOME_RETRY, "502"},
                     {400, "bad card", {}, HERALD_OUTCOME_REJECTED, "bad card"},
                     {404, "", {}, HERALD_OUTCOME_REJECTED, "404"},
                     // Connector-style failures wrapped in a 2xx are never taken as success.
                     {200,
                      "Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error "
                      "429 with ContextId tcid=0",
                      {},
                      HERALD_OUTCOME_RETRY,
                      "throttled"},
                     {200, "ErrorCode:ApplicationThrottled", {}, HERALD_OUTCOME_RETRY, "throttled"},
                     {200,
                      "Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error "
                      "413",
                      {},
                      HERALD_OUTCOME_REJECTED,
                      "HTTP error 413"},
                 });
}

TEST(TeamsClassify, LegacyConnectorNeedsBodyOne) {
    auto teams = test::make_channel(
        "teams", R"({"webhook_url":"https://x.webhook.office.com/webhookb2/y","format":"connector"})");
    ASSERT_NE(teams, nullptr);
    expect_table(
        *teams,
        {
            {200, "1", {}, HERALD_OUTCOME_DELIVERED, ""},
            {200, "something else", {}, HERALD_OUTCOME_RETRY, "unexpected connector answer"},
            {200, "Microsoft Teams endpoint returned HTTP error 400", {}, HERALD_OUTCOME_REJECTED, "HTTP error 400"},
        });
}

TEST(PagerDutyClassify, EventsApiAnswers) {
    auto pd = test::make_channel("pagerduty", R"({"routing_key":"0123456789abcdef0123456789abcdef"})");
    ASSERT_NE(pd, nullptr);
    expect_table(
        *pd,
        {
            {202,
             R"({"status":"success","message":"Event processed","dedup_key":"herald/a/b"})",
             {},
             HERALD_OUTCOME_DELIVERED,
             "",
             -1,
             "herald/a/b"},
            {400,
             R"({"status":"invalid event","message":"Event object is invalid","errors":["Length of 'routing_key' is incorrect"]})",
             {},
             HERALD_OUTCOME_REJECTED,
             "Event object is invalid; Length of 'routing_key' is incorrect"},
            {429, "", {{"Retry-After", "30"}}, HERALD_OUTCOME_RETRY, "429", 30000},
            {429, "", {}, HERALD_OUTCOME_RETRY, "429"},
            {500, "", {}, HERALD_OUTCOME_RETRY, "500"},
            {403, "forbidden", {}, HERALD_OUTCOME_REJECTED, "forbidden"},
        });
}

TEST(WebhookClassify, StatusCodes) {
    auto hook = test::make_channel("webhook", R"({"url":"https://hooks.example.com/x"})");
    ASSERT_NE(hook, nullptr);
    expect_table(*hook, {
                            {200, "", {}, HERALD_OUTCOME_DELIVERED, ""},
                            {204, "", {}, HERALD_OUTCOME_DELIVERED, ""},
                            {408, "", {}, HERALD_OUTCOME_RETRY, "408"},
                            {429, "slow down", {{"Retry-After", "2"}}, HERALD_OUTCOME_RETRY, "slow down", 2000},
                            {503, "", {}, HERALD_OUTCOME_RETRY, "503"},
                            {400, "bad", {}, HERALD_OUTCOME_REJECTED, "HTTP 400: bad"},
                            {404, "", {}, HERALD_OUTCOME_REJECTED, "HTTP 404"},
                        });
}

}  // namespace
}  // namespace herald
