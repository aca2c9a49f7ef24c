// Herald's HttpServer against raw bytes over 127.0.0.1: how a request's body is read whether it
// comes with its headers, after them, or in the same write as the next request.
#include "http/http_server.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "support/raw_connection.hpp"
#include "support/recording_http_server.hpp"

namespace herald {
namespace {

using namespace std::chrono_literals;
using test::RawConnection;
using test::RecordingHttpServer;

size_t count(const std::string& haystack, const std::string& needle) {
    size_t n = 0;
    for (size_t p = haystack.find(needle); p != std::string::npos; p = haystack.find(needle, p + 1)) ++n;
    return n;
}

TEST(HttpServer, PipelinedRequestsAreAnsweredInOrderEachWithItsOwnBody) {
    RecordingHttpServer server;
    RawConnection c(server.port());
    ASSERT_TRUE(c.connected());
    c.send(
        "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nfirst"
        "POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nsecon\r\n1\r\nd\r\n0\r\n\r\n"
        "GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const std::string answer = c.read_until_closed(5s);
    EXPECT_EQ(count(answer, "HTTP/1.1 200"), 3u) << answer;
    using Seen = RecordingHttpServer::Seen;
    EXPECT_EQ(server.seen(), (std::vector<Seen>{{"POST", "first", ""}, {"POST", "second", ""}, {"GET", "", ""}}));
}

// Sends `first`, then `second` 100 ms later on one connection; returns what came back before
// the server closed it.
std::string send_in_two_parts(unsigned short port, const std::string& first, const std::string& second) {
    RawConnection c(port);
    if (!c.connected()) return "not connected";
    c.send(first);
    std::this_thread::sleep_for(100ms);
    c.send(second);
    return c.read_until_closed(5s);
}

TEST(HttpServer, ABodyThatComesAfterItsHeadersIsWaitedFor) {
    struct Case {
        std::string first, second, body;
    };
    const std::string chunked = "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    const Case cases[] = {
        {"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nConnection: close\r\n\r\n0123", "456789", "0123456789"},
        {"POST /b HTTP/1.1\r\nHost: x\r\n" + chunked + "6\r\nabc", "def\r\n0\r\n\r\n", "abcdef"},
        // Split inside a chunk's size line: what is read so far cannot be parsed yet.
        {"POST /c HTTP/1.1\r\nHost: x\r\n" + chunked + "3\r", "\nxyz\r\n0\r\n\r\n", "xyz"},
    };
    RecordingHttpServer server;
    for (const Case& c : cases) {
        const std::string answer = send_in_two_parts(server.port(), c.first, c.second);
        EXPECT_EQ(count(answer, "HTTP/1.1 200"), 1u) << c.body << ": " << answer;
        const auto seen = server.seen();
        ASSERT_FALSE(seen.empty());
        EXPECT_EQ(seen.back().body, c.body);
    }
    EXPECT_EQ(server.seen().size(), 3u);
}

TEST(HttpServer, ABodyOverTheLimitIsRefusedWhetherItCameWithItsHeadersOrAfter) {
    HttpServerOptions options;
    options.max_body_bytes = 16;
    RecordingHttpServer server(options);
    const std::string big(32, 'x');
    const std::pair<std::string, std::string> requests[] = {
        {"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 32\r\n\r\n", big},
        {"POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", "20\r\n" + big + "\r\n0\r\n\r\n"},
    };
    for (const auto& [headers, body] : requests) {
        const std::string whole = send_in_two_parts(server.port(), headers + body, "");
        EXPECT_EQ(whole.rfind("HTTP/1.1 413", 0), 0u) << "whole: " << whole;
        const std::string split = send_in_two_parts(server.port(), headers, body);
        EXPECT_EQ(split.rfind("HTTP/1.1 413", 0), 0u) << "split: " << split;
    }
    EXPECT_TRUE(server.seen().empty());
}

}  // namespace
}  // namespace herald
