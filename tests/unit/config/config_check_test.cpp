// Every config check rule, with the exact finding it produces.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "plugins/plugin_fixture.hpp"
#include "routing/routing_loader.hpp"
#include "support/temp_dir.hpp"

namespace herald {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const PluginRegistry& plugins() { return test::real_plugins(); }

class ConfigCheck : public ::testing::Test {
 protected:
    // Loads the routing directory; returns each finding as text with the temp path removed.
    std::vector<std::string> check(LoadOptions options = {}) {
        if (options.secrets == SecretMode::resolve && !resolve_) options.secrets = SecretMode::placeholder;
        Diagnostics d;
        table_ = load_routing(dir_.path() / "routing", host_ ? &*host_ : nullptr, plugins(), options, d);
        std::vector<std::string> out;
        for (const auto& f : d.sorted()) {
            std::string text = f.text();
            const std::string prefix = dir_.path().string() + "/";
            if (text.rfind(prefix, 0) == 0) text.erase(0, prefix.size());
            out.push_back(text);
        }
        return out;
    }
    void team(const std::string& name, const std::string& yaml) { dir_.write("routing/" + name + ".yaml", yaml); }

    test::TempDir dir_;
    RoutingTable table_;
    std::optional<HostConfig> host_;
    bool resolve_ = false;
};

// A Slack channel whose webhook URL comes from the team's own variable, ${env:<TEAM>_SLACK_URL}.
std::string slack_channel(const std::string& team) {
    std::string upper;
    for (char c : team) upper += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return "channels:\n  - name: deploys\n    type: slack\n    settings:\n      webhook_url: ${env:" + upper +
           "_SLACK_URL}\n";
}

TEST_F(ConfigCheck, ValidTeamHasNoFindings) {
    team("payments", std::string("version: 1\nteam: payments\nservices: [payments-api]\n") + slack_channel("payments"));
    EXPECT_THAT(check(), IsEmpty());
    EXPECT_EQ(table_.teams().size(), 1u);
    EXPECT_EQ(table_.channels().size(), 1u);
}

TEST_F(ConfigCheck, UnknownKeyWithSuggestion) {
    team("payments", "version: 1\nteam: payments\nservices: []\nchanels: []\n");
    EXPECT_THAT(check(), ElementsAre("routing/payments.yaml:4:1: error: unknown key 'chanels' in team file; did you "
                                     "mean 'channels'?"));
}

TEST_F(ConfigCheck, UnknownChannelTypeWithSuggestion) {
    team("payments", "version: 1\nteam: payments\nchannels:\n  - name: d\n    type: slak\n");
    EXPECT_THAT(check(), ElementsAre("routing/payments.yaml:5:11: error: unknown channel type 'slak'; did you mean "
                                     "'slack'?"));
}

TEST_F(ConfigCheck, UnknownSettingWithSuggestion) {
    team("payments",
         "version: 1\nteam: payments\nchannels:\n  - name: d\n    type: teams\n    settings:\n"
         "      webhook_ulr: ${env:PAYMENTS_X}\n");
    EXPECT_THAT(check(), ElementsAre("routing/payments.yaml:7:7: error: unknown setting 'webhook_ulr' for channel type "
                                     "'teams'; did you mean 'webhook_url'?",
                                     "routing/payments.yaml:7:7: error: missing required setting 'webhook_url' for "
                                     "channel type 'teams'"));
}

TEST_F(ConfigCheck, LiteralSecretIsRefusedUnlessAllowed) {
    team("payments",
         "version: 1\nteam: payments\nchannels:\n  - name: d\n    type: slack\n    settings:\n"
         "      webhook_url: https://hooks.slack.com/services/T/B/X\n");
    EXPECT_THAT(check(), ElementsAre("routing/payments.yaml:7:20: error: webhook_url: is a secret; give it as "
                                     "${env:NAME} or ${file:PATH}, not a literal (--allow-literal-secrets overrides)"));
    LoadOptions allow;
    allow.allow_literal_secrets = true;
    EXPECT_THAT(check(allow), IsEmpty());
}

TEST_F(ConfigCheck, ReferenceMustBeTheWholeValue) {
    team("payments",
         "version: 1\nteam: payments\nchannels:\n  - name: d\n    type: slack\n    settings:\n"
         "      webhook_url: https://hooks.slack.com/${env:PATH_PART}\n");
    EXPECT_THAT(check(), ElementsAre("routing/payments.yaml:7:20: error: webhook_url: a reference must be the whole "
                                     "value, exactly ${env:NAME} or ${file:PATH}"));
}

TEST_F(ConfigCheck, UnknownStatusWithSuggestion) {
    team("payments", std::string("version: 1\nteam: payments\n") + slack_channel("payments") +
                         "    statuses: [failed, suceeded]\n");
    EXPECT_THAT(check(), ElementsAre("routing/payments.yaml:8:15: error: statuses: unknown status 'suceeded' (started, "
                                     "succeeded, failed, cancelled or *); did you mean 'succeeded'?"));
}

TEST_F(ConfigCheck, ServiceOwnedByTwoTeams) {
    team("a", std::string("version: 1\nteam: a\nservices: [shared-api]\n") + slack_channel("a"));
    team("b", std::string("version: 1\nteam: b\nservices:\n  - shared-api\n") + slack_channel("b"));
    EXPECT_THAT(check(), ElementsAre("routing/b.yaml:4:5: error: service 'shared-api' is already owned by team 'a' (" +
                                     (dir_.path() / "routing/a.yaml").string() + ":3)"));
}

TEST_F(ConfigCheck, DuplicateChannelNamesAndTeams) {
    team("a", std::string("version: 1\nteam: a\n") + slack_channel("a") +
                  "  - name: deploys\n    type: slack\n"
                  "    settings: {webhook_url: '${env:A_Y}'}\n");
    team("b", "version: 1\nteam: a\n");
    EXPECT_THAT(check(), ElementsAre("routing/a.yaml:8:5: error: channel 'deploys' is defined twice in team 'a'",
                                     "routing/b.yaml:2:7: error: team 'a' is already defined in " +
                                         (dir_.path() / "routing/a.yaml").string()));
}

TEST_F(ConfigCheck, FileNamedAfterAnotherTeamIsAWarning) {
    team("b", std::string("version: 1\nteam: a\n") + slack_channel("a"));
    EXPECT_THAT(check(), ElementsAre("routing/b.yaml:2:7: warning: team 'a' lives in b.yaml; name the file a.yaml so "
                                     "CODEOWNERS can follow it"));
}

TEST_F(ConfigCheck, PluginsOwnValidationIsReported) {
    team("a",
         "version: 1\nteam: a\nchannels:\n  - name: d\n    type: slack\n    settings:\n"
         "      bot_token: ${env:A_SLACK_TOKEN}\n");
    EXPECT_THAT(check(),
                ElementsAre("routing/a.yaml:7:7: error: channel 'd' (slack): channel: required with bot_token"));
}

TEST_F(ConfigCheck, SettingTypesAreChecked) {
    team("a",
         "version: 1\nteam: a\nchannels:\n  - name: d\n    type: pagerduty\n    settings:\n"
         "      routing_key: ${env:A_K}\n      resolve_on_success: maybe\n      severity: [critical]\n");
    EXPECT_THAT(check(), ElementsAre("routing/a.yaml:8:27: error: resolve_on_success: must be true or false",
                                     "routing/a.yaml:9:17: error: severity: must be a map of strings"));
}

TEST_F(ConfigCheck, VersionIsRequiredAndChecked) {
    team("a", "team: a\n");
    team("b", "version: 2\nteam: b\n");
    EXPECT_THAT(check(), ElementsAre("routing/a.yaml:1:1: error: missing required key 'version' (this Herald reads "
                                     "version 1)",
                                     "routing/b.yaml:1:10: error: unsupported version 2; this Herald reads version 1"));
}

TEST_F(ConfigCheck, YamlSyntaxErrorHasItsPosition) {
    team("a", "version: 1\nteam: a\nservices: [a, b\n");
    const auto findings = check();
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].rfind("routing/a.yaml:4:1: error: YAML syntax: ", 0), 0u) << findings[0];
}

