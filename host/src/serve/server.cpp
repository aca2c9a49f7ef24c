#include "serve/server.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "cli/config_target.hpp"
#include "config/runtime_config.hpp"
#include "dispatch/dispatcher.hpp"
#include "intake/intake_handler.hpp"
#include "store/group_commit.hpp"

namespace herald {
namespace {

namespace net = boost::asio;

// Loads host config, plugins (once) and routing; prints findings; nullptr on any error.
std::shared_ptr<const RuntimeConfig> load_runtime_config(const std::string& path, const PluginRegistry& plugins) {
    Diagnostics d;
    LoadOptions options;
    options.secrets = SecretMode::resolve;
    HostConfig host = load_host_config(path, options, d);
    RoutingTable routing;
    if (!d.has_errors()) routing = load_routing(host.routing_dir, &host, plugins, options, d);
    for (const auto& f : d.sorted()) {
        if (f.severity == Severity::error)
            spdlog::error("config: {}", f.text());
        else
            spdlog::warn("config: {}", f.text());
    }
    if (d.has_errors()) return nullptr;
    return RuntimeConfig::make(std::move(host), std::move(routing));
}

}  // namespace

int serve(const ServeOptions& options) {
    // Plugins load once, from one thread, before anything runs (Boost.DLL's advice).
    Diagnostics d;
    LoadOptions peek_options;
    peek_options.secrets = SecretMode::placeholder;
    const HostConfig peek = load_host_config(options.config_path, peek_options, d);
    const std::string plugin_dir =
        options.plugin_dir.value_or(!peek.plugin_dir.empty() ? peek.plugin_dir : cli::default_plugin_dir().string());
    const PluginRegistry plugins = PluginRegistry::load_directory(plugin_dir);
    for (const auto& p : plugins.plugins())
        spdlog::info("plugins: loaded {} {} from {}", p.name, p.version, p.file.string());
    for (const auto& r : plugins.refusals()) spdlog::warn("plugins: refused {}", r.line());

    std::atomic<std::shared_ptr<const RuntimeConfig>> current{load_runtime_config(options.config_path, plugins)};
    if (!current.load()) {
        spdlog::error("serve: the configuration has errors; nothing started (see herald config check)");
        return 1;
    }
    const auto config_source = [&current] { return current.load(); };
    const HostConfig& host = current.load()->host;

    std::unique_ptr<Store> store;
    try {
        std::filesystem::create_directories(std::filesystem::path(host.storage_path).parent_path());
        store = open_sqlite_store(host.storage_path);
    } catch (const std::exception& e) {
        spdlog::error("serve: cannot open the store: {}", e.what());
        return 1;
    }
    auto open_jobs = store->open_jobs();
    spdlog::info("store: {} opened; {} deliveries to resume", host.storage_path, open_jobs.size());

    const Clock& clock = SystemClock::instance();
    GroupCommitter committer(*store);
    Dispatcher dispatcher(config_source, committer, store->reader(), clock);
    committer.set_sink(&dispatcher);
    dispatcher.load(std::move(open_jobs));
    committer.start();
    dispatcher.start();

    net::io_context io;
    auto work = net::make_work_guard(io);
    IntakeHandler intake_handler(
        config_source, committer, [&dispatcher] { return dispatcher.counters().open_jobs.load(); }, clock);
    HttpServerOptions intake_options;
    intake_options.address = host.intake.address;
    intake_options.port = static_cast<unsigned short>(host.intake.port);
    intake_options.max_body_bytes = host.max_body_bytes;
    HttpServer intake(io, intake_options, intake_handler);
    try {
        intake.start();
    } catch (const std::exception& e) {
        spdlog::error("serve: cannot listen on {}:{}: {}", host.intake.address, host.intake.port, e.what());
        dispatcher.stop(0);
        committer.stop();
        return 1;
    }
    spdlog::info("intake: listening on {}:{}", host.intake.address, intake.bound_port());
    if (options.port_file) {
        const std::string tmp = *options.port_file + ".tmp";
        std::ofstream(tmp) << "intake=" << intake.bound_port() << "\n";
        std::filesystem::rename(tmp, *options.port_file);
    }

    // Retention: finished work older than retention_days, hourly (and once at start).
    net::steady_timer retention(io);
    std::function<void()> schedule_retention = [&] {
        const int64_t cutoff = clock.now_unix_ms() - int64_t{current.load()->host.retention_days} * 86'400'000;
        committer.prune(cutoff);
        retention.expires_after(std::chrono::hours(1));
        retention.async_wait([&](boost::system::error_code ec) {
            if (!ec) schedule_retention();
        });
    };
    schedule_retention();

    net::signal_set signals(io, SIGTERM, SIGINT, SIGHUP);
    std::function<void()> wait_for_signal = [&] {
        signals.async_wait([&](boost::system::error_code ec, int signal) {
            if (ec) return;
            if (signal == SIGHUP) {
                spdlog::info("config: reloading ({})", options.config_path);
                if (auto fresh = load_runtime_config(options.config_path, plugins)) {
                    current.store(std::move(fresh));
                    spdlog::info("config: reloaded");
                } else {
                    spdlog::error("config: reload refused; the previous configuration keeps serving");
                }
                return wait_for_signal();
            }
            spdlog::info("serve: {} received: stopping intake, finishing deliveries in flight (up to {} ms)",
                         signal == SIGTERM ? "SIGTERM" : "SIGINT", options.grace_ms);
            intake.stop_accepting();
            retention.cancel();
            std::thread([&] {
                dispatcher.stop(options.grace_ms);
                committer.stop();
                // Let the last acknowledgements reach their connections, then end.
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
                work.reset();
                io.stop();
            }).detach();
        });
    };
    wait_for_signal();

    std::vector<std::thread> threads;
    for (int i = 1; i < options.io_threads; ++i) threads.emplace_back([&io] { io.run(); });
    io.run();
    for (auto& t : threads) t.join();
    spdlog::info("serve: stopped; {} deliveries left pending for the next start",
                 dispatcher.counters().open_jobs.load());
    return 0;
}

}  // namespace herald
