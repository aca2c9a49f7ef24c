#include "http/http_server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <list>
#include <mutex>

namespace herald {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

HttpResponseMessage json_response(http::status status, std::string body, unsigned version, bool keep_alive) {
    HttpResponseMessage res{status, version};
    res.set(http::field::server, "Herald");
    res.set(http::field::content_type, "application/json");
    res.keep_alive(keep_alive);
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

namespace {
class Session;

// Each connection runs on its own strand, named by its concrete type: Beast's default, a
// type-erased executor, costs a copy with a reference count on every operation it starts.
using Strand = net::strand<net::io_context::executor_type>;
using Stream = beast::basic_stream<tcp, Strand, beast::unlimited_rate_policy>;
}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
    net::io_context& io;
    HttpServerOptions options;
    HttpHandler& handler;
    tcp::acceptor acceptor;
    net::steady_timer accept_pause;
    std::atomic<size_t> connections{0};
    int64_t last_fd_warning_s = 0;

    // Connections waiting for a request, oldest first: the ones to close when a new client
    // needs the slot (a client holding idle keep-alive connections must not lock others out).
    std::mutex idle_mutex;
    std::list<std::weak_ptr<Session>> idle;

    Impl(net::io_context& context, HttpServerOptions opts, HttpHandler& h)
        : io(context),
          options(std::move(opts)),
          handler(h),
          acceptor(net::make_strand(context)),
          accept_pause(acceptor.get_executor()) {}

    void accept();
    void on_accept(const beast::error_code& ec, Stream::socket_type socket);
    void on_accept_error(const beast::error_code& ec);
    bool reclaim_idle();
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
    Session(Stream::socket_type socket, std::shared_ptr<HttpServer::Impl> server)
        : stream_(std::move(socket)), server_(std::move(server)) {}

    ~Session() {
        leave_idle();
        server_->connections.fetch_sub(1);
    }

    // The acceptor took this session's entry out of the idle list (under the list's mutex).
    void forget_idle_entry() { in_idle_ = false; }

    // Closes the connection if it is still waiting for a request (called from the acceptor).
    void reclaim() {
        net::post(stream_.get_executor(), [self = shared_from_this()] {
            if (self->waiting_) self->stream_.cancel();
        });
    }

    void start() {
        net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(server_timeout(self)); });
    }

 private:
    static std::chrono::milliseconds server_timeout(const std::shared_ptr<Session>& self) {
        return self->first_ ? self->server_->options.read_timeout : self->server_->options.idle_timeout;
    }

    void read(std::chrono::milliseconds timeout) {
        parser_.emplace();
        parser_->body_limit(server_->options.max_body_bytes);
        parser_->header_limit(static_cast<std::uint32_t>(server_->options.max_header_bytes));
        // The idle timeout covers waiting for a request; once bytes arrive the read timeout applies.
        stream_.expires_after(timeout);
        if (buffer_.size() == 0) enter_idle();
        // Headers first: a request whose body framing we do not take is refused before its body
        // could be read as the next request.
        http::async_read_header(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
            self->leave_idle();
            if (ec) return self->on_read(ec);
            if (const auto te = self->parser_->get()[http::field::transfer_encoding];
                !te.empty() && !beast::iequals(te, "chunked")) {
                return self->send(json_response(http::status::bad_request,
                                                R"json({"error":"Transfer-Encoding must be chunked (or absent)"})json",
                                                11, false));
            }
            if (self->parse_buffered_body(ec)) return self->on_read(ec);
            self->stream_.expires_after(self->server_->options.read_timeout);
            http::async_read(self->stream_, self->buffer_, *self->parser_,
                             [self](beast::error_code ec2, size_t) { self->on_read(ec2); });
        });
    }

    // A small body arrives with its headers: parsing what is already read, rather than starting
    // another read that would find it there, saves a trip through the executor's queue. True
    // when the request is complete or refused (then `ec` says why).
    bool parse_buffered_body(beast::error_code& ec) {
        parser_->eager(true);
        while (!parser_->is_done() && buffer_.size() > 0) {
            const size_t used = parser_->put(buffer_.data(), ec);
            buffer_.consume(used);
            if (ec == http::error::need_more) {
                ec = {};
                return false;
            }
            if (ec) return true;
            if (used == 0) return false;
        }
        return parser_->is_done();
    }

    void enter_idle() {
        waiting_ = true;
        std::lock_guard lock(server_->idle_mutex);
        idle_it_ = server_->idle.insert(server_->idle.end(), weak_from_this());
        in_idle_ = true;
    }

    void leave_idle() {
        waiting_ = false;
        std::lock_guard lock(server_->idle_mutex);
        if (in_idle_) server_->idle.erase(idle_it_);
        in_idle_ = false;
    }

    void on_read(beast::error_code ec) {
        first_ = false;
        if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == net::error::connection_reset ||
            ec == net::error::operation_aborted) {
            return close();
        }
        if (ec == http::error::body_limit) {
            return send(json_response(
                http::status::payload_too_large,
                R"({"error":"body is larger than )" + std::to_string(server_->options.max_body_bytes) + R"( bytes"})",
                11, false));
        }
        if (ec == http::error::header_limit) {
            return send(json_response(http::status::request_header_fields_too_large,
                                      R"({"error":"headers are too large"})", 11, false));
        }
        if (ec) {
            return send(json_response(http::status::bad_request, R"({"error":"malformed HTTP request"})", 11, false));
        }
        HttpRequestMessage request = parser_->release();
        const unsigned version = request.version();
        const bool keep_alive = request.keep_alive();
        auto self = shared_from_this();
        // The handler may answer from another thread: hop back onto this connection's strand. An
        // answer given on the strand (during handle) is sent at once, before the handler goes on.
        server_->handler.handle(std::move(request), [self, version,
                                                     keep_alive](std::optional<HttpResponseMessage> res) {
            net::dispatch(self->stream_.get_executor(), [self, version, keep_alive, res = std::move(res)]() mutable {
                if (!res) return self->reset();
                res->version(version);
                if (!keep_alive) res->keep_alive(false);
                self->send(std::move(*res));
            });
        });
    }

    // Beast's serializer writes the answer into this connection's buffer, and one write sends
    // it: writing the message itself walks Beast's chain of buffer views again on every step
    // (~5% of a small request's CPU).
    void send(HttpResponseMessage res) {
        const bool keep_alive = res.keep_alive();
        out_.clear();
        http::serializer<false, http::string_body> serializer{res};
        beast::error_code ec;
        while (!ec && !serializer.is_done()) {
            serializer.next(ec, [&](beast::error_code&, const auto& buffers) {
                for (const auto buffer : beast::buffers_range_ref(buffers)) {
                    out_.append(static_cast<const char*>(buffer.data()), buffer.size());
                }
                serializer.consume(beast::buffer_bytes(buffers));
            });
        }
        if (ec) return reset();
        stream_.expires_after(server_->options.read_timeout);
        net::async_write(stream_, net::buffer(out_),
                         [self = shared_from_this(), keep_alive](beast::error_code write_ec, size_t) {
                             // A large answer (the web view, /metrics) gives its memory back.
                             if (self->out_.capacity() > kKeptAnswerBytes) std::string().swap(self->out_);
                             if (write_ec || !keep_alive) return self->close();
                             self->read(self->server_->options.idle_timeout);
                         });
    }

    // Drops the connection at once (RST), without an answer.
    void reset() {
        beast::error_code ec;
        stream_.socket().set_option(net::socket_base::linger(true, 0), ec);
        stream_.close();
    }

    void close() {
        beast::error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
        stream_.close();
    }

    static constexpr size_t kKeptAnswerBytes = 64 * 1024;

    Stream stream_;
    beast::flat_buffer buffer_;
    std::string out_;  // the answer being written
    std::optional<http::request_parser<http::string_body>> parser_;
    std::shared_ptr<HttpServer::Impl> server_;
    bool first_ = true;
    bool waiting_ = false;  // on the connection's strand only
    bool in_idle_ = false;  // under server_->idle_mutex
    std::list<std::weak_ptr<Session>>::iterator idle_it_;
};

}  // namespace

