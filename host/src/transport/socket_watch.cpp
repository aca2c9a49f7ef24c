#include "transport/socket_watch.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <system_error>

namespace herald {
namespace {

uint32_t epoll_events(uint8_t interest) {
    uint32_t events = 0;
    if ((interest & SocketWatch::kRead) != 0) events |= EPOLLIN;
    if ((interest & SocketWatch::kWrite) != 0) events |= EPOLLOUT;
    // An idle kept-alive socket is watched for reading, so a close by the server is noticed.
    return events == 0 ? EPOLLIN : events;
}

[[noreturn]] void fail(const char* what) { throw std::system_error(errno, std::generic_category(), what); }

}  // namespace

SocketWatch::SocketWatch() {
    epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd_ < 0) fail("epoll_create1");
    wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd_ < 0) {
        close(epoll_fd_);
        fail("eventfd");
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = wake_fd_;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev) != 0) {
        close(wake_fd_);
        close(epoll_fd_);
        fail("epoll_ctl");
    }
}

SocketWatch::~SocketWatch() {
    close(wake_fd_);
    close(epoll_fd_);
}

void SocketWatch::want(int fd, uint8_t interest, bool keep_registered) {
    auto it = registered_.find(fd);
    if (interest == kNone && !keep_registered) {
        if (it != registered_.end()) remove(fd);
        return;
    }
    const uint32_t events = epoll_events(interest);
    if (it != registered_.end()) {
        it->second.wanted = interest;
        if (it->second.events == events) return;
        epoll_event ev{};
        ev.events = events;
        ev.data.fd = fd;
        if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) == 0) {
            it->second.events = events;
            return;
        }
        if (errno != ENOENT) fail("epoll_ctl(MOD)");
        registered_.erase(it);  // closed behind our back and the number reused: register afresh
    }
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) fail("epoll_ctl(ADD)");
    registered_.emplace(fd, Registration{interest, events});
}

void SocketWatch::forget(int fd) {
    if (registered_.count(fd) != 0) remove(fd);
}

void SocketWatch::remove(int fd) {
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);  // ENOENT/EBADF: already gone with its file
    registered_.erase(fd);
}

std::span<const SocketWatch::Ready> SocketWatch::wait(int timeout_ms) {
    ready_.clear();
    std::array<epoll_event, 128> events{};
    int n = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), timeout_ms);
    if (n < 0) {
        if (errno == EINTR) return {};
        fail("epoll_wait");
    }
    for (int i = 0; i < n; ++i) {
        const int fd = events[i].data.fd;
        const uint32_t got = events[i].events;
        if (fd == wake_fd_) {
            uint64_t count = 0;
            [[maybe_unused]] ssize_t r = read(wake_fd_, &count, sizeof count);
            continue;
        }
        auto it = registered_.find(fd);
        if (it == registered_.end()) continue;
        const uint8_t wanted = it->second.wanted;
        if (wanted == kNone) {
            remove(fd);  // an idle connection closed or spoke out of turn; its owner finds out on reuse
            continue;
        }
        const bool error = (got & (EPOLLERR | EPOLLHUP)) != 0;
        uint8_t ready = kNone;
        if ((wanted & kRead) != 0 && (error || (got & (EPOLLIN | EPOLLRDHUP)) != 0)) ready |= kRead;
        if ((wanted & kWrite) != 0 && (error || (got & EPOLLOUT) != 0)) ready |= kWrite;
        ready_.push_back(Ready{fd, ready, error});
    }
    return ready_;
}

void SocketWatch::wake() {
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t r = write(wake_fd_, &one, sizeof one);
}

}  // namespace herald
