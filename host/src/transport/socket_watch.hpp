// The sockets libcurl asks to be told about, watched with one epoll set, and an eventfd that ends
// a wait from any thread. Driving libcurl this way (its socket interface) means a readable socket
// runs only the transfer on it; curl_multi_perform instead polls every transfer's socket on every
// call, which cost 2.6 poll(2) calls per delivery at 64 connections.
//
// A connection socket stays registered while its connection idles in libcurl's cache, so reusing
// a kept-alive connection costs no epoll_ctl. Such a socket that turns readable while unwanted
// (the server closed it) is dropped from the set; libcurl finds the connection dead when it next
// looks. Sockets must be forgotten before they are closed, since a closed descriptor's number can
// come back as another socket that was never registered.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

namespace herald {

class SocketWatch {
 public:
    enum Interest : uint8_t { kNone = 0, kRead = 1, kWrite = 2 };
    struct Ready {
        int fd = -1;
        uint8_t interest = kNone;  // what the socket is ready for, of what was wanted
        bool error = false;        // an error or hang-up was reported with it
    };

    SocketWatch();
    ~SocketWatch();
    SocketWatch(const SocketWatch&) = delete;
    SocketWatch& operator=(const SocketWatch&) = delete;

    // Sets what `fd` is watched for. kNone keeps a kept-alive socket registered but unreported;
    // `keep_registered` false (for sockets that are not connections) removes it at once.
    void want(int fd, uint8_t interest, bool keep_registered);
    // Before `fd` is closed.
    void forget(int fd);
    // Waits up to timeout_ms (0: no wait) for a wanted socket or a wake(); returns the ready ones.
    std::span<const Ready> wait(int timeout_ms);
    // Ends a wait() in progress, or the next one; callable from any thread.
    void wake();

    size_t registered() const { return registered_.size(); }

 private:
    struct Registration {
        uint8_t wanted = kNone;
        uint32_t events = 0;  // as registered with epoll
    };
    void remove(int fd);

    int epoll_fd_ = -1;
    int wake_fd_ = -1;
    std::unordered_map<int, Registration> registered_;
    std::vector<Ready> ready_;
};

}  // namespace herald
