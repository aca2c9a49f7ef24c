// The parts of a running Herald, owned by one object and started and stopped in a fixed
// order: nothing a thread uses is destroyed before that thread has been joined.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "admin/admin_handler.hpp"
#include "dispatch/dispatcher.hpp"
#include "intake/intake_handler.hpp"
#include "metrics/herald_metrics.hpp"
#include "serve/config_reloader.hpp"
#include "serve/server.hpp"
#include "store/group_commit.hpp"

namespace herald {

class Server {
 public:
    explicit Server(ServeOptions options);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Starts everything, serves until SIGTERM/SIGINT, then stops everything; the exit status.
    int run();

 private:
    using Work = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;

    bool load_plugins_and_config();
    bool open_store();
    bool start_pipeline();
    std::string store_description() const;
    int64_t dead_letters();
    void register_gauges();
    void make_listeners();
    bool listen();
    void write_port_file();
    void schedule_retention();
    void wait_for_signal();
    void wait_for_stop_request();
    void stop();
    ReloadResult reload();
    std::string readiness() const;

    const ServeOptions options_;
    const Clock& clock_;
    PluginRegistry plugins_;
    CurrentConfig current_;
    HostConfig host_;  // listeners and storage: read once, at start
    std::unique_ptr<Store> store_;
    int64_t dead_at_start_ = 0;
    HeraldMetrics metrics_;
    std::unique_ptr<GroupCommitter> committer_;
    std::unique_ptr<Dispatcher> dispatcher_;
    std::unique_ptr<WorkSharing> work_sharing_;  // replicas on PostgreSQL; null on SQLite
    std::mutex dead_count_mutex_;                // replicas: the dead-letter gauge reads the store
    std::unique_ptr<AdminReader> dead_count_reader_;
    int64_t dead_count_ = 0;
    std::atomic<bool> last_reload_ok_{true};
    std::atomic<int64_t> last_reload_success_ms_{0};
    std::unique_ptr<ConfigReloader> reloader_;

    boost::asio::io_context io_;        // intake, signals, retention
    boost::asio::io_context admin_io_;  // the admin listener: slow queries never hold up intake
    std::optional<Work> work_;
    std::optional<Work> admin_work_;
    std::unique_ptr<IntakeHandler> intake_handler_;
    std::unique_ptr<AdminHandler> admin_handler_;
    std::unique_ptr<HttpServer> intake_;
    std::unique_ptr<HttpServer> admin_;
    boost::asio::signal_set signals_;
    boost::asio::steady_timer retention_;
    std::vector<std::thread> threads_;

    std::mutex stop_mutex_;
    std::condition_variable stop_requested_cv_;
    bool stop_requested_ = false;
    int stop_signal_ = 0;
};

}  // namespace herald
