// A small asynchronous HTTP/1.1 server on Boost.Beast: keep-alive, a cap on connections, limits
// on header and body size, and a deadline on every read so a slow client cannot hold a
// connection. Requests go to a handler, which answers now or later through `respond`.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace herald {

namespace http = boost::beast::http;
using HttpRequestMessage = http::request<http::string_body>;
using HttpResponseMessage = http::response<http::string_body>;

struct HttpServerOptions {
    std::string address = "127.0.0.1";
    unsigned short port = 0;  // 0: the OS chooses (see bound_port)
    size_t max_connections = 1024;
    size_t max_body_bytes = 256 * 1024;
    size_t max_header_bytes = 16 * 1024;
    std::chrono::milliseconds read_timeout{10000};  // one whole request, headers and body
    std::chrono::milliseconds idle_timeout{60000};  // between requests on a kept-alive connection
};

// Answers one request; may be called from any thread, exactly once. std::nullopt closes the
// connection without an answer (fake channels use it to simulate a reset).
using Respond = std::function<void(std::optional<HttpResponseMessage>)>;

class HttpHandler {
 public:
    virtual ~HttpHandler() = default;
    virtual void handle(HttpRequestMessage request, Respond respond) = 0;
};

class HttpServer {
 public:
    HttpServer(boost::asio::io_context& io, HttpServerOptions options, HttpHandler& handler);
    ~HttpServer();

    // Binds and starts accepting; throws on a bind failure.
    void start();
    // Stops accepting; open connections finish their current request.
    void stop_accepting();
    unsigned short bound_port() const;
    size_t open_connections() const;

    struct Impl;  // shared with the connections, which may outlive this object

 private:
    std::shared_ptr<Impl> impl_;
};

// A JSON response with the usual headers.
HttpResponseMessage json_response(http::status status, std::string body, unsigned version = 11, bool keep_alive = true);

}  // namespace herald