TEST_F(ConfigCheck, SubscriptionMustNameOneOfTheTeamsChannels) {
    team("sre", std::string("version: 1\nteam: sre\n") + slack_channel("sre") +
                    "subscriptions:\n  - name: all\n    channel: deplys\n");
    EXPECT_THAT(check(), ElementsAre("routing/sre.yaml:10:14: error: subscription 'all' names unknown channel 'deplys' "
                                     "(subscriptions deliver to one of the team's own channels); did you mean "
                                     "'deploys'?"));
}

TEST_F(ConfigCheck, GlobsAgainstKnownServicesAndOtherTeams) {
    team("a", std::string("version: 1\nteam: a\nservices: [\"pay-*\", \"zzz-*\"]\n") + slack_channel("a"));
    team("b", std::string("version: 1\nteam: b\nservices: [pay-legacy]\n") + slack_channel("b"));
    LoadOptions options;
    options.known_services = std::vector<std::string>{"pay-api", "pay-legacy"};
    const std::string a = (dir_.path() / "routing/a.yaml").string();
    const std::string b = (dir_.path() / "routing/b.yaml").string();
    EXPECT_THAT(check(options),
                ElementsAre("routing/a.yaml:3:12: error: glob 'pay-*' of team 'a' overlaps service 'pay-legacy' of "
                            "team 'b' (" +
                                b + ":3); ownership must be exclusive",
                            "routing/a.yaml:3:21: warning: glob 'zzz-*' matches no known service",
                            "routing/b.yaml:3:12: error: service 'pay-legacy' of team 'b' overlaps glob 'pay-*' of "
                            "team 'a' (" +
                                a + ":3); ownership must be exclusive"));
}

