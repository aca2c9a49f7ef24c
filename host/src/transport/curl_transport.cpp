#include "transport/curl_transport.hpp"

#include <curl/curl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "transport/socket_watch.hpp"

namespace herald {
namespace {

struct Transfer {
    uint64_t token = 0;
    CURL* easy = nullptr;
    curl_slist* headers = nullptr;
    std::string body;  // request body; curl reads it in place
    HttpResponse response;
    size_t max_bytes = 0;
    std::chrono::steady_clock::time_point started;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const size_t n = size * count;
    const size_t room = t->max_bytes > t->response.body.size() ? t->max_bytes - t->response.body.size() : 0;
    t->response.body.append(data, std::min(n, room));
    return n;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const size_t n = size * count;
    std::string_view line(data, n);
    if (line.rfind("HTTP/", 0) == 0) {
        t->response.headers.clear();  // a new status line (e.g. after 100 Continue) starts over
        return n;
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return n;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
        value.remove_suffix(1);
    t->response.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
    return n;
}

struct GlobalInit {
    GlobalInit() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

// What libcurl's socket, timer and socket open/close callbacks keep up to date.
struct SocketState {
    CURLM* multi = nullptr;  // the transport's multi handle (CurlTransport creates and cleans it up)
    SocketWatch watch;
    std::unordered_set<curl_socket_t> connections;               // sockets opened for connections (not resolver pipes)
    std::optional<std::chrono::steady_clock::time_point> timer;  // when libcurl wants its timeout run

    void run_timer_if_due() {
        if (!timer || std::chrono::steady_clock::now() < *timer) return;
        timer.reset();
        int running = 0;
        curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
    }
    int ms_until_timer(int at_most) const {
        if (!timer) return at_most;
        const auto left = *timer - std::chrono::steady_clock::now();
        const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
        return static_cast<int>(std::clamp<int64_t>(ms, 0, at_most));
    }
};

// libcurl's callbacks are C: nothing may be thrown through them.
int on_socket(CURL*, curl_socket_t fd, int what, void* user, void*) {
    auto* state = static_cast<SocketState*>(user);
    uint8_t interest = SocketWatch::kNone;
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) interest |= SocketWatch::kRead;
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) interest |= SocketWatch::kWrite;
    try {
        state->watch.want(fd, interest, state->connections.count(fd) != 0);
    } catch (const std::exception&) {
        return -1;  // epoll refused the socket: libcurl gives up on its transfers
    }
    return 0;
}

int on_timer(CURLM*, long timeout_ms, void* user) {
    auto* state = static_cast<SocketState*>(user);
    if (timeout_ms < 0) {
        state->timer.reset();
    } else {
        state->timer = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    }
    return 0;
}

curl_socket_t on_open_socket(void* user, curlsocktype, curl_sockaddr* address) {
    auto* state = static_cast<SocketState*>(user);
    const curl_socket_t fd = socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
    if (fd == CURL_SOCKET_BAD) return fd;
    try {
        // The number was free, so whatever the watch still knows under it (a resolver's pipe
        // that libcurl closed before saying so) is stale.
        state->watch.forget(fd);
        state->connections.insert(fd);
    } catch (const std::exception&) {
        close(fd);
        return CURL_SOCKET_BAD;
    }
    return fd;
}

int on_close_socket(void* user, curl_socket_t fd) {
    auto* state = static_cast<SocketState*>(user);
    state->watch.forget(fd);
    state->connections.erase(fd);
    return close(fd);
}

// The options every transfer shares, set once per easy handle: a reused handle keeps them
// (curl_easy_reset and setting them again were 3% of the dispatcher's samples at 64 connections).
void configure(CURL* easy, const TransportOptions& options, SocketState& sockets) {
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_USERAGENT, options.user_agent.c_str());
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, options.connect_timeout_ms);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, options.total_timeout_ms);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, &on_open_socket);
    curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, &sockets);
    curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, &on_close_socket);
    curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, &sockets);
    // Debugging aid only: libcurl's own trace on stderr (it shows URLs, so never in production).
    static const bool verbose = std::getenv("HERALD_CURL_VERBOSE") != nullptr;
    if (verbose) curl_easy_setopt(easy, CURLOPT_VERBOSE, 1L);
}

}  // namespace

struct CurlTransport::Impl {
    TransportOptions options;
    std::unordered_map<CURL*, std::unique_ptr<Transfer>> transfers;
    std::vector<CURL*> idle;  // easy handles kept for reuse (they keep their connection cache)
    SocketState sockets;
};

