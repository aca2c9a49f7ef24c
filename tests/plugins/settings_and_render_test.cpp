// Behaviour each plugin promises beyond the tables: settings validation, routing of statuses
// to requests, signatures and rate-limit keys.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/json.hpp>

#include "plugins/plugin_fixture.hpp"

namespace herald {
namespace {

namespace json = boost::json;

std::string create_error(const std::string& plugin, const std::string& settings) {
    auto created = ChannelInstance::create(*test::real_plugins().find(plugin), settings);
    return std::holds_alternative<std::string>(created) ? std::get<std::string>(created) : "(created)";
}

HttpRequest render_ok(const ChannelInstance& channel, const std::string& event, RenderContext ctx = {}) {
    auto rendered = channel.render(event, ctx);
    if (auto* error = std::get_if<std::string>(&rendered)) {
        ADD_FAILURE() << *error;
        return {};
    }
    return std::get<HttpRequest>(rendered);
}

const std::string kFailed =
    R"({"id":"e1","deployment_id":"d","service":"checkout","environment":"production","status":"failed",)"
    R"("commit":{"sha":"abc"},"triggered_by":"ci","pipeline":{"url":"https://ci.example.com/1"}})";
const std::string kSucceeded =
    R"({"id":"e2","deployment_id":"d","service":"checkout","environment":"production","status":"succeeded","version":"2"})";
const std::string kStarted =
    R"({"id":"e3","deployment_id":"d","service":"checkout","environment":"staging","status":"started"})";
const std::string kPdKey = R"("routing_key":"0123456789abcdef0123456789abcdef")";

TEST(SlackSettings, NeedExactlyOneMode) {
    EXPECT_EQ(create_error("slack", "{}"), "give exactly one of webhook_url (webhook mode) or bot_token (bot mode)");
    EXPECT_EQ(create_error("slack", R"({"webhook_url":"https://a","bot_token":"x","channel":"C"})"),
              "give exactly one of webhook_url (webhook mode) or bot_token (bot mode)");
    EXPECT_EQ(create_error("slack", R"({"bot_token":"xoxb-secret"})"), "channel: required with bot_token");
    EXPECT_EQ(create_error("slack", R"({"webhook_url":"hooks.slack.com/secret"})"),
              "webhook_url: must be an http or https URL");
}

TEST(SlackRender, ChannelSetsTheSharedRateLimitKey) {
    auto a = test::make_channel("slack", R"({"webhook_url":"https://hooks.slack.com/a","channel":"C1"})");
    auto b = test::make_channel("slack", R"({"webhook_url":"https://hooks.slack.com/b","channel":"C1"})");
    auto c = test::make_channel("slack", R"({"webhook_url":"https://hooks.slack.com/c"})");
    ASSERT_TRUE(a && b && c);
    EXPECT_EQ(render_ok(*a, kFailed).rate_limit_key, "slack:C1");
    EXPECT_EQ(render_ok(*b, kFailed).rate_limit_key, "slack:C1");
    EXPECT_EQ(render_ok(*c, kFailed).rate_limit_key, "");  // the host keys by URL
}

std::unique_ptr<ChannelInstance> slack_bot() {
    return test::make_channel("slack", R"({"bot_token":"xoxb-1","channel":"C1","api_url":"http://127.0.0.1:1/api/"})");
}

TEST(SlackRender, BotModePostsTheFirstMessageOfADeployment) {
    auto slack = slack_bot();
    ASSERT_NE(slack, nullptr);
    const HttpRequest r = render_ok(*slack, kFailed);
    EXPECT_EQ(r.url, "http://127.0.0.1:1/api/chat.postMessage");
    EXPECT_FALSE(r.follow_up);
    const auto body = json::parse(r.body).as_object();
    EXPECT_FALSE(body.contains("thread_ts"));
    EXPECT_FALSE(body.contains("ts"));
    EXPECT_EQ(body.at("channel").as_string(), "C1");
}

TEST(SlackRender, BotModeUpdatesTheDeploymentsMessageInPlace) {
    auto slack = slack_bot();
    ASSERT_NE(slack, nullptr);
    RenderContext ctx;
    ctx.previous_receipt = "1795000000.000100";
    const HttpRequest success = render_ok(*slack, kSucceeded, ctx);
    EXPECT_EQ(success.url, "http://127.0.0.1:1/api/chat.update");
    EXPECT_FALSE(success.follow_up) << "a success needs no thread reply";
    const auto body = json::parse(success.body).as_object();
    EXPECT_EQ(body.at("ts").as_string(), "1795000000.000100");
    EXPECT_EQ(body.at("channel").as_string(), "C1");
    EXPECT_TRUE(body.contains("blocks"));

    const HttpRequest failure = render_ok(*slack, kFailed, ctx);
    EXPECT_EQ(failure.url, "http://127.0.0.1:1/api/chat.update");
    EXPECT_TRUE(failure.follow_up) << "a failure also gets a thread reply";
}

TEST(SlackRender, BotModeFailureStepTwoRepliesInTheThread) {
    auto slack = slack_bot();
    ASSERT_NE(slack, nullptr);
    RenderContext ctx;
    ctx.previous_receipt = "1795000000.000100";
    ctx.step = 2;
    ctx.message_json = R"({"mentions":[{"kind":"group","id":"S0PAY","name":"payments-oncall"}]})";
    const std::string failed_with_reason =
        R"({"id":"e1","deployment_id":"d","service":"checkout","environment":"production","status":"failed",)"
        R"("commit":{"sha":"abc"},"failure":{"stage":"migrate","reason":"lock timeout"}})";
    const HttpRequest r = render_ok(*slack, failed_with_reason, ctx);
    EXPECT_EQ(r.url, "http://127.0.0.1:1/api/chat.postMessage");
    EXPECT_FALSE(r.follow_up);
    const auto body = json::parse(r.body).as_object();
    EXPECT_EQ(body.at("thread_ts").as_string(), "1795000000.000100");
    EXPECT_NE(r.body.find("<!subteam^S0PAY>"), std::string::npos) << "the reply notifies: " << r.body;
    EXPECT_NE(r.body.find("lock timeout"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("Failed at migrate"), std::string::npos) << r.body;
}

TEST(SlackClassify, AThreadReplysReceiptIsItsParent) {
    auto slack = slack_bot();
    ASSERT_NE(slack, nullptr);
    HttpResponse reply;
    reply.status_code = 200;
    reply.body = R"({"ok":true,"channel":"C1","ts":"1795000099.000200","message":{"thread_ts":"1795000000.000100"}})";
    auto c = slack->classify(kFailed, reply);
    ASSERT_TRUE(std::holds_alternative<Classification>(c));
    EXPECT_EQ(std::get<Classification>(c).receipt, "1795000000.000100");
    HttpResponse update;
    update.status_code = 200;
    update.body = R"({"ok":true,"channel":"C1","ts":"1795000000.000100","text":"x"})";
    c = slack->classify(kFailed, update);
    ASSERT_TRUE(std::holds_alternative<Classification>(c));
    EXPECT_EQ(std::get<Classification>(c).receipt, "1795000000.000100");
}

TEST(SlackRender, FailureSuccessAndRecoveryLookDifferent) {
    auto slack = test::make_channel("slack", R"({"webhook_url":"https://hooks.slack.com/a"})");
    ASSERT_NE(slack, nullptr);
    RenderContext recovery;
    recovery.is_recovery = true;
    recovery.failures_before = 3;
    recovery.accepted_at_unix_ms = 10'000'000;
    recovery.failing_since_unix_ms = 10'000'000 - 3'900'000;
    const std::string failed = render_ok(*slack, kFailed).body;
    const std::string succeeded = render_ok(*slack, kSucceeded).body;
    const std::string recovered = render_ok(*slack, kSucceeded, recovery).body;
    EXPECT_NE(failed.find(":red_circle:"), std::string::npos);
    EXPECT_NE(succeeded.find(":white_check_mark:"), std::string::npos);
    EXPECT_NE(recovered.find(":large_green_circle:"), std::string::npos);
    EXPECT_NE(recovered.find("Recovered after 3 failed deploys; failing for 1h 5m"), std::string::npos) << recovered;
}

TEST(TeamsSettings, FormatIsChecked) {
    EXPECT_EQ(create_error("teams", R"({"webhook_url":"https://x","format":"cards"})"),
              "format: must be \"workflows\" or \"connector\"");
    EXPECT_EQ(create_error("teams", "{}"), "webhook_url: required");
}

TEST(PagerDutyRender, FailureTriggersSuccessResolvesTheSameDedupKey) {
    auto pd = test::make_channel("pagerduty", "{" + kPdKey + "}");
    ASSERT_NE(pd, nullptr);
    const auto trigger = json::parse(render_ok(*pd, kFailed).body).as_object();
    const auto resolve = json::parse(render_ok(*pd, kSucceeded).body).as_object();
    EXPECT_EQ(trigger.at("event_action").as_string(), "trigger");
    EXPECT_EQ(resolve.at("event_action").as_string(), "resolve");
    EXPECT_EQ(trigger.at("dedup_key"), resolve.at("dedup_key"));
    EXPECT_EQ(trigger.at("dedup_key").as_string(), "herald/checkout/production");
    EXPECT_EQ(trigger.at("payload").at("severity").as_string(), "critical");
    EXPECT_TRUE(render_ok(*pd, kStarted).skip);
}

TEST(PagerDutyRender, SeverityMapAndResolveSwitch) {
    auto pd = test::make_channel(
        "pagerduty", "{" + kPdKey + R"(,"severity":{"production":"error","*":"info"},"resolve_on_success":false})");
    ASSERT_NE(pd, nullptr);
    const auto trigger = json::parse(render_ok(*pd, kFailed).body).as_object();
    EXPECT_EQ(trigger.at("payload").at("severity").as_string(), "error");
    EXPECT_TRUE(render_ok(*pd, kSucceeded).skip);
    EXPECT_EQ(create_error("pagerduty", "{" + kPdKey + R"(,"severity":{"prod":"loud"}})"),
              "severity.prod: must be critical, error, warning or info");
}

TEST(PagerDutyRender, AFailureThatRolledBackCleanlyPagesLessUrgently) {
    const std::string rolled_back = kFailed.substr(0, kFailed.size() - 1) + R"(,"rollback":{"status":"succeeded"}})";
    const std::string stuck = kFailed.substr(0, kFailed.size() - 1) + R"(,"rollback":{"status":"failed"}})";
    auto severity = [](const std::string& settings, const std::string& event) {
        auto pd = test::make_channel("pagerduty", "{" + kPdKey + settings + "}");
        return std::string(json::parse(render_ok(*pd, event).body).at("payload").at("severity").as_string());
    };
    EXPECT_EQ(severity("", rolled_back), "warning");  // the documented default
    EXPECT_EQ(severity("", stuck), "critical");
    EXPECT_EQ(severity("", kFailed), "critical");
    EXPECT_EQ(severity(R"(,"rolled_back_severity":"")", rolled_back), "critical");  // the environment's
    EXPECT_EQ(severity(R"(,"rolled_back_severity":"error")", rolled_back), "error");
    // Never raised above the environment's severity.
    EXPECT_EQ(severity(R"(,"severity":{"*":"info"},"rolled_back_severity":"error")", rolled_back), "info");
    EXPECT_EQ(create_error("pagerduty", "{" + kPdKey + R"(,"rolled_back_severity":"meh"})"),
              "rolled_back_severity: must be critical, error, warning, info or \"\"");
}

TEST(ChannelRender, FallbackMessagesSayNoTeamOwnsTheService) {
    auto slack = test::make_channel("slack", R"({"webhook_url":"https://hooks.slack.com/a"})");
    auto teams = test::make_channel("teams", R"({"webhook_url":"https://example.webhook.office.com/x"})");
    ASSERT_TRUE(slack && teams);
    RenderContext owned;
    owned.team = "payments";
    RenderContext fallback;  // the host's fallback channel has no team
    const std::string note = "No team owns checkout: add it to a team file";
    EXPECT_NE(render_ok(*slack, kFailed, fallback).body.find(note), std::string::npos);
    EXPECT_EQ(render_ok(*slack, kFailed, owned).body.find(note), std::string::npos);
    EXPECT_NE(render_ok(*teams, kFailed, fallback).body.find(note), std::string::npos);
    EXPECT_EQ(render_ok(*teams, kFailed, owned).body.find(note), std::string::npos);
}

TEST(ChannelRender, DurationAndLabelsAppearInChatMessages) {
    const std::string event = kSucceeded.substr(0, kSucceeded.size() - 1) +
                              R"(,"started_at":"2026-11-27T07:40:00Z","finished_at":"2026-11-27T08:45:30+01:00",)"
                              R"("labels":{"region":"eu-west-1"}})";
    auto slack = test::make_channel("slack", R"({"webhook_url":"https://hooks.slack.com/a"})");
    const std::string body = render_ok(*slack, event).body;
    EXPECT_NE(body.find(R"(*Duration*\n5m 30s)"), std::string::npos) << body;
    EXPECT_NE(body.find(R"(*Labels*\nregion=eu-west-1)"), std::string::npos) << body;
}

TEST(PagerDutyRender, ChangesModeSendsOnlySuccesses) {
    auto pd = test::make_channel("pagerduty", "{" + kPdKey + R"(,"send":"changes"})");
    ASSERT_NE(pd, nullptr);
    EXPECT_EQ(render_ok(*pd, kSucceeded).url, "https://events.pagerduty.com/v2/change/enqueue");
    EXPECT_TRUE(render_ok(*pd, kFailed).skip);
}

TEST(PagerDutySettings, RoutingKeyIsAnIntegrationKey) {
    EXPECT_EQ(create_error("pagerduty", R"({"routing_key":"short-secret"})"),
              "routing_key: must be a 32-character integration key");
}

TEST(PagerDutyRender, RateLimitKeyNeverContainsTheRoutingKey) {
    auto pd = test::make_channel("pagerduty", "{" + kPdKey + "}");
    ASSERT_NE(pd, nullptr);
    const HttpRequest r = render_ok(*pd, kFailed);
    EXPECT_EQ(r.rate_limit_key.rfind("pagerduty:", 0), 0u);
    EXPECT_EQ(r.rate_limit_key.find("0123456789abcdef0123456789abcdef"), std::string::npos);
}

TEST(WebhookRender, SignsTheExactBodyWithHmacSha256) {
    const std::string key = "It's a Secret to Everybody";
    auto hook = test::make_channel("webhook", R"({"url":"https://h.example.com/x","secret":")" + key + R"("})");
    ASSERT_NE(hook, nullptr);
    const HttpRequest r = render_ok(*hook, kFailed);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(r.body.data()),
         r.body.size(), digest, &len);
    std::string hex;
    for (unsigned i = 0; i < len; ++i) {
        static constexpr char digits[] = "0123456789abcdef";
        hex += digits[digest[i] >> 4];
        hex += digits[digest[i] & 15];
    }
    std::string signature;
    for (const auto& [k, v] : r.headers) {
        if (k == "X-Herald-Signature-256") signature = v;
    }
    EXPECT_EQ(signature, "sha256=" + hex);
    EXPECT_EQ(json::parse(r.body).at("event").at("id").as_string(), "e1");
}

// The body carries the host's event text as it is, beside the context (not parsed and written
// again, which would drop the spaces and the escape below); text that is not a JSON object is
// refused rather than sent.
TEST(WebhookRender, TheBodyCarriesTheEventAsTheHostGaveIt) {
    auto hook = test::make_channel("webhook", R"({"url":"https://h.example.com/x"})");
    ASSERT_NE(hook, nullptr);
    RenderContext ctx;
    ctx.team = "payments";
    const std::string event =
        R"({"id": "e1", "deployment_id": "d", "service": "checkout", "environment": "production", )"
        R"("status": "failed", "version": "2"})";
    const HttpRequest r = render_ok(*hook, event, ctx);
    EXPECT_EQ(r.body.rfind(R"({"event":)" + event + R"(,"context":{)", 0), 0u) << r.body;
    const json::value body = json::parse(r.body);
    EXPECT_EQ(body.at("context").at("team").as_string(), "payments");
    EXPECT_EQ(body.as_object().size(), 2u);

    for (const std::string bad : {"", "[1]", "\"text\"", "{"}) {
        auto rendered = hook->render(bad, ctx);
        ASSERT_TRUE(std::holds_alternative<std::string>(rendered)) << bad;
        EXPECT_NE(std::get<std::string>(rendered).find("event is not a JSON object"), std::string::npos)
            << std::get<std::string>(rendered);
    }
}

TEST(WebhookSettings, HeaderInjectionIsRefused) {
    EXPECT_EQ(create_error("webhook", R"({"url":"https://h/x","headers":{"X-A":"v\r\nX-Evil: 1"}})"),
              "headers.X-A: must not contain line breaks");
    EXPECT_EQ(create_error("webhook", R"({"url":"https://h/x","headers":{"Bad Name":"v"}})"),
              "headers.Bad Name: not a valid header name");
}

}  // namespace
}  // namespace herald
