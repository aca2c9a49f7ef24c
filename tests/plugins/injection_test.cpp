// Event text reaches people: it must show as written and never become markup, links, mentions
// or a broken-out code block in a channel's message.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "plugins/plugin_fixture.hpp"

namespace herald {
namespace {

namespace json = boost::json;

const std::string kHostile =
    R"({"id":"e1","deployment_id":"d","service":"checkout","environment":"production","status":"failed",)"
    R"x("commit":{"sha":"abc","message":"see [the fix](https://evil.example) **now**"},"triggered_by":"ci",)x"
    R"("pipeline":{"url":"https://ci.example.com/1"},)"
    R"x("failure":{"stage":"[click](https://evil.example)","reason":"boom ``` <!channel> *escaped* ```"}})x";

std::string rendered_body(const std::string& plugin, const std::string& settings) {
    auto channel = test::make_channel(plugin, settings);
    EXPECT_TRUE(channel);
    auto rendered = channel->render(kHostile, {});
    EXPECT_TRUE(std::holds_alternative<HttpRequest>(rendered));
    return std::get<HttpRequest>(rendered).body;
}

// Every string in a JSON document, depth first.
void strings(const json::value& v, std::vector<std::string>& out) {
    if (v.is_string()) out.emplace_back(v.get_string());
    if (v.is_array())
        for (const auto& x : v.get_array()) strings(x, out);
    if (v.is_object())
        for (const auto& [k, x] : v.get_object()) strings(x, out);
}

TEST(Injection, TeamsCardShowsMarkdownLinksAsText) {
    const auto body = json::parse(rendered_body("teams", R"({"webhook_url":"https://x.logic.azure.com/w"})"));
    std::vector<std::string> texts;
    strings(body, texts);
    bool saw_stage = false;
    for (const auto& t : texts) {
        EXPECT_EQ(t.find("[click](https"), std::string::npos) << t;
        EXPECT_EQ(t.find("[the fix](https"), std::string::npos) << t;
        EXPECT_EQ(t.find("**now**"), std::string::npos) << t;
        saw_stage |= t == "\\[click\\]\\(https://evil.example\\)";
    }
    EXPECT_TRUE(saw_stage);
}

TEST(Injection, SlackReasonCannotCloseItsCodeBlockOrMentionTheChannel) {
    const std::string body = rendered_body("slack", R"({"webhook_url":"https://hooks.slack.com/a"})");
    EXPECT_EQ(body.find("<!channel>"), std::string::npos);
    std::vector<std::string> texts;
    strings(json::parse(body), texts);
    bool saw_reason = false;
    for (const auto& t : texts) {
        if (t.rfind("*Reason*", 0) != 0) continue;
        saw_reason = true;
        // Exactly two fences: the block's own opening and closing.
        size_t fences = 0;
        for (size_t p = t.find("```"); p != std::string::npos; p = t.find("```", p + 3)) ++fences;
        EXPECT_EQ(fences, 2u) << t;
        EXPECT_NE(t.find("&lt;!channel&gt;"), std::string::npos) << t;
    }
    EXPECT_TRUE(saw_reason);
}

// A channel's rendered message customisation is plain text too: a template that inserts
// hostile event text (or hostile literal text) cannot mention, link or format.
const std::string kHostileMessage =
    R"x({"title":"<!channel> *deploy* _now_","summary":"[the fix](https://evil.example) <https://evil.example|x>",)x"
    R"x("fields":[{"name":"<@U1>","value":"~gone~ `code`"}]})x";

std::string rendered_with_message(const std::string& plugin, const std::string& settings) {
    auto channel = test::make_channel(plugin, settings);
    EXPECT_TRUE(channel);
    RenderContext ctx;
    ctx.message_json = kHostileMessage;
    auto rendered = channel->render(kHostile, ctx);
    EXPECT_TRUE(std::holds_alternative<HttpRequest>(rendered));
    return std::get<HttpRequest>(rendered).body;
}

TEST(Injection, SlackCustomTextCannotMentionLinkOrFormat) {
    const std::string body = rendered_with_message("slack", R"({"webhook_url":"https://hooks.slack.com/a"})");
    std::vector<std::string> texts;
    strings(json::parse(body), texts);
    bool saw_title = false;
    for (const auto& t : texts) {
        if (t == "<!channel> *deploy* _now_") continue;  // the plain_text header, which Slack never parses
        EXPECT_EQ(t.find("<!channel>"), std::string::npos) << t;
        EXPECT_EQ(t.find("<https://evil"), std::string::npos) << t;
        EXPECT_EQ(t.find("<@U1>"), std::string::npos) << t;
        EXPECT_EQ(t.find(" *deploy*"), std::string::npos) << "formatting must stay literal: " << t;
        EXPECT_EQ(t.find(" _now_"), std::string::npos) << t;
        saw_title |= t.find("&lt;!channel&gt; \u200b*deploy* \u200b_now_") != std::string::npos;
    }
    EXPECT_TRUE(saw_title) << body;
}

TEST(Injection, TeamsCustomTextCannotLinkOrFormat) {
    const auto body = json::parse(rendered_with_message("teams", R"({"webhook_url":"https://x.logic.azure.com/w"})"));
    std::vector<std::string> texts;
    strings(body, texts);
    bool saw_summary = false;
    for (const auto& t : texts) {
        EXPECT_EQ(t.find("[the fix](https"), std::string::npos) << t;
        EXPECT_EQ(t.find(" *deploy*"), std::string::npos) << t;
        saw_summary |= t == "\\[the fix\\]\\(https://evil.example\\) \\<https://evil.example\\|x\\>";
    }
    EXPECT_TRUE(saw_summary) << json::serialize(body);
}

}  // namespace
}  // namespace herald
