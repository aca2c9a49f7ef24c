// Each plugin's rendered request for each status (plus recovery, unicode and fields at their
// maximum size) must equal the reviewed file under tests/plugins/<channel>/golden/.
// HERALD_UPDATE_GOLDEN=1 rewrites the files; review the diff before committing it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <herald/conformance.hpp>
#include <iterator>

#include "plugins/plugin_fixture.hpp"
#include "support/pretty_json.hpp"

namespace herald {
namespace {

namespace json = boost::json;

struct GoldenCase {
    std::string folder;  // tests/plugins/<folder>/golden
    std::string plugin;
    std::string settings;
    std::string receipt;
    std::string message;  // the channel's rendered message customisation (docs/messages.md)
};

// A customisation with every part: title, summary, a field, a link, a narrower field list,
// chosen labels and (per channel kind) mentions.
const std::string kCustomParts =
    R"json("title":"checkout-api → production: failed <!channel> *bold*","summary":"Owner on call: see the runbook [x](https://evil.example)",)json"
    R"("fields":[{"name":"Runbook","value":"RB-42 <@U999>"}],)"
    R"("links":[{"text":"Runbook","url":"https://runbooks.example.com/checkout%20api"}],)"
    R"("show":["service","environment","version","commit","failure","pipeline"],"labels":["region"])";

const GoldenCase kCases[] = {
    {"slack-webhook", "slack",
     R"({"webhook_url":"https://hooks.slack.com/services/T000/B000/XXXXXXXX","channel":"C0DEPLOYS","mention":"<!here>"})",
     "", ""},
    {"slack-bot", "slack", R"({"bot_token":"xoxb-0000-test","channel":"C0DEPLOYS"})", "1795000000.000100", ""},
    {"teams", "teams",
     R"({"webhook_url":"https://prod-00.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke"})", "",
     ""},
    {"pagerduty-alerts", "pagerduty", R"({"routing_key":"0123456789abcdef0123456789abcdef"})", "", ""},
    {"pagerduty-changes", "pagerduty", R"({"routing_key":"0123456789abcdef0123456789abcdef","send":"changes"})", "",
     ""},
    {"webhook", "webhook",
     R"({"url":"https://hooks.example.com/herald","secret":"s3cret","headers":{"X-Team":"payments"}})", "", ""},
    {"slack-custom", "slack", R"({"webhook_url":"https://hooks.slack.com/services/T000/B000/XXXXXXXX"})", "",
     "{" + kCustomParts +
         R"(,"mentions":[{"kind":"group","id":"S0PAYONCALL","name":"payments-oncall"},{"kind":"user","id":"U0ALICE","name":""}]})"},
    {"teams-custom", "teams",
     R"({"webhook_url":"https://prod-00.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke"})", "",
     "{" + kCustomParts +
         R"(,"mentions":[{"kind":"user","id":"alice@example.com","name":"Alice Example"},{"kind":"tag","id":"MjA0NjQ5","name":"Payments on call"}]})"},
    {"pagerduty-custom", "pagerduty", R"({"routing_key":"0123456789abcdef0123456789abcdef"})", "",
     "{" + kCustomParts + "}"},
};

// Names the case in test output (gtest would otherwise print its bytes).
void PrintTo(const GoldenCase& c, std::ostream* os) { *os << c.folder; }

// Corpus events that get a golden file, and the file name each gets.
const std::pair<const char*, const char*> kEvents[] = {
    {"failed", "failed"},
    {"succeeded", "succeeded"},
    {"recovered", "recovered"},
    {"started", "started"},
    {"cancelled", "cancelled"},
    {"unicode", "failed-unicode"},
    {"limits-at-maximum", "failed-at-limits"},
};

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string golden_text(const PluginResult<HttpRequest>& rendered) {
    if (const auto* error = std::get_if<std::string>(&rendered)) return "render error: " + *error + "\n";
    const HttpRequest& r = std::get<HttpRequest>(rendered);
    if (r.skip) return test::pretty(json::object{{"skip", true}});
    json::array headers;
    for (const auto& [k, v] : r.headers) headers.push_back(json::array{json::string(k), json::string(v)});
    boost::system::error_code ec;
    json::value body = json::parse(r.body, ec);
    if (ec) body = json::string(r.body);
    json::object doc{{"method", r.method}, {"url", r.url}, {"headers", std::move(headers)}, {"body", std::move(body)}};
    if (!r.rate_limit_key.empty()) doc["rate_limit_key"] = r.rate_limit_key;
    if (r.follow_up) doc["follow_up"] = true;
    return test::pretty(doc);
}

class GoldenTest : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(GoldenTest, RenderedRequestsMatchReviewedFiles) {
    const GoldenCase& c = GetParam();
    auto channel = test::make_channel(c.plugin, c.settings);
    ASSERT_NE(channel, nullptr);
    const auto corpus = conformance::event_corpus();
    const bool update = std::getenv("HERALD_UPDATE_GOLDEN") != nullptr;
    const std::filesystem::path dir = std::filesystem::path(HERALD_TESTS_DIR) / "plugins" / c.folder / "golden";
    if (update) std::filesystem::create_directories(dir);

    for (const auto& [event_name, file_name] : kEvents) {
        const auto it = std::find_if(corpus.begin(), corpus.end(), [&](const auto& e) { return e.name == event_name; });
        ASSERT_NE(it, corpus.end()) << event_name;
        RenderContext ctx;
        ctx.is_recovery = it->is_recovery;
        ctx.failures_before = it->is_recovery ? 2 : 0;
        ctx.failing_since_unix_ms = it->is_recovery ? 1795000000000 - 7'500'000 : 0;
        ctx.accepted_at_unix_ms = 1795000000000;
        ctx.previous_receipt = c.receipt;
        ctx.message_json = c.message;
        ctx.team = "payments";
        ctx.channel_name = "deploys";
        const std::string actual = golden_text(channel->render(it->json, ctx));
        const auto path = dir / (std::string(file_name) + ".json");
        if (update) {
            std::ofstream(path, std::ios::binary) << actual;
            continue;
        }
        ASSERT_TRUE(std::filesystem::exists(path)) << path << " missing; run with HERALD_UPDATE_GOLDEN=1";
        EXPECT_EQ(read_file(path), actual) << "rendered request differs from " << path;
    }
}

INSTANTIATE_TEST_SUITE_P(Channels, GoldenTest, ::testing::ValuesIn(kCases), [](const auto& param_info) {
    std::string name = param_info.param.folder;
    std::replace(name.begin(), name.end(), '-', '_');
    return name;
});

}  // namespace
}  // namespace herald