TEST_F(ConfigCheck, DeliveryOverridesAreTyped) {
    team("a", std::string("version: 1\nteam: a\n") + slack_channel("a") +
                  "    delivery:\n      max_retries: lots\n"
                  "      rate_per_secnd: 2\n");
    EXPECT_THAT(check(), ElementsAre("routing/a.yaml:9:20: error: max_retries: must be an integer, not 'lots'",
                                     "routing/a.yaml:10:7: error: unknown key 'rate_per_secnd' in delivery; did you "
                                     "mean 'rate_per_second'?"));
}

TEST_F(ConfigCheck, UnresolvedSecretsAreErrorsOnlyWhenResolving) {
    team("a", std::string("version: 1\nteam: a\n") + slack_channel("a"));
    unsetenv("A_SLACK_URL");
    EXPECT_THAT(check(), IsEmpty());
    resolve_ = true;
    EXPECT_THAT(check(),
                ElementsAre("routing/a.yaml:7:20: error: webhook_url: ${env:A_SLACK_URL}: environment variable "
                            "is not set"));
    setenv("A_SLACK_URL", "https://hooks.slack.com/services/T/B/secret-part", 1);
    EXPECT_THAT(check(), IsEmpty());
    ASSERT_EQ(table_.channels().size(), 1u);
    EXPECT_THAT(table_.channels()[0]->secret_values, ElementsAre("https://hooks.slack.com/services/T/B/secret-part"));
    unsetenv("A_SLACK_URL");
}

TEST_F(ConfigCheck, FileReferencesResolveRelativeToTheTeamFile) {
    dir_.write("routing/secrets/slack-url", "https://hooks.slack.com/services/T/B/from-file\n");
    Diagnostics host_findings;
    host_ = load_host_config(dir_.write("herald.yaml",
                                        "version: 1\nrouting: {directory: routing}\n"
                                        "tenants: {secrets_directory: routing/secrets}\n"),
                             {}, host_findings);
    team("a",
         "version: 1\nteam: a\nchannels:\n  - name: d\n    type: slack\n    settings:\n"
         "      webhook_url: ${file:secrets/slack-url}\n");
    resolve_ = true;
    EXPECT_THAT(check(), ElementsAre("herald.yaml: warning: no routing.fallback channel: events no team owns are "
                                     "stored and counted but reach no one"));
    ASSERT_EQ(table_.channels().size(), 1u);
    EXPECT_NE(table_.channels()[0]->settings_json.find("from-file\""), std::string::npos);
}

TEST_F(ConfigCheck, FallbackAndDeliveryOverridesComeFromTheHostConfig) {
    team("a", std::string("version: 1\nteam: a\n") + slack_channel("a") + "    delivery: {max_retries: 2}\n");
    const auto host_file = dir_.write("herald.yaml",
                                      "version: 1\nrouting:\n  directory: routing\n  fallback:\n"
                                      "    name: unrouted\n    type: webhook\n    settings:\n"
                                      "      url: ${env:FALLBACK_URL}\ndelivery:\n  slack:\n"
                                      "    max_retries: 9\n    rate_per_second: 3\n");
    Diagnostics d;
    LoadOptions options;
    options.secrets = SecretMode::placeholder;
    host_ = load_host_config(host_file, options, d);
    EXPECT_THAT(check(), IsEmpty());
    ASSERT_NE(table_.fallback(), nullptr);
    EXPECT_TRUE(table_.fallback()->filter.statuses.empty());  // a fallback takes every status
    const ChannelConfig& slack = *table_.channels()[0];
    EXPECT_EQ(slack.policy.max_retries, 2u);     // channel override wins
    EXPECT_EQ(slack.policy.rate_per_second, 3);  // host override over the plugin default of 1
}

