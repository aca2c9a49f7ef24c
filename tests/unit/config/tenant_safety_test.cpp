// The boundary between teams: what a team file may reach, what it may own, and what it cannot
// make the host do. Each test is named for the attack it prevents.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>

#include "common/glob.hpp"
#include "config/tenant_policy.hpp"
#include "plugins/plugin_fixture.hpp"
#include "routing/routing_loader.hpp"
#include "support/temp_dir.hpp"

namespace herald {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class TenantSafety : public ::testing::Test {
 protected:
    void SetUp() override {
        setenv("HERALD_ADMIN_TOKEN_T", "admin-token-value", 1);
        setenv("PAYMENTS_SLACK", "https://hooks.slack.com/services/T/B/payments", 1);
        setenv("SRE_PD_KEY", "0123456789abcdef0123456789abcdef", 1);
        dir_.write("secrets/source", "pipeline-secret\n");
        dir_.write("team-secrets/payments/slack", "https://hooks.slack.com/services/T/B/from-file\n");
        dir_.write("team-secrets/sre/key", "0123456789abcdef0123456789abcdef\n");
        host("");
    }

    // Writes and loads a host config with `extra` appended.
    void host(const std::string& extra) {
        const auto file =
            dir_.write("herald.yaml",
                       "version: 1\nlisteners:\n  admin:\n    token: ${env:HERALD_ADMIN_TOKEN_T}\n"
                       "sources:\n  - name: ci\n    secrets: ['${file:secrets/source}']\n"
                       "routing:\n  directory: routing\n  fallback:\n    name: unrouted\n    type: slack\n"
                       "    settings: {webhook_url: '${env:PAYMENTS_SLACK}'}\n"
                       "tenants:\n  secrets_directory: team-secrets/{team}\n" +
                           extra);
        Diagnostics d;
        LoadOptions options;
        host_ = load_host_config(file, options, d);
        for (const auto& f : d.findings()) ADD_FAILURE() << f.text();
    }

    void team(const std::string& name, const std::string& yaml) { dir_.write("routing/" + name + ".yaml", yaml); }

    std::vector<std::string> check(SecretMode mode = SecretMode::resolve) {
        LoadOptions options;
        options.secrets = mode;
        Diagnostics d;
        table_ = load_routing(dir_.path() / "routing", &host_, test::real_plugins(), options, d);
        std::vector<std::string> out;
        for (const auto& f : d.sorted()) {
            std::string text = f.text();
            const std::string prefix = dir_.path().string() + "/";
            for (size_t p = text.find(prefix); p != std::string::npos; p = text.find(prefix))
                text.erase(p, prefix.size());
            out.push_back(text);
        }
        return out;
    }

    static std::string slack(const std::string& url_ref) {
        return "channels:\n  - name: d\n    type: slack\n    settings:\n      webhook_url: " + url_ref + "\n";
    }

