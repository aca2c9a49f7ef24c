// Herald's HttpServer on 127.0.0.1 with a handler that records what it was sent: for tests of
// the server itself and of HTTP clients.
#pragma once

#include <boost/asio/io_context.hpp>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "http/http_server.hpp"

namespace herald::test {

// An HTTP server that records each request's method, body and X-Only-First header, and answers
// with the request's number.
class RecordingHttpServer : public HttpHandler {
 public:
    struct Seen {
        std::string method, body, only_first;
        bool operator==(const Seen&) const = default;
        friend void PrintTo(const Seen& s, std::ostream* out) {
            *out << s.method << " body \"" << s.body << "\" X-Only-First \"" << s.only_first << "\"";
        }
    };

    explicit RecordingHttpServer(HttpServerOptions options = {}) : server_(io_, std::move(options), *this) {
        server_.start();
        runner_ = std::thread([this] { io_.run(); });
    }
    ~RecordingHttpServer() override {
        io_.stop();
        runner_.join();
    }
    unsigned short port() const { return server_.bound_port(); }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port()) + "/hook"; }
    std::vector<Seen> seen() {
        std::lock_guard lock(mutex_);
        return seen_;
    }

    void handle(HttpRequestMessage request, Respond respond) override {
        size_t number = 0;
        {
            std::lock_guard lock(mutex_);
            seen_.push_back(
                {std::string(request.method_string()), request.body(), std::string(request["X-Only-First"])});
            number = seen_.size();
        }
        respond(json_response(http::status::ok, std::to_string(number)));
    }

 private:
    boost::asio::io_context io_;
    HttpServer server_;
    std::thread runner_;
    std::mutex mutex_;
    std::vector<Seen> seen_;
};

}  // namespace herald::test
