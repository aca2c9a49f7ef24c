// --json wherever a command prints something a script would parse, and the bash completion.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "support/run_process.hpp"
#include "support/temp_dir.hpp"

namespace herald {
namespace {
namespace json = boost::json;

const std::string kHerald = HERALD_BINARY;
const std::string kRoot = HERALD_SOURCE_DIR;

TEST(CliJson, ConfigCheckFindingsAsJson) {
    test::TempDir dir;
    dir.write("routing/payments.yaml", "version: 1\nteam: payments\nservices: [payments-api]\nchanels: []\n");
    const auto r = test::run_process(kHerald + " config check " + (dir.path() / "routing").string() + " --plugins " +
                                     HERALD_PLUGIN_DIR + " --json");
    EXPECT_EQ(r.exit_status, 1);
    const json::object out = json::parse(r.output).as_object();
    EXPECT_EQ(out.at("errors").as_int64(), 1);
    json::object finding;
    for (const auto& f : out.at("findings").as_array()) {
        if (f.at("severity") == "error") finding = f.as_object();
    }
    ASSERT_FALSE(finding.empty()) << r.output;
    EXPECT_EQ(finding.at("line").as_int64(), 4);
    EXPECT_EQ(finding.at("column").as_int64(), 1);
    EXPECT_EQ(finding.at("severity"), "error");
    EXPECT_EQ(finding.at("message"), "unknown key 'chanels' in team file; did you mean 'channels'?");
}

TEST(CliJson, RouteTestDestinationsAsJson) {
    const auto r =
        test::run_process(kHerald + " route test --config " + kRoot + "/config --event " + kRoot +
                          "/config/events/failed-with-rollback.json --plugins " + HERALD_PLUGIN_DIR + " --json");
    ASSERT_EQ(r.exit_status, 0) << r.output;
    const json::object out = json::parse(r.output).as_object();
    EXPECT_EQ(out.at("service"), "payments-api");
    bool paged_sre = false;
    for (const auto& d : out.at("destinations").as_array()) paged_sre |= d.at("team") == "sre";
    EXPECT_TRUE(paged_sre) << r.output;
}

TEST(CliJson, PluginListAsJson) {
    const auto r = test::run_process(kHerald + " plugin list --dir " + HERALD_PLUGIN_DIR + " --json");
    ASSERT_EQ(r.exit_status, 0) << r.output;
    const json::object out = json::parse(r.output).as_object();
    std::vector<std::string> names;
    for (const auto& p : out.at("plugins").as_array()) names.emplace_back(p.at("name").as_string());
    EXPECT_EQ(names, (std::vector<std::string>{"pagerduty", "slack", "teams", "webhook"}));
    EXPECT_TRUE(out.at("refused").as_array().empty());
}

// What bash offers after typing `words` (the last one being completed).
std::string complete(const std::string& words) {
    const auto r =
        test::run_process("bash -c 'source " + kRoot + "/packaging/bash-completion/herald; COMP_WORDS=(" + words +
                          "); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); _herald; echo ${COMPREPLY[*]}' 2>&1");
    return r.output;
}

TEST(BashCompletion, CommandsSubcommandsAndValues) {
    EXPECT_EQ(complete("herald d"), "dlq\n");
    EXPECT_EQ(complete("herald e"), "emit events\n");
    EXPECT_EQ(complete("herald dlq r"), "replay\n");
    EXPECT_EQ(complete("herald emit --status f"), "failed\n");
    EXPECT_EQ(complete("herald emit --retry-"), "--retry-for\n");
    EXPECT_EQ(complete("herald config check x --js"), "--json\n");
}

}  // namespace
}  // namespace herald