TEST(HostConfig, FindingsCarryPositions) {
    test::TempDir dir;
    const auto file = dir.write("herald.yaml",
                                "version: 1\nlisteners:\n  intake: {port: 99999}\nsources:\n  - name: ci\n"
                                "    auth: token\n  - name: open\n    auth: none\nrouting: {directory: routing}\n"
                                "storge: {}\n");
    Diagnostics d;
    load_host_config(file, {}, d);
    std::vector<std::string> texts;
    for (const auto& f : d.sorted()) texts.push_back(f.text().substr(file.string().size()));
    EXPECT_THAT(texts, ElementsAre(":3:18: error: port: must be between 0 and 65535",
                                   ":5:5: error: source 'ci' needs at least one secret (or auth: none, explicitly)",
                                   ":6:11: error: auth: must be hmac, bearer or none",
                                   ":10:1: error: unknown key 'storge' in host config; did you mean 'storage'?"));
}

TEST(HostConfig, SourceKindsAndTheirSettingsAreChecked) {
    test::TempDir dir;
    const auto file =
        dir.write("herald.yaml",
                  "version: 1\nsources:\n"
                  "  - name: gh\n    kind: githb\n    secrets: [x]\n"
                  "  - name: gh2\n    kind: github\n    auth: bearer\n    replay_window_s: 60\n"
                  "    secrets: [x]\n    workflows: {Deploy: production}\n"
                  "  - name: gl\n    kind: gitlab\n    secrets: [x]\n    deploy_stages: [deploy, release]\n"
                  "    pipelines: {}\n"
                  "  - name: cd\n    kind: cdevents\n    auth: bearer\n    secrets: [x]\n"
                  "    pipelines: {build-and-deploy: {service: payments-api}}\n"
                  "routing: {directory: routing}\n");
    Diagnostics d;
    LoadOptions options;
    options.allow_literal_secrets = true;
    const HostConfig host = load_host_config(file, options, d);
    std::vector<std::string> texts;
    for (const auto& f : d.sorted()) texts.push_back(f.text().substr(file.string().size()));
    EXPECT_THAT(texts,
                ElementsAre(":4:11: error: kind: 'githb' is not a source kind (herald, github, gitlab, cdevents); "
                            "did you mean 'github'?",
                            ":8:5: error: 'auth' is not a setting of a github source",
                            ":9:5: error: 'replay_window_s' is not a setting of a github source",
                            ":16:5: error: 'pipelines' is not a setting of a gitlab source",
                            ":21:35: error: missing required key 'environment' in pipelines.build-and-deploy"));
    ASSERT_EQ(host.sources.size(), 4u);
    EXPECT_EQ(host.sources[1].workflows.at("Deploy"), "production");
    EXPECT_EQ(host.sources[2].deploy_stages, (std::vector<std::string>{"deploy", "release"}));
}

TEST(HostConfig, StorageBlockIsChecked) {
    test::TempDir dir;
    auto findings = [&](const std::string& storage) {
        const auto file = dir.write("herald.yaml", "version: 1\nrouting: {directory: routing}\nstorage:\n" + storage);
        Diagnostics d;
        load_host_config(file, {}, d);
        std::vector<std::string> texts;
        for (const auto& f : d.sorted()) {
            if (f.text().find("storage") != std::string::npos) texts.push_back(f.text().substr(file.string().size()));
        }
        return texts;
    };
    setenv("HERALD_DATABASE_URL", "postgresql://herald:pw@127.0.0.1:5432/herald", 1);
    EXPECT_THAT(findings("  kind: postgress\n"),
                ElementsAre(":4:9: error: storage.kind: 'postgress' is not a store (sqlite or postgres); did you mean "
                            "'postgres'?"));
    EXPECT_THAT(findings("  kind: postgres\n  path: x.db\n"),
                ElementsAre(":4:3: error: missing required key 'url' in storage",
                            ":5:3: error: storage.path: only with kind: sqlite"));
    EXPECT_THAT(findings("  kind: postgres\n  url: postgresql://herald:pw@db/herald\n"),
                ElementsAre(::testing::HasSubstr(":5:8: error: storage.url: ")));
    EXPECT_THAT(findings("  kind: postgres\n  url: ${env:HERALD_DATABASE_URL}\n"), IsEmpty());
    EXPECT_THAT(findings("  url: ${env:HERALD_DATABASE_URL}\n"),
                ElementsAre(":4:3: error: storage.url: only with kind: postgres"));
}

