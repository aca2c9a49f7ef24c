// A raw TCP client for tests that must send bytes no HTTP client would.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>

namespace herald::test {

// A raw TCP connection to 127.0.0.1:port (closed on destruction).
class RawConnection {
 public:
    explicit RawConnection(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<uint16_t>(port));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    }
    ~RawConnection() { ::close(fd_); }
    bool connected() const { return connected_; }
    void send(const std::string& data) { (void)!::write(fd_, data.data(), data.size()); }
    // Everything until the peer closes or `limit` passes.
    std::string read_until_closed(std::chrono::milliseconds limit) {
        std::string out;
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < deadline) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            char buf[4096];
            const ssize_t n = ::read(fd_, buf, sizeof buf);
            if (n <= 0) return out;
            out.append(buf, static_cast<size_t>(n));
        }
        return out;
    }

 private:
    int fd_;
    bool connected_ = false;
};

}  // namespace herald::test
