// CurlTransport against the fake channels over 127.0.0.1: libcurl driven through its socket
// interface (SocketWatch), so answers, timeouts, wake-ups and kept-alive connections that the
// server has since closed all have to come through the epoll set and libcurl's timer.
#include "transport/curl_transport.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <thread>

#include "support/recording_http_server.hpp"
#include "support/serve_harness.hpp"

namespace herald {
namespace {

using namespace std::chrono_literals;

// The fake channels on a port that stays the same across restarts.
class FakeSink {
 public:
    FakeSink() { start("0"); }
    ~FakeSink() { process_.stop(); }

    void restart() {
        process_.stop();
        start(port_);
    }
    void stop() { process_.stop(); }
    std::string url(const std::string& path) const { return "http://127.0.0.1:" + port_ + path; }
    void fault(const std::string& json) { test::http_request("POST", url("/_fake/faults"), json); }

 private:
    void start(const std::string& port) {
        const auto port_file = dir_.path() / "fake.port";
        std::filesystem::remove(port_file);
        process_.start({HERALD_FAKE_CHANNELS, "--port", port, "--port-file", port_file.string()},
                       (dir_.path() / "fake.log").string());
        if (!test::wait_until([&] { return !test::read_text(port_file).empty(); }, 10s)) {
            throw std::runtime_error("fake-channels did not start");
        }
        port_ = test::read_text(port_file);
        while (!port_.empty() && (port_.back() == '\n' || port_.back() == '\r')) port_.pop_back();
    }

    test::TempDir dir_;
    test::Process process_;
    std::string port_;
};

HttpRequest post(const std::string& url, const std::string& body = R"({"text":"deployed"})") {
    HttpRequest r;
    r.method = "POST";
    r.url = url;
    r.headers = {{"Content-Type", "application/json"}};
    r.body = body;
    return r;
}

// Performs until `count` results have come back or 15 s pass.
std::map<uint64_t, TransportResult> finish(CurlTransport& transport, size_t count) {
    std::map<uint64_t, TransportResult> results;
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (results.size() < count && std::chrono::steady_clock::now() < deadline) {
        for (auto& r : transport.perform(100)) results.emplace(r.token, std::move(r));
    }
    return results;
}

TEST(CurlTransport, ManyTransfersInFlightAllComeBackWithTheirAnswers) {
    FakeSink sink;
    sink.fault(R"({"mode":"slow","delay_ms":200,"path_prefix":"/webhook"})");
    CurlTransport transport;
    constexpr uint64_t kCount = 40;
    for (uint64_t token = 1; token <= kCount; ++token) transport.start(token, post(sink.url("/webhook/t")));
    EXPECT_EQ(transport.active(), kCount);

    const auto results = finish(transport, kCount);
    ASSERT_EQ(results.size(), kCount);
    for (const auto& [token, r] : results) {
        EXPECT_TRUE(r.ok) << token << ": " << r.error;
        EXPECT_EQ(r.response.status_code, 200) << token;
    }
    EXPECT_EQ(transport.active(), 0u);
}

TEST(CurlTransport, ATransferPastItsTotalTimeoutFailsWithATimeout) {
    FakeSink sink;
    sink.fault(R"({"mode":"slow","delay_ms":5000,"path_prefix":"/webhook"})");
    TransportOptions options;
    options.total_timeout_ms = 300;  // only libcurl's timer, run through the socket interface, ends it
    CurlTransport transport(options);
    transport.start(7, post(sink.url("/webhook/t")));

    const auto results = finish(transport, 1);
    ASSERT_EQ(results.size(), 1u);
    const auto& r = results.at(7);
    EXPECT_FALSE(r.ok);
    EXPECT_NE(r.error.find("imeout"), std::string::npos) << r.error;
    EXPECT_LT(r.latency_ms, 4000);
}

TEST(CurlTransport, AKeptAliveConnectionTheServerClosedIsReplaced) {
    FakeSink sink;
    CurlTransport transport;
    transport.start(1, post(sink.url("/webhook/t")));
    auto first = finish(transport, 1);
    ASSERT_EQ(first.size(), 1u);
    ASSERT_TRUE(first.at(1).ok) << first.at(1).error;

    // The connection idles in libcurl's cache; the server goes away (closing it) and comes back.
    sink.restart();
    transport.perform(50);  // the closed idle socket turns readable here
    transport.start(2, post(sink.url("/webhook/t")));
    auto second = finish(transport, 1);
    ASSERT_EQ(second.size(), 1u);
    EXPECT_TRUE(second.at(2).ok) << second.at(2).error;
    EXPECT_EQ(second.at(2).response.status_code, 200);
}

TEST(CurlTransport, ARefusedConnectionFailsWithAnError) {
    auto sink = std::make_unique<FakeSink>();
    const std::string url = sink->url("/webhook/t");
    sink.reset();  // nothing listens on the port now
    CurlTransport transport;
    transport.start(3, post(url));
    const auto results = finish(transport, 1);
    ASSERT_EQ(results.size(), 1u);
    EXPECT_FALSE(results.at(3).ok);
    EXPECT_FALSE(results.at(3).error.empty());
}

// Easy handles are reused without being reset: each request must still go out as itself.
TEST(CurlTransport, AReusedHandleSendsOnlyItsOwnRequest) {
    test::RecordingHttpServer server;
    CurlTransport transport;
    HttpRequest first = post(server.url(), "first body");
    first.headers.emplace_back("X-Only-First", "yes");
    HttpRequest get;
    get.method = "GET";
    get.url = server.url();
    const HttpRequest third = post(server.url(), "third");
    uint64_t token = 0;
    for (const HttpRequest& request : {first, get, third}) {
        transport.start(++token, request);
        const auto results = finish(transport, 1);
        ASSERT_EQ(results.size(), 1u);
        ASSERT_TRUE(results.at(token).ok) << results.at(token).error;
        EXPECT_EQ(results.at(token).response.body, std::to_string(token)) << "the answer went to another transfer";
    }
    // The GET must carry neither the first request's body nor its header.
    using Seen = test::RecordingHttpServer::Seen;
    EXPECT_EQ(server.seen(),
              (std::vector<Seen>{{"POST", "first body", "yes"}, {"GET", "", ""}, {"POST", "third", ""}}));
}

TEST(CurlTransport, WakeupEndsAPerformThatHasNothingToDo) {
    CurlTransport transport;
    std::thread waker([&] {
        std::this_thread::sleep_for(50ms);
        transport.wakeup();
    });
    const auto started = std::chrono::steady_clock::now();
    EXPECT_TRUE(transport.perform(30000).empty());
    waker.join();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 20s) << "the wake-up did not end the wait";
}

}  // namespace
}  // namespace herald
