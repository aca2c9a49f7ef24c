// Message templates: rendering, the escaping rules for text and URLs, refused tags, the checks
// `herald config check` runs, and the mention rules.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "event/deploy_event.hpp"
#include "message/message_renderer.hpp"

namespace herald {
namespace {

namespace json = boost::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

json::object event(std::string_view text) { return json::parse(text).as_object(); }

const json::object kFailed = event(
    R"({"id":"e1","service":"checkout api","environment":"production","status":"failed","version":"1.2",)"
    R"j("commit":{"sha":"9f2c1e7a4b3d5f60"},"failure":{"stage":"deploy","reason":"<!channel> [x](https://evil)"},)j"
    R"("started_at":"2026-01-01T10:00:00Z","finished_at":"2026-01-01T10:04:12Z","labels":{"region":"eu-west-1"},)"
    R"("pipeline":{"url":"https://ci.example.com/run/7"}})");

std::vector<json::object> samples() {
    std::vector<json::object> out;
    for (const auto& s : sample_events()) out.push_back(template_data(s.event, {}));
    return out;
}

TEST(MessageTemplate, RendersEventFieldsLabelsAndHeraldsOwn) {
    const auto data = template_data(kFailed, {"payments", "deploys", false, 0});
    EXPECT_EQ(render_template("{{service}} {{status}} in {{environment}} ({{labels.region}})", TemplateUse::text, data),
              "checkout api failed in production (eu-west-1)");
    EXPECT_EQ(
        render_template("{{herald.short_sha}} took {{herald.duration}} for {{herald.team}}", TemplateUse::text, data),
        "9f2c1e7 took 4m 12s for payments");
    EXPECT_EQ(render_template("{{#failure}}at {{stage}}{{/failure}}{{^rollback}}, no rollback{{/rollback}}",
                              TemplateUse::text, data),
              "at deploy, no rollback");
}

TEST(MessageTemplate, ShortShaNeverCutsACharacterInTwo) {
    // A sender's commit.sha can hold anything; half a character would not be valid JSON text.
    const auto data = template_data(event(R"({"commit":{"sha":"abcdef\u037cxyz"}})"), {});
    EXPECT_EQ(data.at("herald").at("short_sha"), "abcdef");
}

TEST(MessageTemplate, TextIsLeftPlainForThePluginToEscape) {
    // No HTML entities from the template: each plugin escapes the whole text for its format.
    const auto data = template_data(kFailed, {});
    EXPECT_EQ(render_template("{{failure.reason}}", TemplateUse::text, data), "<!channel> [x](https://evil)");
}

TEST(MessageTemplate, UrlValuesArePercentEncodedUnlessTheWholeUrlIsOneValue) {
    const auto data = template_data(kFailed, {});
    EXPECT_EQ(render_template("https://runbooks.example.com/{{service}}?env={{environment}}", TemplateUse::url, data),
              "https://runbooks.example.com/checkout%20api?env=production");
    EXPECT_EQ(render_template("https://x.example.com/{{failure.reason}}", TemplateUse::url, data),
              "https://x.example.com/%3C%21channel%3E%20%5Bx%5D%28https%3A%2F%2Fevil%29");
    EXPECT_EQ(render_template("{{ pipeline.url }}", TemplateUse::url, data), "https://ci.example.com/run/7");
}

TEST(MessageTemplate, TagsThatBypassEscapingOrLoadOtherTemplatesAreRefused) {
    const auto data = template_data(kFailed, {});
    for (const char* bad : {"{{{failure.reason}}}", "{{&failure.reason}}", "{{>header}}", "{{=<% %>=}}"}) {
        EXPECT_THROW(render_template(bad, TemplateUse::text, data), TemplateError) << bad;
        EXPECT_FALSE(check_template(bad, samples()).error.empty()) << bad;
    }
}

TEST(MessageTemplate, CheckReportsSyntaxErrorsAndUnknownNames) {
    EXPECT_THAT(check_template("{{#failure}}unclosed", samples()).error, ::testing::HasSubstr("Unclosed section"));
    const TemplateCheck typo = check_template("{{servce}} {{labels.team}} {{failure.reason}}", samples());
    EXPECT_TRUE(typo.error.empty());
    EXPECT_THAT(typo.unknown_names, ElementsAre("servce"));  // labels differ per event; failure is in a sample
    EXPECT_THAT(check_template("{{service}} {{herald.duration}} {{commit.sha}}", samples()).unknown_names, IsEmpty());
}

TEST(MessageRenderer, BuildsTheMessageJsonAndSelectsMentionsByStatusAndEnvironment) {
    MessageSpec spec;
    spec.title_template = "{{service}} failed";
    spec.summary_template = "{{failure.reason}}";
    spec.fields = {{"Runbook", "RB-{{version}}"}, {"Empty", "{{rollback.status}}"}};
    spec.links = {{"Runbook", "https://rb.example.com/{{service}}"}};
    spec.show_given = true;
    spec.show = {"service", "environment"};
    spec.mentions = {{{"failed"}, {"prod*"}, {{"group", "S01", "oncall"}}},
                     {{"failed"}, {"staging"}, {{"user", "U02", ""}}},
                     {{}, {}, {{"group", "S01", "oncall"}, {"here", "", ""}}}};
    const auto message = json::parse(render_message(spec, kFailed, {})).as_object();
    EXPECT_EQ(message.at("title"), "checkout api failed");
    EXPECT_EQ(message.at("summary"), "<!channel> [x](https://evil)");
    EXPECT_EQ(message.at("fields").as_array().size(), 1u) << "a field that renders empty is left out";
    EXPECT_EQ(message.at("links").at(0).at("url"), "https://rb.example.com/checkout%20api");
    EXPECT_EQ(json::serialize(message.at("show")), R"(["service","environment"])");
    EXPECT_EQ(json::serialize(message.at("mentions")),
              R"([{"kind":"group","id":"S01","name":"oncall"},{"kind":"here","id":"","name":""}])");
}

TEST(MessageRenderer, FailsWhenTheTitleRendersEmptyOrALinkIsNotHttp) {
    MessageSpec empty_title;
    empty_title.title_template = "{{labels.cluster}}";
    EXPECT_THROW(render_message(empty_title, kFailed, {}), TemplateError);
    MessageSpec bad_link;
    bad_link.links = {{"x", "{{failure.reason}}"}};
    EXPECT_THROW(render_message(bad_link, kFailed, {}), TemplateError);
    MessageSpec javascript;
    javascript.links = {{"x", "javascript:alert(1)"}};
    EXPECT_THROW(render_message(javascript, kFailed, {}), TemplateError);
}

TEST(MessageRenderer, SampleEventsAreValidEvents) {
    for (const auto& sample : sample_events()) {
        const ParsedEvent parsed = parse_deploy_event(json::serialize(sample.event));
        EXPECT_TRUE(parsed.event.has_value())
            << sample.name << ": " << (parsed.errors.empty() ? "" : parsed.errors[0].message());
    }
}

TEST(MentionRules, IdsAndNamesCannotCarryMarkup) {
    EXPECT_EQ(mention_problem({"group", "S012345", "payments-oncall"}), "");
    EXPECT_EQ(mention_problem({"here", "", ""}), "");
    EXPECT_NE(mention_problem({"group", "S01> <!channel", ""}), "");
    EXPECT_NE(mention_problem({"user", "U01", "Alice <b>"}), "");
    EXPECT_NE(mention_problem({"everyone", "x", ""}), "");
    EXPECT_NE(mention_problem({"user", "", "Alice"}), "");
}

}  // namespace
}  // namespace herald
