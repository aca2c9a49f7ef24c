// SocketWatch: the epoll set CurlTransport drives libcurl's socket interface with.
#include "transport/socket_watch.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace herald {
namespace {

struct SocketPair {
    int ours = -1, theirs = -1;
    SocketPair() {
        int fds[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) != 0) throw std::runtime_error("socketpair");
        ours = fds[0];
        theirs = fds[1];
    }
    ~SocketPair() {
        if (ours >= 0) close(ours);
        if (theirs >= 0) close(theirs);
    }
    void say(char c) const { ASSERT_EQ(write(theirs, &c, 1), 1); }
};

// Waits up to a second for exactly one ready socket and returns it.
SocketWatch::Ready only_ready(SocketWatch& watch) {
    const auto ready = watch.wait(1000);
    EXPECT_EQ(ready.size(), 1u);
    return ready.size() == 1 ? ready[0] : SocketWatch::Ready{};
}

TEST(SocketWatch, ReportsAWantedSocketOnceItIsReadable) {
    SocketWatch watch;
    SocketPair pair;
    watch.want(pair.ours, SocketWatch::kRead, true);
    EXPECT_TRUE(watch.wait(0).empty());
    pair.say('x');
    const auto ready = only_ready(watch);
    EXPECT_EQ(ready.fd, pair.ours);
    EXPECT_EQ(ready.interest, SocketWatch::kRead);
    EXPECT_FALSE(ready.error);
}

TEST(SocketWatch, ReportsOnlyWhatWasWanted) {
    SocketWatch watch;
    SocketPair pair;
    watch.want(pair.ours, SocketWatch::kWrite, true);  // writable at once; readable too after say()
    pair.say('x');
    EXPECT_EQ(only_ready(watch).interest, SocketWatch::kWrite);
}

TEST(SocketWatch, AnUnwantedConnectionStaysRegisteredUntilItsPeerCloses) {
    SocketWatch watch;
    SocketPair pair;
    watch.want(pair.ours, SocketWatch::kRead, true);
    watch.want(pair.ours, SocketWatch::kNone, true);  // idle in the connection cache
    EXPECT_EQ(watch.registered(), 1u);
    EXPECT_TRUE(watch.wait(0).empty());

    close(pair.theirs);
    pair.theirs = -1;
    EXPECT_TRUE(watch.wait(1000).empty()) << "an unwanted socket is never reported";
    EXPECT_EQ(watch.registered(), 0u) << "a closed idle connection leaves the set";
}

TEST(SocketWatch, ANonConnectionSocketLeavesTheSetWhenUnwanted) {
    SocketWatch watch;
    SocketPair pair;
    watch.want(pair.ours, SocketWatch::kRead, false);
    watch.want(pair.ours, SocketWatch::kNone, false);
    EXPECT_EQ(watch.registered(), 0u);
    pair.say('x');
    EXPECT_TRUE(watch.wait(0).empty());
}

TEST(SocketWatch, AForgottenNumberReusedByANewSocketIsWatchedAfresh) {
    SocketWatch watch;
    auto first = std::make_unique<SocketPair>();
    const int number = first->ours;
    watch.want(number, SocketWatch::kRead, true);
    watch.forget(number);
    first.reset();  // closes both ends; the next socketpair gets the same numbers back

    SocketPair second;
    ASSERT_EQ(second.ours, number);
    watch.want(second.ours, SocketWatch::kRead, true);
    second.say('x');
    EXPECT_EQ(only_ready(watch).fd, number);
}

TEST(SocketWatch, ANumberClosedWithoutForgetIsRegisteredAgain) {
    SocketWatch watch;
    auto first = std::make_unique<SocketPair>();
    const int number = first->ours;
    watch.want(number, SocketWatch::kWrite, true);
    first.reset();  // the kernel drops the closed socket from the epoll set behind our back

    SocketPair second;
    ASSERT_EQ(second.ours, number);
    watch.want(second.ours, SocketWatch::kRead, true);  // a modify fails; the socket is added instead
    second.say('x');
    EXPECT_EQ(only_ready(watch).interest, SocketWatch::kRead);
}

TEST(SocketWatch, WakeEndsAWaitFromAnotherThread) {
    SocketWatch watch;
    std::thread waker([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        watch.wake();
    });
    const auto started = std::chrono::steady_clock::now();
    EXPECT_TRUE(watch.wait(30000).empty());
    waker.join();
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(20)) << "the wait ran its full length";
}

TEST(SocketWatch, AWakeBeforeTheWaitEndsTheNextOne) {
    SocketWatch watch;
    watch.wake();
    const auto started = std::chrono::steady_clock::now();
    EXPECT_TRUE(watch.wait(30000).empty());
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(20));
    SocketPair pair;
    watch.want(pair.ours, SocketWatch::kRead, true);
    EXPECT_TRUE(watch.wait(0).empty()) << "one wake ends one wait";
}

}  // namespace
}  // namespace herald
