#include "serve/server.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "admin/admin_handler.hpp"
#include "plugin_host/plugin_dirs.hpp"
#include "routing/runtime_config.hpp"
#include "dispatch/dispatcher.hpp"
#include "transport/curl_transport.hpp"
#include "intake/intake_handler.hpp"
#include "metrics/herald_metrics.hpp"
#include "serve/config_reloader.hpp"
#include "store/group_commit.hpp"
#include "version.hpp"

namespace herald {
namespace {

namespace net = boost::asio;

struct Loaded {
    std::shared_ptr<const RuntimeConfig> config;  // null when the config has errors
    std::vector<std::string> findings;
};

// Loads host config and routing against the plugins loaded at start; logs every finding.
Loaded load_runtime_config(const std::string& path, const PluginRegistry& plugins) {
    Diagnostics d;
    LoadOptions options;
    options.secrets = SecretMode::resolve;
    HostConfig host = load_host_config(path, options, d);
    RoutingTable routing;
    if (!d.has_errors()) routing = load_routing(host.routing_dir, &host, plugins, options, d);
    Loaded out;
    for (const auto& f : d.sorted()) {
        out.findings.push_back(f.text());
        if (f.severity == Severity::error)
            spdlog::error("config: {}", f.text());
        else
            spdlog::warn("config: {}", f.text());
    }
    if (!d.has_errors()) out.config = RuntimeConfig::make(std::move(host), std::move(routing));
    return out;
}

int64_t now_ms() { return SystemClock::instance().now_unix_ms(); }

}  // namespace

int serve(const ServeOptions& options) {
    // Plugins load once, from one thread, before anything runs (Boost.DLL's advice).
    Diagnostics peek_findings;
    LoadOptions peek_options;
    peek_options.secrets = SecretMode::placeholder;
    const HostConfig peek = load_host_config(options.config_path, peek_options, peek_findings);
    const std::string plugin_dir =
        options.plugin_dir.value_or(!peek.plugin_dir.empty() ? peek.plugin_dir : default_plugin_dir().string());
    const PluginRegistry plugins = PluginRegistry::load_directory(plugin_dir);
    for (const auto& p : plugins.plugins())
        spdlog::info("plugins: loaded {} {} from {}", p.name, p.version, p.file.string());
    for (const auto& r : plugins.refusals()) spdlog::warn("plugins: refused {}", r.line());

    Loaded first = load_runtime_config(options.config_path, plugins);
    if (!first.config) {
        spdlog::error("serve: the configuration has errors; nothing started (see herald config check)");
        return 1;
    }
    std::atomic<std::shared_ptr<const RuntimeConfig>> current{first.config};
    const auto config_source = [&current] { return current.load(); };
    const HostConfig host = current.load()->host;  // listeners and storage are read once, at start

    std::unique_ptr<Store> store;
    int64_t dead_at_start = 0;
    try {
        std::filesystem::create_directories(std::filesystem::path(host.storage_path).parent_path());
        store = open_sqlite_store(host.storage_path);
        dead_at_start = store->admin_reader()->count_dead();
    } catch (const std::exception& e) {
        spdlog::error("serve: cannot open the store: {}", e.what());
        return 1;
    }
    auto open_jobs = store->open_jobs();
    spdlog::info("store: {} opened; {} deliveries to resume, {} in the dead-letter queue", host.storage_path,
                 open_jobs.size(), dead_at_start);

    const Clock& clock = SystemClock::instance();
    HeraldMetrics metrics;
    GroupCommitter committer(*store);
    Dispatcher dispatcher(config_source, committer, store->reader(), clock, std::make_unique<CurlTransport>(), {},
                          &metrics);
    dispatcher.counters().dead_letters.store(dead_at_start);
    committer.set_sink(&dispatcher);
    dispatcher.load(std::move(open_jobs));
    committer.start();
    dispatcher.start();

    std::atomic<bool> last_reload_ok{true};
    std::atomic<int64_t> last_reload_success_ms{now_ms()};
    const auto reload = [&]() -> ReloadResult {
        spdlog::info("config: reloading {}", options.config_path);
        Loaded fresh = load_runtime_config(options.config_path, plugins);
        metrics.reload(fresh.config != nullptr);
        last_reload_ok.store(fresh.config != nullptr);
        if (!fresh.config) {
            spdlog::error("config: reload refused; the previous configuration keeps serving");
            return {false, fresh.findings};
        }
        current.store(fresh.config);
        last_reload_success_ms.store(now_ms());
        spdlog::info("config: reloaded ({} teams, {} channels)", fresh.config->routing.teams().size(),
                     fresh.config->routing.channels().size());
        return {true, fresh.findings};
    };

    auto& registry = metrics.registry();
    using Samples = std::vector<std::pair<Labels, double>>;
    registry.gauge("herald_pending_jobs", "Deliveries not yet finished (pending or waiting to retry).", [&] {
        return Samples{{{}, static_cast<double>(dispatcher.counters().open_jobs.load())}};
    });
    registry.gauge("herald_dead_letter_jobs", "Deliveries in the dead-letter queue.", [&] {
        return Samples{{{}, static_cast<double>(dispatcher.counters().dead_letters.load())}};
    });
    registry.gauge("herald_oldest_pending_job_age_seconds", "Age of the oldest unfinished delivery (0 when none).",
                   [&] {
                       const int64_t oldest = dispatcher.counters().oldest_open_accepted_ms.load();
                       return Samples{{{}, oldest == 0 ? 0.0 : static_cast<double>(now_ms() - oldest) / 1000.0}};
                   });
    registry.gauge("herald_config_last_reload_successful", "1 when the last configuration load succeeded.", [&] {
        return Samples{{{}, last_reload_ok.load() ? 1.0 : 0.0}};
    });
    registry.gauge("herald_config_last_reload_success_timestamp_seconds",
                   "Unix time of the last successful configuration load.", [&] {
                       return Samples{{{}, static_cast<double>(last_reload_success_ms.load()) / 1000.0}};
                   });
    registry.gauge("herald_store_writable", "1 when the last commit to the store succeeded.", [&] {
        return Samples{{{}, committer.healthy() ? 1.0 : 0.0}};
    });
    registry.gauge("herald_plugin_info", "Loaded channel plugins.", [&] {
        Samples out;
        for (const auto& p : plugins.plugins()) {
            out.push_back({{{"name", p.name},
                            {"version", p.version},
                            {"abi", std::to_string(p.abi_major) + "." + std::to_string(p.abi_minor)}},
                           1.0});
        }
        return out;
    });
    registry.gauge("herald_build_info", "Herald's version.", [] { return Samples{{{{"version", kVersion}}, 1.0}}; });

    const auto readiness = [&]() -> std::string {
        if (plugins.plugins().empty()) return "plugins: none loaded";
        for (const auto& c : current.load()->routing.channels()) {
            if (!c->instance) return "plugins: channel " + c->label() + " has no plugin instance";
        }
        if (!committer.healthy()) return "store: not writable";
        return {};
    };

    net::io_context io;
    auto work = net::make_work_guard(io);
    IntakeHandler intake_handler(
        config_source, committer, [&dispatcher] { return dispatcher.counters().open_jobs.load(); }, clock, metrics,
        readiness);
    HttpServerOptions intake_options;
    intake_options.address = host.intake.address;
    intake_options.port = static_cast<unsigned short>(host.intake.port);
    intake_options.max_body_bytes = host.max_body_bytes;
    intake_options.max_connections = host.max_connections;
    HttpServer intake(io, intake_options, intake_handler);

    // The admin listener has its own thread, so slow admin queries never hold up intake.
    net::io_context admin_io;
    auto admin_work = net::make_work_guard(admin_io);
    AdminServices admin_services;
    admin_services.token = [&current] { return current.load()->host.admin_token; };
    ConfigReloader reloader(reload);
    admin_services.reload = [&reloader](std::function<void(const ReloadResult&)> done) {
        reloader.request(std::move(done));
    };
    admin_services.open_reader = [&store] { return store->admin_reader(); };
    admin_services.committer = &committer;
    admin_services.reopened = [&dispatcher](std::vector<OpenJob> jobs) {
        dispatcher.counters().dead_letters.fetch_sub(static_cast<int64_t>(jobs.size()));
        dispatcher.on_new_jobs(std::move(jobs), nullptr);
    };
    admin_services.dropped = [&dispatcher] { dispatcher.counters().dead_letters.fetch_sub(1); };
    admin_services.readiness = readiness;
    AdminHandler admin_handler(admin_services);
    HttpServerOptions admin_options;
    admin_options.address = host.admin.address;
    admin_options.port = static_cast<unsigned short>(host.admin.port);
    HttpServer admin(admin_io, admin_options, admin_handler);

    // Signal handlers go in before anything can see us listening: a SIGHUP sent as soon as the
    // port file appears must reload, not end the process (asio queues it until we wait).
    net::signal_set signals(io, SIGTERM, SIGINT, SIGHUP);
    try {
        intake.start();
        admin.start();
    } catch (const std::exception& e) {
        spdlog::error("serve: cannot listen: {} (intake {}:{}, admin {}:{})", e.what(), host.intake.address,
                      host.intake.port, host.admin.address, host.admin.port);
        dispatcher.stop(0);
        committer.stop();
        return 1;
    }
    spdlog::info("intake: listening on {}:{}; admin on {}:{}{}", host.intake.address, intake.bound_port(),
                 host.admin.address, admin.bound_port(),
                 host.admin_token.empty() ? " (no admin token configured)" : "");
    if (options.port_file) {
        const std::string tmp = *options.port_file + ".tmp";
        std::ofstream(tmp) << "intake=" << intake.bound_port() << "\nadmin=" << admin.bound_port() << "\n";
        std::filesystem::rename(tmp, *options.port_file);
    }
    std::thread admin_thread([&admin_io] { admin_io.run(); });

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

    std::function<void()> wait_for_signal = [&] {
        signals.async_wait([&](boost::system::error_code ec, int signal) {
            if (ec) return;
            if (signal == SIGHUP) {
                reloader.request({});  // on the reload thread: this handler never waits for it
                return wait_for_signal();
            }
            spdlog::info("serve: {} received: stopping intake, finishing deliveries in flight (up to {} ms)",
                         signal == SIGTERM ? "SIGTERM" : "SIGINT", options.grace_ms);
            intake.stop_accepting();
            admin.stop_accepting();
            retention.cancel();
            std::thread([&] {
                reloader.stop();
                dispatcher.stop(options.grace_ms);
                committer.stop();
                // Let the last acknowledgements reach their connections, then end.
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
                admin_work.reset();
                admin_io.stop();
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
    admin_thread.join();
    spdlog::info("serve: stopped; {} deliveries left pending for the next start",
                 dispatcher.counters().open_jobs.load());
    return 0;
}

}  // namespace herald
