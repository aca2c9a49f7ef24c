// Hostile clients and hostile input against a running `herald serve`: each test is named for
// what it prevents.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "support/raw_connection.hpp"
#include "support/run_process.hpp"
#include "support/serve_harness.hpp"

namespace herald {
namespace {

using namespace std::chrono_literals;
using test::RawConnection;
using test::ServeHarness;

std::string hook_team(ServeHarness& h, const std::string& team, const std::string& service,
                      const std::string& extra = "") {
    return "version: 1\nteam: " + team + "\nservices: [" + service +
           "]\nchannels:\n  - name: deploys\n    type: slack\n    settings:\n      webhook_url: " +
           h.secret(team + "-slack", h.fake_url("/slack/services/T/B/" + team)) + "\n" + extra +
           "    statuses: [failed, succeeded]\n";
}

int port_of(const std::string& url) { return std::stoi(url.substr(url.rfind(':') + 1)); }

size_t count(const std::string& haystack, const std::string& needle) {
    size_t n = 0;
    for (size_t p = haystack.find(needle); p != std::string::npos; p = haystack.find(needle, p + 1)) ++n;
    return n;
}

class HostileClient : public ::testing::Test {
 protected:
    void start(const std::string& host_extra = "") {
        h_.team("payments", hook_team(h_, "payments", "payments-api"));
        h_.write_host_config(host_extra);
        h_.start_herald();
    }
    ServeHarness h_;
};

TEST_F(HostileClient, UnknownTransferEncodingCannotSmuggleASecondRequest) {
    start();
    RawConnection c(port_of(h_.intake_url("")));
    ASSERT_TRUE(c.connected());
    const std::string smuggled = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    c.send(
        "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip\r\n"
        "Content-Length: " +
        std::to_string(smuggled.size()) + "\r\n\r\n" + smuggled);
    const std::string answer = c.read_until_closed(5s);
    EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
    EXPECT_EQ(count(answer, "HTTP/1.1 "), 1u) << "the body was read as a request:\n" << answer;
}

TEST_F(HostileClient, ContentTypeIsCaseInsensitiveAndTakesParametersAndHexMayBeUpperCase) {
    start();
    const std::string body = test::failed_event("ct-1", "payments-api");
    std::string upper = hmac_sha256_hex(test::kSourceSecret, body);
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const auto r = test::http_request(
        "POST", h_.intake_url("/v1/events"), body,
        {"Content-Type: Application/JSON; charset=utf-8", "X-Herald-Signature-256: sha256=" + upper});
    EXPECT_EQ(r.status, 202) << r.body;
}

TEST_F(HostileClient, ControlCharactersAndDotIdsAreRefusedAtIntake) {
    start();
    const auto with = [](const std::string& field, const std::string& value) {
        auto event = boost::json::parse(test::failed_event("cc-1", "payments-api")).as_object();
        event[field] = value;
        return boost::json::serialize(event);
    };
    for (const auto& [field, value] :
         std::vector<std::pair<std::string, std::string>>{{"service", "payments-api\x1b[2J"},
                                                          {"environment", "prod\nuction"},
                                                          {"triggered_by", std::string("ci\0bot", 6)},
                                                          {"id", "."},
                                                          {"id", ".."}}) {
        const auto r = h_.post(with(field, value));
        EXPECT_EQ(r.status, 400) << field << ": " << r.body;
        EXPECT_NE(r.body.find("\"field\":\"" + field + "\""), std::string::npos) << r.body;
    }
}

TEST_F(HostileClient, SourceCanRequireSignedTimestamps) {
    h_.set_source_extra("    require_timestamp: true\n");
    start();
    const std::string body = test::failed_event("ts-req-1", "payments-api");
    const auto unsigned_ts = h_.post(body);
    EXPECT_EQ(unsigned_ts.status, 401);
    EXPECT_NE(unsigned_ts.body.find("requires X-Herald-Timestamp"), std::string::npos) << unsigned_ts.body;
    const std::string ts = std::to_string(std::time(nullptr));
    const auto r = h_.post(body,
                           {"X-Herald-Timestamp: " + ts,
                            "X-Herald-Signature-256: sha256=" + hmac_sha256_hex(test::kSourceSecret, ts + "." + body)},
                           false);
    EXPECT_EQ(r.status, 202) << r.body;
}

TEST_F(HostileClient, IdleKeepAliveConnectionsCannotLockOutNewClients) {
    start("limits:\n  max_connections: 16\n");
    const int port = port_of(h_.intake_url(""));
    std::vector<std::unique_ptr<RawConnection>> idle;
    for (int i = 0; i < 16; ++i) {
        idle.push_back(std::make_unique<RawConnection>(port));
        idle.back()->send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");  // then keep the connection idle
    }
    std::this_thread::sleep_for(300ms);
    for (int i = 0; i < 3; ++i) {
        const auto started = std::chrono::steady_clock::now();
        const auto r = test::http_request("GET", h_.intake_url("/readyz"), "", {}, 5000);
        EXPECT_EQ(r.status, 200) << r.error;
        EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);  // well under the 60 s idle timeout
    }
}

// CPU time (user + system) a process has used so far, in clock ticks, from /proc.
long cpu_ticks(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::string skip;
    for (int i = 0; i < 11; ++i) fields >> skip;  // state .. cmajflt
    long utime = 0, stime = 0;
    fields >> utime >> stime;
    return utime + stime;
}

TEST_F(HostileClient, RunningOutOfFileDescriptorsNeitherSpinsNorLocksOut) {
    h_.command_prefix({"/usr/bin/prlimit", "--nofile=96:96"});  // util-linux, always on Debian
    start();
    const int port = port_of(h_.intake_url(""));
    std::vector<std::unique_ptr<RawConnection>> idle;
    for (int i = 0; i < 120; ++i) {
        idle.push_back(std::make_unique<RawConnection>(port));
        idle.back()->send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    }
    std::this_thread::sleep_for(500ms);
    const long before = cpu_ticks(h_.herald().pid());
    std::this_thread::sleep_for(1s);
    const long used = cpu_ticks(h_.herald().pid()) - before;
    EXPECT_LT(used, sysconf(_SC_CLK_TCK) / 2) << "the accept loop spins while out of descriptors";
    EXPECT_NE(h_.herald_log().find("raise the file-descriptor limit"), std::string::npos) << h_.herald_log();
    idle.clear();
    EXPECT_TRUE(test::wait_until(
        [&] { return test::http_request("GET", h_.intake_url("/healthz"), "", {}, 2000).status == 200; }, 10s));
}

TEST_F(HostileClient, HealthAnswersOnTheAdminListenerToo) {
    start();
    EXPECT_EQ(test::http_request("GET", h_.admin_url("/healthz")).status, 200);
    EXPECT_EQ(test::http_request("GET", h_.admin_url("/readyz")).status, 200);
}

TEST_F(HostileClient, MalformedAdminFiltersAreRefusedNotDefaulted) {
    start();
    for (const char* query : {"?since=abc", "?limit=-5", "?limit=0", "?after=x", "?colour=red"}) {
        const auto r = test::http_request("GET", h_.admin_url(std::string("/api/v1/dlq") + query));
        EXPECT_EQ(r.status, 400) << query << ": " << r.body;
    }
    EXPECT_EQ(test::http_request("POST", h_.admin_url("/api/v1/dlq/replay?since=1hour")).status, 400);
    EXPECT_EQ(test::http_request("GET", h_.admin_url("/api/v1/dlq?since=1h&limit=5")).status, 200);
    EXPECT_EQ(test::http_request("GET", h_.admin_url("/api/v1/dlq?since=2026-11-27T10:00:00Z")).status, 200);
}

TEST_F(HostileClient, BulkReplayRefusesAnUnreadableSinceAndDryRunReplaysNothing) {
    h_.team("payments", hook_team(h_, "payments", "payments-api"));
    start();
    h_.fault(R"({"path_prefix":"/slack/","mode":"status","status":404,"body":"channel_not_found"})");
    ASSERT_EQ(h_.post(test::failed_event("dead-1", "payments-api")).status, 202);
    ASSERT_TRUE(h_.wait_for_jobs_done(1, 10s));
    const std::vector<std::string> admin = {"--admin", h_.admin_url("")};
    auto cli = [&](std::vector<std::string> args) {
        std::string line = HERALD_BINARY;
        for (const auto& a : args) line += " '" + a + "'";
        for (const auto& a : admin) line += " '" + a + "'";
        return test::run_process(line + " 2>&1");
    };
    const auto bad = cli({"dlq", "replay", "--all", "--since", "1hour"});
    EXPECT_EQ(bad.exit_status, 2) << bad.output;
    EXPECT_NE(bad.output.find("--since '1hour'"), std::string::npos) << bad.output;
    const auto dry = cli({"dlq", "replay", "--all", "--since", "1h", "--dry-run"});
    EXPECT_EQ(dry.exit_status, 0) << dry.output;
    EXPECT_NE(dry.output.find("dry run: 1 delivery would go back to pending"), std::string::npos) << dry.output;
    EXPECT_EQ(h_.jobs().front().state, "dead");  // nothing replayed
    const auto shown = cli({"events", "show", "dead-1"});
    EXPECT_EQ(shown.exit_status, 0) << shown.output;
    EXPECT_NE(shown.output.find("event dead-1"), std::string::npos) << shown.output;
}

TEST_F(HostileClient, EditingAChannelSettingKeepsItsQueuedDeliveries) {
    h_.team("payments", hook_team(h_, "payments", "payments-api"));
    start();
    h_.fault(R"({"path_prefix":"/slack/","mode":"status","status":503,"count":3})");
    ASSERT_EQ(h_.post(test::failed_event("edit-1", "payments-api")).status, 202);
    std::this_thread::sleep_for(300ms);  // first attempt failed; a retry is queued
    h_.team("payments", hook_team(h_, "payments", "payments-api", "      mention: \"<!subteam^S0NEW>\"\n"));
    const auto reload = test::http_request("POST", h_.admin_url("/-/reload"));
    ASSERT_EQ(reload.status, 200) << reload.body;
    ASSERT_TRUE(h_.wait_for_jobs_done(1, 30s));
    const auto jobs = h_.jobs();
    ASSERT_EQ(jobs.size(), 1u);
    EXPECT_EQ(jobs[0].state, "delivered") << jobs[0].dead_reason;
    const auto sent = h_.fake_requests("slack");
    ASSERT_FALSE(sent.empty());
    EXPECT_NE(std::string(sent.back().at("body").as_string()).find("S0NEW"), std::string::npos);
}

TEST_F(HostileClient, FifoTeamFileNeitherHangsReloadNorTheAdminApiNorShutdown) {
    start();
    ASSERT_EQ(mkfifo((h_.dir() / "routing/zz-fifo.yaml").c_str(), 0600), 0);
    const auto started = std::chrono::steady_clock::now();
    const auto reload = test::http_request("POST", h_.admin_url("/-/reload"), "", {}, 5000);
    EXPECT_EQ(reload.status, 422) << reload.body;
    EXPECT_NE(reload.body.find("not a regular file"), std::string::npos) << reload.body;
    EXPECT_EQ(test::http_request("GET", h_.admin_url("/healthz"), "", {}, 2000).status, 200);
    kill(h_.herald().pid(), SIGHUP);
    kill(h_.herald().pid(), SIGTERM);
    EXPECT_TRUE(test::wait_until([&] { return !h_.herald().running(); }, 10s));
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
}

TEST_F(HostileClient, ChannelErrorBodyCannotForgeALogLine) {
    start();
    h_.fault(R"({"path_prefix":"/slack/","mode":"status","status":500,"count":1,)"
             R"("body":"oops\n[2026-01-01 00:00:00.000] [herald] [info] dispatch: forged"})");
    ASSERT_EQ(h_.post(test::failed_event("forge-1", "payments-api")).status, 202);
    ASSERT_TRUE(h_.wait_for_jobs_done(1, 20s));
    const std::string log = h_.herald_log();
    EXPECT_EQ(log.find("\n[2026-01-01 00:00:00.000]"), std::string::npos) << log;
}

}  // namespace
}  // namespace herald
