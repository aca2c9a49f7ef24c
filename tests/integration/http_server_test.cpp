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
    const auto seen = server.seen();
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[0].method, "POST");
    EXPECT_EQ(seen[0].body, "first");
    EXPECT_EQ(seen[1].body, "second");
    EXPECT_EQ(seen[2].method, "GET");
    EXPECT_EQ(seen[2].body, "");
}

TEST(HttpServer, ABodyThatComesAfterItsHeadersIsWaitedFor) {
    RecordingHttpServer server;
    {
        RawConnection c(server.port());
        ASSERT_TRUE(c.connected());
        c.send("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nConnection: close\r\n\r\n0123");
        std::this_thread::sleep_for(100ms);
        c.send("456789");
        EXPECT_EQ(count(c.read_until_closed(5s), "HTTP/1.1 200"), 1u);
    }
    {
        RawConnection c(server.port());
        ASSERT_TRUE(c.connected());
        c.send("POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n6\r\nabc");
        std::this_thread::sleep_for(100ms);
        c.send("def\r\n0\r\n\r\n");
        EXPECT_EQ(count(c.read_until_closed(5s), "HTTP/1.1 200"), 1u);
    }
    {
        // Split inside a chunk's size line: what is read so far cannot be parsed yet.
        RawConnection c(server.port());
        ASSERT_TRUE(c.connected());
        c.send("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r");
        std::this_thread::sleep_for(100ms);
        c.send("\nxyz\r\n0\r\n\r\n");
        EXPECT_EQ(count(c.read_until_closed(5s), "HTTP/1.1 200"), 1u);
    }
    const auto seen = server.seen();
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[0].body, "0123456789");
    EXPECT_EQ(seen[1].body, "abcdef");
    EXPECT_EQ(seen[2].body, "xyz");
}

TEST(HttpServer, ABodyOverTheLimitIsRefusedWhetherItCameWithItsHeadersOrAfter) {
    HttpServerOptions options;
    options.max_body_bytes = 16;
    RecordingHttpServer server(options);
    const std::string big(32, 'x');
    const std::string requests[] = {
        "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 32\r\n\r\n" + big,
        "POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n" + big + "\r\n0\r\n\r\n",
    };
    for (const std::string& request : requests) {
        for (const bool split : {false, true}) {
            RawConnection c(server.port());
            ASSERT_TRUE(c.connected());
            const size_t headers_end = request.find("\r\n\r\n") + 4;
            c.send(split ? request.substr(0, headers_end) : request);
            if (split) {
                std::this_thread::sleep_for(50ms);
                c.send(request.substr(headers_end));
            }
            const std::string answer = c.read_until_closed(5s);
            EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << (split ? "split: " : "whole: ") << answer;
        }
    }
    EXPECT_TRUE(server.seen().empty());
}

}  // namespace
}  // namespace herald