CurlTransport::CurlTransport(TransportOptions options) : impl_(std::make_unique<Impl>()) {
    static GlobalInit init;
    impl_->options = std::move(options);
    impl_->sockets.multi = curl_multi_init();
    if (impl_->sockets.multi == nullptr) throw std::runtime_error("curl_multi_init failed");
    curl_multi_setopt(impl_->sockets.multi, CURLMOPT_MAXCONNECTS, 256L);
    curl_multi_setopt(impl_->sockets.multi, CURLMOPT_SOCKETFUNCTION, &on_socket);
    curl_multi_setopt(impl_->sockets.multi, CURLMOPT_SOCKETDATA, &impl_->sockets);
    curl_multi_setopt(impl_->sockets.multi, CURLMOPT_TIMERFUNCTION, &on_timer);
    curl_multi_setopt(impl_->sockets.multi, CURLMOPT_TIMERDATA, &impl_->sockets);
}

CurlTransport::~CurlTransport() {
    for (auto& [easy, t] : impl_->transfers) {
        curl_multi_remove_handle(impl_->sockets.multi, easy);
        curl_slist_free_all(t->headers);
        curl_easy_cleanup(easy);
    }
    for (CURL* easy : impl_->idle) curl_easy_cleanup(easy);
    curl_multi_cleanup(impl_->sockets.multi);
}

void CurlTransport::start(uint64_t token, const HttpRequest& request) {
    CURL* easy = nullptr;
    if (!impl_->idle.empty()) {
        easy = impl_->idle.back();
        impl_->idle.pop_back();
    } else {
        easy = curl_easy_init();
        if (easy == nullptr) throw std::runtime_error("curl_easy_init failed");
        configure(easy, impl_->options, impl_->sockets);
    }
    auto t = std::make_unique<Transfer>();
    t->token = token;
    t->easy = easy;
    t->body = request.body;
    t->max_bytes = impl_->options.max_response_bytes;
    t->started = std::chrono::steady_clock::now();
    for (const auto& [name, value] : request.headers) {
        t->headers = curl_slist_append(t->headers, (name + ": " + value).c_str());
    }
    t->headers = curl_slist_append(t->headers, "Expect:");  // no 100-continue round trip

    // Everything a request sets, every time: a reused handle still holds the last one's.
    curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
    if (request.method == "GET") {
        curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);  // also drops a previous request's body
    } else {
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, t->body.data());
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t->body.size()));
    }
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t->headers);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, t.get());
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, t.get());
    curl_multi_add_handle(impl_->sockets.multi, easy);
    impl_->transfers.emplace(easy, std::move(t));
}

std::vector<TransportResult> CurlTransport::perform(int timeout_ms) {
    // Transfers started since the last call are due at once (libcurl sets a zero timeout), and
    // one can finish right there; waiting first would leave it for the next unrelated wake-up.
    impl_->sockets.run_timer_if_due();
    std::vector<TransportResult> results = collect();
    if (!results.empty()) return results;
    for (const SocketWatch::Ready& ready : impl_->sockets.watch.wait(impl_->sockets.ms_until_timer(timeout_ms))) {
        int bits = 0;
        if ((ready.interest & SocketWatch::kRead) != 0) bits |= CURL_CSELECT_IN;
        if ((ready.interest & SocketWatch::kWrite) != 0) bits |= CURL_CSELECT_OUT;
        if (ready.error) bits |= CURL_CSELECT_ERR;
        int running = 0;
        curl_multi_socket_action(impl_->sockets.multi, ready.fd, bits, &running);
    }
    impl_->sockets.run_timer_if_due();
    return collect();
}

std::vector<TransportResult> CurlTransport::collect() {
    std::vector<TransportResult> results;
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(impl_->sockets.multi, &queued)) {
        if (msg->msg != CURLMSG_DONE) continue;
        CURL* easy = msg->easy_handle;
        auto it = impl_->transfers.find(easy);
        if (it == impl_->transfers.end()) continue;
        Transfer& t = *it->second;
        TransportResult r;
        r.token = t.token;
        r.latency_ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t.started).count();
        if (msg->data.result == CURLE_OK) {
            long status = 0;
            curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
            r.ok = true;
            r.response = std::move(t.response);
            r.response.status_code = static_cast<int>(status);
        } else {
            r.error = curl_easy_strerror(msg->data.result);
        }
        curl_multi_remove_handle(impl_->sockets.multi, easy);
        curl_slist_free_all(t.headers);
        impl_->transfers.erase(it);
        impl_->idle.push_back(easy);
        results.push_back(std::move(r));
    }
    return results;
}

void CurlTransport::wakeup() { impl_->sockets.watch.wake(); }

size_t CurlTransport::active() const { return impl_->transfers.size(); }

}  // namespace herald
