// The web view (/ui/) against a running Herald with events and a dead letter: Debian's
// chromium, driven by tools/ui-check/check-ui.mjs, signs in, reads the grid and the deploys,
// and replays the dead letter; the delivery then reaches the channel. Screenshots are kept in
// <build>/test-artifacts/. Also: the assets' security headers and the cross-site guard.
#include <gtest/gtest.h>

#include <filesystem>

#include "support/run_process.hpp"
#include "support/serve_harness.hpp"

namespace herald {
namespace {

using namespace std::chrono_literals;
using test::ServeHarness;

const std::string kAdminToken = "web-view-admin-token";

class WebView : public ::testing::Test {
 protected:
    void SetUp() override {
        h_.set_admin_token(kAdminToken);
        h_.team("payments",
                "version: 1\nteam: payments\nservices: [payments-api]\nchannels:\n"
                "  - name: hook\n    type: webhook\n    settings:\n      url: " +
                    h_.secret("payments-hook", h_.fake_url("/webhook/payments")) + "\n");
        h_.write_host_config();
        h_.start_herald();
    }

    // Posts a failed deploy whose delivery the channel refuses once: one dead letter.
    int64_t dead_letter() {
        h_.fault(R"({"path_prefix":"/webhook/payments","status":400,"count":1})");
        EXPECT_EQ(h_.post(test::failed_event("e-fail", "payments-api")).status, 202);
        EXPECT_EQ(h_.post(test::succeeded_event("e-ok", "search-api", "staging")).status, 202);
        EXPECT_TRUE(h_.wait_for_jobs_done(2, 20s)) << h_.herald_log();
        for (const auto& job : h_.jobs()) {
            if (job.state == "dead") return job.id;
        }
        ADD_FAILURE() << "no dead letter";
        return 0;
    }

    test::HttpResult admin(const std::string& method, const std::string& path, std::vector<std::string> headers = {}) {
        headers.push_back("Authorization: Bearer " + kAdminToken);
        return test::http_request(method, h_.admin_url(path), "", headers);
    }

    ServeHarness h_;
};

TEST_F(WebView, ChromiumSignsInReadsTheGridAndReplaysADeadLetter) {
    const int64_t job = dead_letter();
    ASSERT_GT(job, 0);
    const std::filesystem::path artifacts =
        std::filesystem::path(HERALD_BINARY).parent_path().parent_path() / "test-artifacts";
    std::filesystem::create_directories(artifacts);
    const std::string script = std::string(HERALD_SOURCE_DIR) + "/tools/ui-check/check-ui.mjs";
    ASSERT_TRUE(std::filesystem::exists(std::string(HERALD_SOURCE_DIR) + "/tools/ui-check/node_modules/puppeteer-core"))
        << "run scripts/install-deps.sh (it installs puppeteer-core for this test)";
    const auto result = test::run_process("timeout 90 node " + script + " " + h_.admin_url("") + " " + kAdminToken +
                                          " " + artifacts.string() + " payments-api " + std::to_string(job) + " 2>&1");
    ASSERT_EQ(result.exit_status, 0) << result.output;
    EXPECT_NE(result.output.find("replayed"), std::string::npos) << result.output;
    EXPECT_TRUE(std::filesystem::exists(artifacts / "web-view-services.png"));

    // The replay the browser clicked delivers the event.
    ASSERT_TRUE(test::wait_until([&] { return h_.webhook_deliveries_by_event()["e-fail"] >= 1; }, 20s))
        << h_.herald_log();
    for (const auto& row : h_.jobs()) EXPECT_EQ(row.state, "delivered") << row.event_id;
}

TEST_F(WebView, AssetsCarrySecurityHeadersAndTheApiStillNeedsTheToken) {
    const auto page = test::http_request("GET", h_.admin_url("/ui/"));
    EXPECT_EQ(page.status, 200);
    EXPECT_NE(page.body.find("<script src=\"app.js\"></script>"), std::string::npos);
    EXPECT_NE(page.header("Content-Security-Policy").find("frame-ancestors 'none'"), std::string::npos);
    EXPECT_EQ(test::http_request("GET", h_.admin_url("/ui/app.js")).status, 200);
    EXPECT_EQ(test::http_request("GET", h_.admin_url("/ui/nothing.js")).status, 404);
    EXPECT_EQ(test::http_request("GET", h_.admin_url("/api/v1/services")).status, 401);
    const auto services = admin("GET", "/api/v1/services?limit=600");
    EXPECT_EQ(services.status, 400);
    EXPECT_NE(services.body.find("limit: 1 to 500"), std::string::npos) << services.body;
}

TEST_F(WebView, CrossSiteRequestsCannotReplay) {
    const int64_t job = dead_letter();
    ASSERT_GT(job, 0);
    const std::string replay = "/api/v1/dlq/" + std::to_string(job) + "/replay";
    EXPECT_EQ(admin("POST", replay, {"Origin: https://evil.example"}).status, 403);
    EXPECT_EQ(admin("POST", replay, {"Sec-Fetch-Site: cross-site"}).status, 403);
    size_t dead = 0;
    for (const auto& row : h_.jobs()) dead += row.state == "dead" ? 1 : 0;
    EXPECT_EQ(dead, 1u) << "nothing was replayed";
    const auto same_site = admin("POST", replay, {"Sec-Fetch-Site: same-origin"});
    EXPECT_EQ(same_site.status, 200) << same_site.body;
}

}  // namespace
}  // namespace herald