TEST(SecretMasking, ReplacesEveryOccurrence) {
    EXPECT_EQ(mask_secrets("a=s3cr3t b=s3cr3t", {"s3cr3t"}), "a=**** b=****");
    EXPECT_EQ(mask_secrets("url https://h/T/B/x", {"https://h/T/B/x"}), "url ****");
    EXPECT_EQ(mask_secrets("abc", {"ab"}), "abc");  // too short to mask meaningfully
    // Long path components of a secret URL are masked on their own too.
    EXPECT_EQ(mask_secrets("no_team: B0PAYMENTS/XyZ12345abc",
                           {"https://hooks.slack.com/services/T00/B0PAYMENTS/XyZ12345abc"}),
              "no_team: ****/****");
    EXPECT_EQ(mask_secrets("services are fine", {"https://hooks.slack.com/services/T00/B0PAYMENTS/XyZ12345abc"}),
              "services are fine");
}

// A channel's `message:` block: every template is checked where it is written.
std::string with_message(const std::string& message_yaml) {
    return "version: 1\nteam: payments\nservices: [payments-api]\n" + slack_channel("payments") + "    message:\n" +
           message_yaml;
}

TEST_F(ConfigCheck, MessageTemplatesThatWorkHaveNoFindings) {
    team("payments",
         with_message("      title: \"{{service}} {{status}} in {{environment}}\"\n"
                      "      summary: \"{{#failure}}Failed at {{stage}}{{/failure}}\"\n"
                      "      fields:\n        - {name: Runbook, value: \"RB-{{service}}\"}\n"
                      "      links:\n        - {text: Dashboard, url: \"https://grafana.example.com/d/{{service}}\"}\n"
                      "      show: [service, environment, failure]\n      labels: [region]\n"
                      "      mentions:\n        - statuses: [failed]\n          environments: [prod*]\n"
                      "          mention:\n            - {kind: group, id: S012345, name: oncall}\n"));
    EXPECT_THAT(check(), IsEmpty());
    const ChannelConfig* channel = table_.channels().at(0).get();
    ASSERT_NE(channel->message, nullptr);
    EXPECT_EQ(channel->message->links.size(), 1u);
    EXPECT_EQ(channel->message->mentions.at(0).mentions.at(0).id, "S012345");
}

TEST_F(ConfigCheck, MessageTemplateErrorsPointAtTheTemplate) {
    team("payments", with_message("      title: \"{{#failure}}{{stage}}\"\n      summary: \"{{{failure.reason}}}\"\n"));
    EXPECT_THAT(check(),
                ElementsAre("routing/payments.yaml:10:14: error: message.title: Unclosed section \"failure\" at 0",
                            "routing/payments.yaml:11:16: error: message.summary: unescaped tags ({{{…}}}, {{&…}}) are "
                            "not allowed: Herald escapes every value for the channel"));
}

TEST_F(ConfigCheck, MessageTemplateTyposAndEmptyTitlesAreWarned) {
    team("payments", with_message("      title: \"{{labels.cluster}} {{servce}}\"\n"));
    EXPECT_THAT(check(),
                ElementsAre("routing/payments.yaml:10:7: warning: message: for a succeeded deploy, the title renders "
                            "empty for this event; such events get the default message",
                            "routing/payments.yaml:10:7: warning: message: for a started deploy with only the required "
                            "fields, the title renders empty for this event; such events get the default message",
                            "routing/payments.yaml:10:7: warning: message: for a cancelled deploy, the title renders "
                            "empty for this event; such events get the default message",
                            "routing/payments.yaml:10:14: warning: message.title: 'servce' is in no sample event and "
                            "renders empty; did you mean 'service'?"));
}

TEST_F(ConfigCheck, MessageMentionsAreCheckedAgainstTheChannelsPlugin) {
    team("payments", with_message("      mentions:\n        - mention:\n            - {kind: tag, id: T1, name: x}\n"
                                  "        - mention:\n            - {kind: group, id: \"S1><!channel\"}\n"));
    EXPECT_THAT(check(), ElementsAre("routing/payments.yaml:14:15: error: mention: id: letters, digits and @ . _ ^ : - "
                                     "only"));
    team("payments", with_message("      mentions:\n        - mention:\n            - {kind: tag, id: T1, name: x}\n"));
    EXPECT_THAT(check(),
                ElementsAre("routing/payments.yaml:10:7: error: message: the slack plugin cannot render a failed "
                            "production deploy with every field: mention kind 'tag' is not a Slack mention "
                            "(user, group, here, channel)"));
}

TEST_F(ConfigCheck, MessageUnknownShowFieldGetsASuggestion) {
    team("payments", with_message("      show: [servce]\n"));
    EXPECT_THAT(check(),
                ElementsAre("routing/payments.yaml:10:13: error: message.show: unknown field 'servce'; did you "
                            "mean 'service'?"));
}

}  // namespace
}  // namespace herald
