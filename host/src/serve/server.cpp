#include "serve/server.hpp"

#include <spdlog/spdlog.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/thread_name.hpp"
#include "plugin_host/plugin_dirs.hpp"
#include "serve/server_parts.hpp"
#include "transport/curl_transport.hpp"
#include "version.hpp"

namespace herald {
namespace {

namespace net = boost::asio;

std::string host_name() {
    char name[256] = {};
    gethostname(name, sizeof name - 1);
    return name;
}

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

}  // namespace

int serve(const ServeOptions& options) { return Server(options).run(); }

Server::Server(ServeOptions options)
    : options_(std::move(options)),
      clock_(SystemClock::instance()),
      last_reload_success_ms_(SystemClock::instance().now_unix_ms()),
      signals_(io_, SIGTERM, SIGINT, SIGHUP),  // before listening: an early SIGHUP must reload, not kill
      retention_(io_) {}

Server::~Server() { stop(); }

int Server::run() {
    if (!load_plugins_and_config() || !open_store() || !start_pipeline()) {
        stop();
        return 1;
    }
    register_gauges();
    make_listeners();
    if (!listen()) {
        stop();
        return 1;
    }
    write_port_file();
    schedule_retention();
    wait_for_signal();
    for (int i = 0; i < std::max(1, options_.io_threads); ++i)
        threads_.emplace_back([this] {
            name_this_thread("herald-intake");
            io_.run();
        });
    threads_.emplace_back([this] {
        name_this_thread("herald-admin");
        admin_io_.run();
    });

    wait_for_stop_request();
    spdlog::info("serve: {} received: stopping intake, finishing deliveries in flight (up to {} ms)",
                 stop_signal_ == SIGTERM ? "SIGTERM" : "SIGINT", options_.grace_ms);
    stop();
    spdlog::info("serve: stopped; {} deliveries left pending for the next start",
                 dispatcher_->counters().open_jobs.load());
    return 0;
}

// Plugins load once, from one thread, before anything runs (Boost.DLL's advice).
bool Server::load_plugins_and_config() {
    Diagnostics peek_findings;
    LoadOptions peek_options;
    peek_options.secrets = SecretMode::placeholder;
    const HostConfig peek = load_host_config(options_.config_path, peek_options, peek_findings);
    const std::string plugin_dir =
        options_.plugin_dir.value_or(!peek.plugin_dir.empty() ? peek.plugin_dir : default_plugin_dir().string());
    plugins_ = PluginRegistry::load_directory(plugin_dir);
    for (const auto& p : plugins_.plugins())
        spdlog::info("plugins: loaded {} {} from {}", p.name, p.version, p.file.string());
    for (const auto& r : plugins_.refusals()) spdlog::warn("plugins: refused {}", r.line());

    Loaded first = load_runtime_config(options_.config_path, plugins_);
    if (!first.config) {
        spdlog::error("serve: the configuration has errors; nothing started (see herald config check)");
        return false;
    }
    current_.store(first.config);
    host_ = first.config->host;
    return true;
}

bool Server::open_store() {
    try {
        if (host_.storage_kind == "postgres") {
            store_ = open_postgres_store(host_.storage_url);
        } else {
            std::filesystem::create_directories(std::filesystem::path(host_.storage_path).parent_path());
            store_ = open_sqlite_store(host_.storage_path);
        }
        const auto reader = store_->admin_reader();
        dead_at_start_ = reader->count_dead();
        std::vector<std::pair<std::string, std::string>> failing;
        for (const auto& f : reader->failing_services()) failing.emplace_back(f.service, f.environment);
        metrics_.deploys().seed_failing(failing);
    } catch (const std::exception& e) {
        spdlog::error("serve: cannot open the store: {}", e.what());
        return false;
    }
    return true;
}

// On SQLite this Herald owns every job. Replicas on PostgreSQL share the work: each delivers the
// jobs of the lanes it owns, whichever replica accepted them, within rate limits they share.
bool Server::start_pipeline() {
    committer_ = std::make_unique<GroupCommitter>(*store_);
    dispatcher_ =
        std::make_unique<Dispatcher>([this] { return current_.load(); }, *committer_, store_->reader(), clock_,
                                     std::make_unique<CurlTransport>(), DispatcherOptions{}, &metrics_);
    dispatcher_->counters().dead_letters.store(dead_at_start_);
    WorkSharingOptions sharing;
    sharing.replica_name = host_name() + ":" + std::to_string(getpid());
    sharing.lease_ms = int64_t{host_.lease_seconds} * 1000;
    sharing.heartbeat_ms = std::min<int64_t>(1000, sharing.lease_ms / 3);
    try {
        work_sharing_ = store_->work_sharing(sharing);
        if (work_sharing_) {
            dispatcher_->share_rate_limits(store_->shared_rate_limits());
            work_sharing_->start(*dispatcher_);
            spdlog::info(
                "store: {} opened; {} in the dead-letter queue; deliveries are shared with the other "
                "replicas by lane",
                store_description(), dead_at_start_);
        } else {
            auto open_jobs = store_->open_jobs();
            spdlog::info("store: {} opened; {} deliveries to resume, {} in the dead-letter queue", store_description(),
                         open_jobs.size(), dead_at_start_);
            committer_->set_sink(dispatcher_.get());
            dispatcher_->load(std::move(open_jobs));
        }
    } catch (const StoreError& e) {
        spdlog::error("serve: cannot start delivering: {}", e.what());
        return false;
    }
    committer_->start();
    dispatcher_->start();
    reloader_ = std::make_unique<ConfigReloader>([this] { return reload(); });
    return true;
}

// One Herald counts its dead letters as it makes them; replicas make them on every replica, so
// the count comes from the shared store (the last one known while it cannot be read).
int64_t Server::dead_letters() {
    if (!work_sharing_) return dispatcher_->counters().dead_letters.load();
    std::lock_guard lock(dead_count_mutex_);
    try {
        if (!dead_count_reader_) dead_count_reader_ = store_->admin_reader();
        dead_count_ = dead_count_reader_->count_dead();
    } catch (const StoreError& e) {
        spdlog::debug("metrics: cannot count dead letters: {}", e.what());
    }
    return dead_count_;
}

std::string Server::store_description() const {
    return host_.storage_kind == "postgres" ? "PostgreSQL at " + describe_postgres_url(host_.storage_url)
                                            : host_.storage_path;
}

ReloadResult Server::reload() {
    spdlog::info("config: reloading {}", options_.config_path);
    Loaded fresh = load_runtime_config(options_.config_path, plugins_);
    metrics_.reload(fresh.config != nullptr);
    last_reload_ok_.store(fresh.config != nullptr);
    if (!fresh.config) {
        spdlog::error("config: reload refused; the previous configuration keeps serving");
        return {false, fresh.findings};
    }
    current_.store(fresh.config);
    last_reload_success_ms_.store(clock_.now_unix_ms());
    spdlog::info("config: reloaded ({} teams, {} channels)", fresh.config->routing.teams().size(),
                 fresh.config->routing.channels().size());
    return {true, fresh.findings};
}

std::string Server::readiness() const {
    if (plugins_.plugins().empty()) return "plugins: none loaded";
    for (const auto& c : current_.load()->routing.channels()) {
        if (!c->instance) return "plugins: channel " + c->label() + " has no plugin instance";
    }
    if (!committer_->healthy()) return "store: not writable";
    return {};
}

void Server::register_gauges() {
    auto& registry = metrics_.registry();
    using Samples = std::vector<std::pair<Labels, double>>;
    const auto one = [](double v) { return Samples{{{}, v}}; };
    registry.gauge("herald_pending_jobs", "Deliveries not yet finished (pending or waiting to retry).",
                   [this, one] { return one(static_cast<double>(dispatcher_->counters().open_jobs.load())); });
    registry.gauge("herald_dead_letter_jobs", "Deliveries in the dead-letter queue.",
                   [this, one] { return one(static_cast<double>(dead_letters())); });
    registry.gauge("herald_oldest_pending_job_age_seconds", "Age of the oldest unfinished delivery (0 when none).",
                   [this, one] {
                       const int64_t oldest = dispatcher_->counters().oldest_open_accepted_ms.load();
                       return one(oldest == 0 ? 0.0 : static_cast<double>(clock_.now_unix_ms() - oldest) / 1000.0);
                   });
    registry.gauge("herald_config_last_reload_successful", "1 when the last configuration load succeeded.",
                   [this, one] { return one(last_reload_ok_.load() ? 1.0 : 0.0); });
    registry.gauge("herald_config_last_reload_success_timestamp_seconds",
                   "Unix time of the last successful configuration load.",
                   [this, one] { return one(static_cast<double>(last_reload_success_ms_.load()) / 1000.0); });
    registry.gauge("herald_store_writable", "1 when the last commit to the store succeeded.",
                   [this, one] { return one(committer_->healthy() ? 1.0 : 0.0); });
    if (work_sharing_) {
        registry.gauge("herald_replica_lanes", "Delivery lanes this replica owns (replicas on PostgreSQL).",
                       [this, one] { return one(static_cast<double>(work_sharing_->owned_lanes())); });
    }
    registry.gauge("herald_plugin_info", "Loaded channel plugins.", [this] {
        Samples out;
        for (const auto& p : plugins_.plugins()) {
            out.push_back({{{"name", p.name},
                            {"version", p.version},
                            {"abi", std::to_string(p.abi_major) + "." + std::to_string(p.abi_minor)}},
                           1.0});
        }
        return out;
    });
    registry.gauge("herald_build_info", "Herald's version.", [] { return Samples{{{{"version", kVersion}}, 1.0}}; });
}

void Server::make_listeners() {
    work_.emplace(net::make_work_guard(io_));
    admin_work_.emplace(net::make_work_guard(admin_io_));
    intake_handler_ = std::make_unique<IntakeHandler>([this] { return current_.load(); }, *committer_,
                                                      [this] { return dispatcher_->counters().open_jobs.load(); },
                                                      clock_, metrics_, [this] { return readiness(); });
    HttpServerOptions intake_options;
    intake_options.address = host_.intake.address;
    intake_options.port = static_cast<unsigned short>(host_.intake.port);
    intake_options.max_body_bytes = host_.max_body_bytes;
    intake_options.max_connections = host_.max_connections;
    intake_ = std::make_unique<HttpServer>(io_, intake_options, *intake_handler_);
    intake_handler_->count_connections_with([this] { return intake_->open_connections(); });

    AdminServices services;
    services.token = [this] { return current_.load()->host.admin_token; };
    services.reload = [this](std::function<void(const ReloadResult&)> done) { reloader_->request(std::move(done)); };
    services.open_reader = [this] { return store_->admin_reader(); };
    services.committer = committer_.get();
    services.reopened = [this](std::vector<OpenJob> jobs) {
        dispatcher_->counters().dead_letters.fetch_sub(static_cast<int64_t>(jobs.size()));
        if (!work_sharing_) dispatcher_->on_new_jobs(std::move(jobs), nullptr);  // else their lanes' owners
    };
    services.dropped = [this] { dispatcher_->counters().dead_letters.fetch_sub(1); };
    services.readiness = [this] { return readiness(); };
    admin_handler_ = std::make_unique<AdminHandler>(std::move(services));
    HttpServerOptions admin_options;
    admin_options.address = host_.admin.address;
    admin_options.port = static_cast<unsigned short>(host_.admin.port);
    admin_ = std::make_unique<HttpServer>(admin_io_, admin_options, *admin_handler_);
}

bool Server::listen() {
    try {
        intake_->start();
        admin_->start();
    } catch (const std::exception& e) {
        spdlog::error("serve: cannot listen: {} (intake {}:{}, admin {}:{})", e.what(), host_.intake.address,
                      host_.intake.port, host_.admin.address, host_.admin.port);
        return false;
    }
    spdlog::info("intake: listening on {}:{}; admin on {}:{}{}", host_.intake.address, intake_->bound_port(),
                 host_.admin.address, admin_->bound_port(),
                 host_.admin_token.empty() ? " (no admin token configured)" : "");
    return true;
}

void Server::write_port_file() {
    if (!options_.port_file) return;
    const std::string tmp = *options_.port_file + ".tmp";
    std::ofstream(tmp) << "intake=" << intake_->bound_port() << "\nadmin=" << admin_->bound_port() << "\n";
    std::filesystem::rename(tmp, *options_.port_file);
}

// Retention: finished work older than retention_days, hourly (and once at start).
void Server::schedule_retention() {
    const int64_t cutoff = clock_.now_unix_ms() - int64_t{current_.load()->host.retention_days} * 86'400'000;
    committer_->prune(cutoff);
    retention_.expires_after(std::chrono::hours(1));
    retention_.async_wait([this](boost::system::error_code ec) {
        if (!ec) schedule_retention();
    });
}

void Server::wait_for_signal() {
    signals_.async_wait([this](boost::system::error_code ec, int signal) {
        if (ec) return;
        if (signal == SIGHUP) {
            reloader_->request({});  // on the reload thread: this handler never waits for it
            return wait_for_signal();
        }
        {
            std::lock_guard lock(stop_mutex_);
            stop_requested_ = true;
            stop_signal_ = signal;
        }
        stop_requested_cv_.notify_one();
    });
}

void Server::wait_for_stop_request() {
    std::unique_lock lock(stop_mutex_);
    stop_requested_cv_.wait(lock, [this] { return stop_requested_; });
}

// The one shutdown order: stop taking work, finish reloads and deliveries in flight, commit,
// let the last acknowledgements reach their connections, then stop and join every thread.
// Idempotent, so the destructor can call it after a failed start.
void Server::stop() {
    if (intake_) intake_->stop_accepting();
    if (admin_) admin_->stop_accepting();
    net::post(io_, [this] {
        boost::system::error_code ignored;
        retention_.cancel();
        signals_.cancel(ignored);
    });
    if (reloader_) reloader_->stop();
    if (dispatcher_) dispatcher_->stop(options_.grace_ms);
    if (committer_) committer_->stop();
    // Last: the lanes move to other replicas only once this one's outcomes are committed.
    if (work_sharing_) work_sharing_->stop();
    if (!threads_.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    admin_work_.reset();
    work_.reset();
    admin_io_.stop();
    io_.stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
}

}  // namespace herald