bool HttpServer::Impl::reclaim_idle() {
    std::shared_ptr<Session> victim;
    {
        std::lock_guard lock(idle_mutex);
        // An expired entry belongs to a session being destroyed, which removes it itself.
        for (auto it = idle.begin(); it != idle.end() && !victim; ++it) {
            if ((victim = it->lock())) {
                victim->forget_idle_entry();
                idle.erase(it);
                break;
            }
        }
    }
    if (!victim) return false;
    victim->reclaim();
    return true;
}

void HttpServer::Impl::on_accept_error(const beast::error_code& ec) {
    // Out of file descriptors: accepting again at once would spin. Free an idle connection,
    // say so (at most every 10 s), and pause the acceptor briefly.
    const int64_t now_s =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
    if (now_s - last_fd_warning_s >= 10) {
        last_fd_warning_s = now_s;
        spdlog::warn(
            "http: cannot accept on {}:{}: {} ({} connections open); raise the file-descriptor limit "
            "(LimitNOFILE) or lower the connection cap",
            options.address, acceptor.local_endpoint().port(), ec.message(), connections.load());
    }
    reclaim_idle();
    accept_pause.expires_after(std::chrono::milliseconds(100));
    accept_pause.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
        if (!wait_ec && self->acceptor.is_open()) self->accept();
    });
}

void HttpServer::Impl::accept() {
    acceptor.async_accept(net::make_strand(io),
                          [self = shared_from_this()](beast::error_code ec, Stream::socket_type socket) {
                              self->on_accept(ec, std::move(socket));
                          });
}

void HttpServer::Impl::on_accept(const beast::error_code& ec, Stream::socket_type socket) {
    if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
    if (ec) return on_accept_error(ec);
    // At the cap, a connection that sits waiting for a request gives its slot to the new
    // client; only when every connection is busy is the new one refused.
    if (connections.load() >= options.max_connections && !reclaim_idle()) {
        beast::error_code ignored;
        socket.close(ignored);
    } else {
        connections.fetch_add(1);
        std::make_shared<Session>(std::move(socket), shared_from_this())->start();
    }
    accept();
}

HttpServer::HttpServer(net::io_context& io, HttpServerOptions options, HttpHandler& handler)
    : impl_(std::make_shared<Impl>(io, std::move(options), handler)) {}

HttpServer::~HttpServer() { stop_accepting(); }

void HttpServer::start() {
    const auto address = net::ip::make_address(impl_->options.address);
    const tcp::endpoint endpoint(address, impl_->options.port);
    impl_->acceptor.open(endpoint.protocol());
    impl_->acceptor.set_option(net::socket_base::reuse_address(true));
    impl_->acceptor.bind(endpoint);
    impl_->acceptor.listen(net::socket_base::max_listen_connections);
    impl_->accept();
}

void HttpServer::stop_accepting() {
    net::post(impl_->acceptor.get_executor(), [impl = impl_] {
        beast::error_code ec;
        impl->accept_pause.cancel();
        impl->acceptor.close(ec);
    });
}

unsigned short HttpServer::bound_port() const {
    beast::error_code ec;
    return impl_->acceptor.local_endpoint(ec).port();
}

size_t HttpServer::open_connections() const { return impl_->connections.load(); }

}  // namespace herald