    test::TempDir dir_;
    HostConfig host_;
    RoutingTable table_;
};

TEST_F(TenantSafety, TeamCannotReadAnotherTeamsEnvironmentVariable) {
    team("checkout", "version: 1\nteam: checkout\n" + slack("${env:PAYMENTS_SLACK}"));
    EXPECT_THAT(check(), ElementsAre("routing/checkout.yaml:7:20: error: webhook_url: team 'checkout' may use "
                                     "${env:CHECKOUT_...} only (tenants.env_prefix and tenants.grants in the host "
                                     "config)"));
}

TEST_F(TenantSafety, TeamCanUseItsOwnPrefixAndWhatItIsGranted) {
    setenv("SHARED_ALERTS", "https://hooks.slack.com/services/T/B/shared", 1);
    host("  grants:\n    checkout: ['${env:SHARED_ALERTS}']\n");
    team("payments", "version: 1\nteam: payments\n" + slack("${env:PAYMENTS_SLACK}"));
    team("checkout", "version: 1\nteam: checkout\n" + slack("${env:SHARED_ALERTS}"));
    EXPECT_THAT(check(), IsEmpty());
    team("search", "version: 1\nteam: search\n" + slack("${env:SHARED_ALERTS}"));
    EXPECT_THAT(check(), ElementsAre(HasSubstr("routing/search.yaml:7:20: error: webhook_url: team 'search' may use "
                                               "${env:SEARCH_...} only")));
}

TEST_F(TenantSafety, HostLevelSecretsAreNeverReachableEvenWhenGrantedOrPrefixed) {
    host("  env_prefix: HERALD_\n  grants:\n    payments: ['${file:secrets/source}']\n");
    team("payments",
         "version: 1\nteam: payments\nchannels:\n  - name: hook\n    type: webhook\n    settings:\n"
         "      url: ${env:HERALD_ADMIN_TOKEN_T}\n      secret: ${file:../secrets/source}\n");
    EXPECT_THAT(check(), ElementsAre("routing/payments.yaml:7:12: error: url: ${env:HERALD_ADMIN_TOKEN_T} holds a "
                                     "host-level secret (admin token or source secret); team files cannot use it",
                                     "routing/payments.yaml:8:15: error: secret: ${file:../secrets/source} holds a "
                                     "host-level secret (admin token or source secret); team files cannot use it"));
}

TEST_F(TenantSafety, SecretFilesStayInsideTheTeamsOwnDirectory) {
    std::filesystem::create_symlink(dir_.path() / "team-secrets/sre/key", dir_.path() / "team-secrets/payments/link");
    team("payments",
         "version: 1\nteam: payments\nchannels:\n"
         "  - name: ok\n    type: slack\n    settings:\n      webhook_url: ${file:../team-secrets/payments/slack}\n"
         "  - name: sideways\n    type: pagerduty\n    settings:\n      routing_key: ${file:../team-secrets/sre/key}\n"
         "  - name: symlink\n    type: pagerduty\n    settings:\n      routing_key: "
         "${file:../team-secrets/payments/link}\n"
         "  - name: absolute\n    type: pagerduty\n    settings:\n      routing_key: ${file:/etc/passwd}\n");
    const auto findings = check();
    const std::string rule =
        "team 'payments' may read secret files only inside team-secrets/payments (tenants.secrets_directory)";
    EXPECT_THAT(findings, ElementsAre("routing/payments.yaml:11:20: error: routing_key: " + rule,
                                      "routing/payments.yaml:15:20: error: routing_key: " + rule,
                                      "routing/payments.yaml:19:20: error: routing_key: " + rule));
}

TEST_F(TenantSafety, ReferencesAreRefusedOutsideSecretSettings) {
    host("destinations:\n  hosts:\n    webhook: [hooks.example.com]\n");
    setenv("PAYMENTS_HOOK", "https://hooks.example.com/x", 1);
    team("payments",
         "version: 1\nteam: payments\nchannels:\n  - name: hook\n    type: webhook\n    settings:\n"
         "      url: ${env:PAYMENTS_HOOK}\n      headers:\n        X-Leak: ${env:PAYMENTS_SLACK}\n");
    EXPECT_THAT(check(), ElementsAre("routing/payments.yaml:9:17: error: headers.X-Leak: is not a secret setting; "
                                     "${env:...} and ${file:...} references are allowed only in settings the channel "
                                     "type declares secret"));
}

TEST_F(TenantSafety, DestinationsOutsideTheAllowlistAreRefused) {
    team("sre",
         "version: 1\nteam: sre\nchannels:\n  - name: pager\n    type: pagerduty\n    settings:\n"
         "      routing_key: ${env:SRE_PD_KEY}\n      events_url: https://collector.evil.example\n");
    setenv("PAYMENTS_HOOK", "https://hooks.example.com/x", 1);
    team("payments",
         "version: 1\nteam: payments\nchannels:\n  - name: hook\n    type: webhook\n    settings:\n"
         "      url: ${env:PAYMENTS_HOOK}\n");
    EXPECT_THAT(
        check(),
        ElementsAre("routing/payments.yaml:7:12: error: url: destination host 'hooks.example.com' is not "
                    "allowed for channel type 'webhook' (allowed: none; list hosts under "
                    "destinations.hosts.webhook)",
                    "routing/sre.yaml:8:19: error: events_url: destination host 'collector.evil.example' is not "
                    "allowed for channel type 'pagerduty' (allowed: events.pagerduty.com, "
                    "events.eu.pagerduty.com)"));
    // Not even in placeholder mode (config check in a repository without the secrets): plain
    // settings are checked all the same.
    EXPECT_THAT(check(SecretMode::placeholder), ElementsAre(HasSubstr("collector.evil.example")));
}

TEST_F(TenantSafety, PlainHttpNeedsTheHostsPermission) {
    setenv("PAYMENTS_SLACK", "http://hooks.slack.com/services/T/B/payments", 1);
    team("payments", "version: 1\nteam: payments\n" + slack("${env:PAYMENTS_SLACK}"));
    EXPECT_THAT(check(), Contains(HasSubstr("is plain http; only https is allowed")));
    setenv("PAYMENTS_SLACK", "https://hooks.slack.com/services/T/B/payments", 1);
}

TEST_F(TenantSafety, DestinationCheckNamesTheHostButNotTheSecretUrl) {
    setenv("PAYMENTS_SLACK", "https://evil.example/services/T/B/very-secret-token", 1);
    team("payments", "version: 1\nteam: payments\n" + slack("${env:PAYMENTS_SLACK}"));
    const auto findings = check();  // the team's channel, and the host's fallback that uses the same variable
    ASSERT_EQ(findings.size(), 2u);
    for (const auto& finding : findings) {
        EXPECT_THAT(finding, HasSubstr("'evil.example'"));
        EXPECT_THAT(finding, ::testing::Not(HasSubstr("very-secret-token")));
    }
    setenv("PAYMENTS_SLACK", "https://hooks.slack.com/services/T/B/payments", 1);
}

// The allowlist as every delivery meets it: a type's own list replaces its defaults, "*" adds
// to every type's, a pattern with a port binds the port (https means 443).
struct Destination {
    const char* type;
    const char* url;
    bool allowed;
};

void expect_verdicts(const DestinationPolicy& policy, std::initializer_list<Destination> destinations) {
    for (const Destination& d : destinations) {
        EXPECT_EQ(!check_destination(policy, d.type, d.url).has_value(), d.allowed) << d.type << " " << d.url;
    }
}

TEST(DestinationAllowlist, OwnListsReplaceDefaultsStarAddsAndPortsBind) {
    DestinationPolicy policy;
    expect_verdicts(policy, {{"slack", "https://hooks.slack.com/services/T/B/x", true},
                             {"slack", "https://hooks.example.com/x", false}});
    policy.hosts["slack"] = {"chat.example.com"};
    expect_verdicts(policy, {{"slack", "https://CHAT.example.com/x", true},
                             {"slack", "https://hooks.slack.com/services/T/B/x", false}});
    EXPECT_THAT(check_destination(policy, "slack", "https://hooks.slack.com/x").value_or(""),
                HasSubstr("(allowed: chat.example.com)"));
    policy.hosts["*"] = {"*.internal.example:8443"};
    expect_verdicts(policy, {{"slack", "https://relay.internal.example:8443/x", true},
                             {"webhook", "https://relay.internal.example:8443/x", true},
                             {"webhook", "https://relay.internal.example/x", false}});
    policy.hosts["webhook"] = {"hooks.example.com:443"};
    expect_verdicts(policy, {{"webhook", "https://hooks.example.com/x", true},
                             {"webhook", "https://hooks.example.com:444/x", false}});
    EXPECT_THAT(check_destination(policy, "webhook", "https://hooks.example.com:444/x").value_or(""),
                HasSubstr("(allowed: hooks.example.com:443, *.internal.example:8443)"));
}

TEST_F(TenantSafety, GlobCannotTakeOverAnotherTeamsGlob) {
    team("payments", "version: 1\nteam: payments\nservices: ['payments-worker-*']\n" + slack("${env:PAYMENTS_SLACK}"));
    team("attacker", "version: 1\nteam: attacker\nservices: ['payments-worker-1*']\n" + slack("${env:ATTACKER_X}"));
    const auto findings = check(SecretMode::placeholder);
    EXPECT_THAT(findings, ElementsAre(HasSubstr("routing/attacker.yaml:3:12: error: glob 'payments-worker-1*' of team "
                                                "'attacker' overlaps glob 'payments-worker-*' of team 'payments'"),
                                      HasSubstr("routing/payments.yaml:3:12: error: glob 'payments-worker-*' of team "
                                                "'payments' overlaps glob 'payments-worker-1*' of team 'attacker'")));
}

TEST_F(TenantSafety, CatchAllServicesBelongToTheFallback) {
    team("greedy", "version: 1\nteam: greedy\nservices: ['*']\n");
    EXPECT_THAT(check(), ElementsAre("routing/greedy.yaml:3:12: error: services: '*' would own every service; a "
                                     "catch-all belongs to the host's routing.fallback, or to a subscription (which "
                                     "notifies without owning)"));
}

TEST_F(TenantSafety, DeviceAsSecretFileIsRefusedNotRead) {
    host("  grants:\n    payments: ['${file:/dev/zero}']\n");
    team("payments",
         "version: 1\nteam: payments\nchannels:\n  - name: hook\n    type: pagerduty\n    settings:\n"
         "      routing_key: ${file:/dev/zero}\n");
    EXPECT_THAT(check(),
                ElementsAre("routing/payments.yaml:7:20: error: routing_key: ${file:/dev/zero}: /dev/zero: not "
                            "a regular file (devices, FIFOs and sockets are refused)"));
}

TEST_F(TenantSafety, FifoAsSecretFileDoesNotHang) {
    const auto fifo = dir_.path() / "team-secrets/payments/fifo";
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    team("payments",
         "version: 1\nteam: payments\nchannels:\n  - name: hook\n    type: pagerduty\n    settings:\n"
         "      routing_key: ${file:../team-secrets/payments/fifo}\n");
    EXPECT_THAT(check(), ElementsAre(HasSubstr("not a regular file")));
}

TEST_F(TenantSafety, OversizedSecretFileIsRefused) {
    dir_.write("team-secrets/payments/big", std::string(kMaxSecretFileBytes + 1, 'k'));
    team("payments",
         "version: 1\nteam: payments\nchannels:\n  - name: hook\n    type: pagerduty\n    settings:\n"
         "      routing_key: ${file:../team-secrets/payments/big}\n");
    EXPECT_THAT(check(), ElementsAre(HasSubstr("larger than the limit of 65536 bytes")));
}

TEST_F(TenantSafety, OversizedTeamFileIsRefusedBeforeParsing) {
    team("payments", "version: 1\nteam: payments\n#" + std::string(300 * 1024, 'x') + "\n");
    EXPECT_THAT(check(), ElementsAre(HasSubstr("routing/payments.yaml: error: larger than the limit of 262144 bytes")));
}

TEST_F(TenantSafety, TooManyTeamFilesAreRefused) {
    host("limits:\n  routing_files: 2\n");
    for (const char* name : {"a", "b", "c"}) team(name, std::string("version: 1\nteam: ") + name + "\n");
    EXPECT_THAT(check(), ElementsAre(HasSubstr("3 team files; the limit is 2")));
}

TEST_F(TenantSafety, ThousandsOfAliasesGiveOneFinding) {
    std::string yaml = "version: 1\nteam: payments\nservices:\n  - &a [x]\n";
    for (int i = 0; i < 20000; ++i) yaml += "  - *a\n";
    team("payments", yaml);
    EXPECT_THAT(check(), ElementsAre("routing/payments.yaml:4:5: error: services: items must be non-empty strings"));
}

TEST_F(TenantSafety, ThousandsOfDistinctMistakesGiveABoundedNumberOfFindings) {
    std::string yaml = "version: 1\nteam: payments\n";
    for (int i = 0; i < 5000; ++i) yaml += "unknown" + std::to_string(i) + ": 1\n";
    team("payments", yaml);
    const auto findings = check();
    EXPECT_EQ(findings.size(), Diagnostics::kMaxPerFile + 1);
    EXPECT_EQ(findings.back(), "routing/payments.yaml: warning: 4950 more findings in this file not shown");
}

TEST_F(TenantSafety, NonLoopbackAdminListenerNeedsAToken) {
    const auto file = dir_.write("bad.yaml",
                                 "version: 1\nlisteners:\n  admin:\n    address: 0.0.0.0\n"
                                 "routing: {directory: routing}\n");
    Diagnostics d;
    load_host_config(file, {}, d);
    EXPECT_THAT(d.findings().front().text(),
                HasSubstr("an admin listener on a non-loopback address (0.0.0.0) needs a token"));
}

TEST(GlobOverlap, FindsStringsBothGlobsMatch) {
    EXPECT_TRUE(globs_overlap("payments-worker-*", "payments-worker-1*"));
    EXPECT_TRUE(globs_overlap("*-api", "payments-*"));
    EXPECT_TRUE(globs_overlap("a?c", "*b*"));
    EXPECT_TRUE(globs_overlap("team[0-9]", "team5"));
    EXPECT_FALSE(globs_overlap("team1-*", "team10-*"));
    EXPECT_FALSE(globs_overlap("search-*", "payments-*"));
    EXPECT_FALSE(globs_overlap("team[0-4]", "team[5-9]"));
    EXPECT_FALSE(globs_overlap("a*b", "a*c"));
    EXPECT_TRUE(is_catch_all("*"));
    EXPECT_TRUE(is_catch_all("**"));
    EXPECT_FALSE(is_catch_all("p*"));
}

}  // namespace
}  // namespace herald
