#include "serve/config_reloader.hpp"

#include "common/thread_name.hpp"

namespace herald {

ConfigReloader::ConfigReloader(Load load)
    : load_(std::move(load)), thread_([this] {
          name_this_thread("herald-reload");
          run();
      }) {}

ConfigReloader::~ConfigReloader() { stop(); }

void ConfigReloader::request(Done done) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) {
            if (done) done({false, {"Herald is shutting down; reload not started"}});
            return;
        }
        pending_ = true;
        if (done) waiting_.push_back(std::move(done));
    }
    wake_.notify_one();
}

void ConfigReloader::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
    for (auto& done : waiting_) done({false, {"Herald is shutting down; reload not started"}});
    waiting_.clear();
}

void ConfigReloader::run() {
    std::unique_lock lock(mutex_);
    while (true) {
        wake_.wait(lock, [this] { return pending_ || stopping_; });
        if (stopping_) return;
        pending_ = false;
        std::vector<Done> answering;
        answering.swap(waiting_);
        lock.unlock();
        const ReloadResult result = load_();
        for (auto& done : answering) done(result);
        lock.lock();
    }
}

}  // namespace herald
