// HTTP transport on libcurl's multi interface: many requests in flight from one thread,
// connections reused, connect and total timeouts, TLS verification on, proxies from the
// standard environment variables (http_proxy, https_proxy, no_proxy). libcurl is driven through
// its socket interface (socket_watch.hpp): a wait is one epoll_wait, and a ready socket runs only
// the transfer on it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "transport/transport.hpp"

namespace herald {

struct TransportOptions {
    long connect_timeout_ms = 5000;
    long total_timeout_ms = 10000;
    size_t max_response_bytes = 256 * 1024;  // the rest of a body is read and dropped
    std::string user_agent = "Herald";
};

class CurlTransport final : public Transport {
 public:
    explicit CurlTransport(TransportOptions options = {});
    ~CurlTransport();
    CurlTransport(const CurlTransport&) = delete;
    CurlTransport& operator=(const CurlTransport&) = delete;

    void start(uint64_t token, const HttpRequest& request) override;
    std::vector<TransportResult> perform(int timeout_ms) override;
    void wakeup() override;
    size_t active() const;

 private:
    std::vector<TransportResult> collect();

    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace herald
