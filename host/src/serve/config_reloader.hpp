// Runs configuration reloads on a thread of their own, so neither the admin listener nor the
// signal handler ever waits on one: a reload reads many files written by many teams. Requests
// that arrive while a reload runs are answered together by the next one.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "admin/admin_handler.hpp"

namespace herald {

class ConfigReloader {
 public:
    using Load = std::function<ReloadResult()>;
    using Done = std::function<void(const ReloadResult&)>;

    explicit ConfigReloader(Load load);
    ~ConfigReloader();
    ConfigReloader(const ConfigReloader&) = delete;
    ConfigReloader& operator=(const ConfigReloader&) = delete;

    // Queues a reload; `done` (may be empty) is called on the reload thread with its result.
    void request(Done done);
    // Finishes the reload in progress, if any, answers queued requests as refused, and joins.
    void stop();

 private:
    void run();

    Load load_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::vector<Done> waiting_;
    bool pending_ = false;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace herald
