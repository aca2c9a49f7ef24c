// How replicas on one PostgreSQL database share the work (shared_work.hpp).
//
// - A replica is live while its row in `replicas` has a lease in the future; a thread renews it
//   every heartbeat. Lease times are the database's clock, so replicas' clocks need not agree.
// - A lane's row in `lanes` names its owner. The replica that stores a job claims the lane when
//   it has no live owner, and NOTIFY tells the owner after the commit; the owner then reads the
//   lane's jobs after the last one it has. The lane row stays locked while a job is stored, so
//   job ids within a lane follow commit order and that read never skips a late commit.
// - Every heartbeat, lanes with open jobs and no live owner are claimed (FOR UPDATE SKIP
//   LOCKED, so replicas split them) and their open jobs read.
// - When a renewal finds the lease gone (the database was out of reach for longer than the
//   lease), other replicas may own this one's lanes: the dispatcher forgets its queue, the
//   replica registers again and reads its lanes afresh. Until a renewal succeeds, deliveries
//   start only while the last renewal is known to hold.
#include "store/pg_work_sharing.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "common/thread_name.hpp"
#include "store/pg_conn.hpp"
#include "store/pg_schema.hpp"
#include "store/store_rows.hpp"

namespace herald::pg {
namespace {

int64_t local_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

constexpr const char* kOpen = "j.state IN ('pending', 'retry')";

class ResultRow {
 public:
    ResultRow(const Result& r, int row) : r_(r), row_(row) {}
    int64_t int64(int column) const { return r_.int64(row_, column); }
    std::string text(int column) const { return r_.text(row_, column); }

 private:
    const Result& r_;
    int row_;
};

std::vector<OpenJob> read_jobs(const Result& r) {
    std::vector<OpenJob> jobs;
    jobs.reserve(static_cast<size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) jobs.push_back(rows::read_open_job(ResultRow(r, i)));
    return jobs;
}

class PgWorkSharing final : public WorkSharing {
 public:
    PgWorkSharing(std::string url, std::string replica_id, WorkSharingOptions options)
        : url_(std::move(url)), id_(std::move(replica_id)), options_(std::move(options)), wake_fd_(eventfd(0, 0)) {}

    ~PgWorkSharing() override {
        stop();
        if (wake_fd_ >= 0) close(wake_fd_);
    }

    void start(SharedWorkSink& sink) override {
        sink_ = &sink;
        c_ = std::make_unique<Connection>(url_);
        renew();  // registered before this replica accepts anything
        spdlog::info("replicas: this replica is {} (lease {} ms)", id_, options_.lease_ms);
        thread_ = std::thread([this] {
            name_this_thread("herald-lanes");
            run();
        });
    }

    void stop() override {
        if (!thread_.joinable()) return;
        stopping_.store(true);
        const uint64_t one = 1;
        [[maybe_unused]] const auto written = write(wake_fd_, &one, sizeof one);
        thread_.join();
        // The lanes' rows stay; without a live owner they are claimed by the other replicas at
        // once (the notification) instead of when the lease would have run out.
        try {
            c_->query("DELETE FROM replicas WHERE id = $1", {id_});
            c_->query("SELECT pg_notify($1, 'released')", {std::string(kWorkChannel)});
            spdlog::info("replicas: {} stopped; its {} lanes are free for the other replicas", id_, owned_lanes());
        } catch (const StoreError& e) {
            spdlog::warn("replicas: could not give up this replica's lanes ({}); they move when the lease ends",
                         e.what());
        }
    }

    size_t owned_lanes() const override {
        std::lock_guard lock(owned_mutex_);
        return hwm_.size();
    }

 private:
    void run() {
        int64_t next_heartbeat = 0;
        bool failing = false;
        while (!stopping_.load()) {
            try {
                if (c_->generation() != listening_generation_) {
                    c_->exec(std::string("LISTEN ") + kWorkChannel);
                    listening_generation_ = c_->generation();
                    resync_ = true;  // notifications sent while not listening are lost
                }
                if (local_now_ms() >= next_heartbeat) {
                    renew();
                    claim_lanes_without_owner();
                    next_heartbeat = local_now_ms() + options_.heartbeat_ms;
                }
                if (resync_) resync();
                if (failing) spdlog::info("replicas: the database is reachable again");
                failing = false;
                if (wait_and_handle_notifications(next_heartbeat)) next_heartbeat = 0;
            } catch (const StoreError& e) {
                if (!failing) spdlog::error("replicas: cannot renew the lease or read work: {}", e.what());
                failing = true;
                wait_for_wakeup(250);
            }
        }
    }

    // Renews the lease, or registers (again) when there is none: at start, and when the lease
    // ran out, in which case other replicas may own this one's lanes now.
    void renew() {
        const int64_t asked_at = local_now_ms();
        const auto renewed = c_->query(
            "UPDATE replicas SET lease_until_ms = herald_now_ms() + $2 WHERE id = $1 "
            "AND lease_until_ms >= herald_now_ms() RETURNING 1",
            {id_, param(options_.lease_ms)});
        if (renewed.rows() == 0) {
            if (registered_) {
                spdlog::warn(
                    "replicas: {}'s lease ran out (the database was out of reach too long); its queued "
                    "deliveries go to the lanes' new owners and it registers again",
                    id_);
                sink_->forget_shared_jobs();
                std::lock_guard lock(owned_mutex_);
                hwm_.clear();
            }
            c_->query(
                "INSERT INTO replicas (id, name, started_at_ms, lease_until_ms) VALUES ($1, $2, herald_now_ms(), "
                "herald_now_ms() + $3) ON CONFLICT (id) DO UPDATE SET lease_until_ms = excluded.lease_until_ms",
                {id_, options_.replica_name, param(options_.lease_ms)});
            registered_ = true;
            resync_ = true;
        }
        // The lease holds lease_ms from when the database renewed it, which is after asked_at;
        // a quarter is kept back for clocks that run at slightly different rates.
        sink_->work_allowed_until(asked_at + options_.lease_ms - options_.lease_ms / 4);
        // Rows of replicas long gone (killed, never stopped) are only history.
        c_->query("DELETE FROM replicas WHERE lease_until_ms < herald_now_ms() - 3600000");
    }

    void claim_lanes_without_owner() {
        const auto claimed = c_->query(
            "UPDATE lanes SET owner = $1 WHERE lane IN (SELECT l.lane FROM lanes l WHERE NOT EXISTS "
            "(SELECT 1 FROM replicas r WHERE r.id = l.owner AND r.lease_until_ms >= herald_now_ms()) "
            "AND EXISTS (SELECT 1 FROM jobs j WHERE j.lane = l.lane AND " +
                std::string(kOpen) + ") ORDER BY l.lane LIMIT 1000 FOR UPDATE SKIP LOCKED) RETURNING lane",
            {id_});
        if (claimed.rows() == 0) return;
        spdlog::info("replicas: {} took over {} lanes without a live owner", id_, claimed.rows());
        for (int i = 0; i < claimed.rows(); ++i) read_lane(claimed.text(i, 0));
    }

    // Every open job of this replica's lanes after the last one it has, in one read.
    void resync() {
        const auto r =
            c_->query(std::string("SELECT ") + rows::kOpenJobColumns +
                          " JOIN lanes l ON l.lane = j.lane WHERE l.owner = $1 AND " + kOpen + " ORDER BY j.id",
                      {id_});
        hand_over(read_jobs(r));
        resync_ = false;
    }

    void read_lane(const std::string& lane) {
        int64_t after = 0;
        {
            std::lock_guard lock(owned_mutex_);
            after = hwm_[lane];
        }
        const auto r = c_->query(std::string("SELECT ") + rows::kOpenJobColumns +
                                     " WHERE j.lane = $1 AND j.id > $2 AND " + kOpen + " ORDER BY j.id",
                                 {lane, param(after)});
        hand_over(read_jobs(r));
    }

    void read_replayed(const std::string& lane, int64_t job_id) {
        {
            std::lock_guard lock(owned_mutex_);
            hwm_.try_emplace(lane, 0);
        }
        const auto r = c_->query(std::string("SELECT ") + rows::kOpenJobColumns + " WHERE j.id = $1 AND " + kOpen,
                                 {param(job_id)});
        auto jobs = read_jobs(r);
        if (!jobs.empty()) sink_->on_shared_jobs(std::move(jobs));
    }

    // Jobs after each lane's last handed-over one, in id order.
    void hand_over(std::vector<OpenJob> jobs) {
        std::vector<OpenJob> fresh;
        {
            std::lock_guard lock(owned_mutex_);
            for (auto& job : jobs) {
                int64_t& last = hwm_[delivery_lane(job)];
                if (job.id <= last) continue;
                last = job.id;
                fresh.push_back(std::move(job));
            }
        }
        if (!fresh.empty()) sink_->on_shared_jobs(std::move(fresh));
    }

    // Waits for notifications until `until_ms` (or a stop) and handles them. True when another
    // replica gave up its lanes, so a claim round should run now. libpq may already hold
    // notifications that arrived with the results of earlier queries: those are taken first,
    // since the socket will not signal them again.
    bool wait_and_handle_notifications(int64_t until_ms) {
        Notices notices;
        collect(notices);
        if (notices.empty()) {
            const int socket = PQsocket(c_->handle());
            const int timeout = static_cast<int>(std::clamp<int64_t>(until_ms - local_now_ms(), 0, 1000));
            pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {socket, POLLIN, 0}};
            if (poll(fds, socket >= 0 ? 2 : 1, timeout) <= 0) return false;
            if ((fds[0].revents & POLLIN) != 0) return false;  // stopping
            if (PQconsumeInput(c_->handle()) == 0) {
                throw StoreError(std::string("PostgreSQL connection lost: ") + PQerrorMessage(c_->handle()));
            }
            collect(notices);
        }
        for (const auto& lane : notices.lanes) read_lane(lane);
        for (const auto& [job, lane] : notices.replayed) read_replayed(lane, job);
        return notices.released;
    }

    struct Notices {
        std::set<std::string> lanes;              // this replica's lanes with new jobs
        std::map<int64_t, std::string> replayed;  // replayed job -> its lane
        bool released = false;                    // a replica gave its lanes up
        bool empty() const { return lanes.empty() && replayed.empty() && !released; }
    };

    void collect(Notices& notices) {
        while (PGnotify* n = PQnotifies(c_->handle())) {
            const std::string payload = n->extra != nullptr ? n->extra : "";
            PQfreemem(n);
            if (payload == "released") {
                notices.released = true;
                continue;
            }
            const size_t tab = payload.find('\t');
            if (tab == std::string::npos || payload.compare(0, tab, id_) != 0) continue;
            const std::string rest = payload.substr(tab + 1);
            const size_t job_tab = rest.find('\t');
            if (job_tab == std::string::npos) {
                notices.lanes.insert(rest);
            } else {
                notices.replayed[std::stoll(rest.substr(job_tab + 1))] = rest.substr(0, job_tab);
            }
        }
    }

    void wait_for_wakeup(int timeout_ms) {
        pollfd fd{wake_fd_, POLLIN, 0};
        poll(&fd, 1, timeout_ms);
    }

    std::string url_;
    std::string id_;
    WorkSharingOptions options_;
    int wake_fd_;
    SharedWorkSink* sink_ = nullptr;
    std::unique_ptr<Connection> c_;
    uint64_t listening_generation_ = UINT64_MAX;
    bool registered_ = false;
    bool resync_ = true;
    mutable std::mutex owned_mutex_;
    std::map<std::string, int64_t> hwm_;  // owned lane -> the last job id handed to the sink
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

class PgRateLimits final : public RateLimits {
 public:
    // A rate limit's state is worth no disk flush: after a database crash the worst is one
    // request early. Without this every request would wait for a WAL flush.
    // (A reconnection starts a new session, so the setting is made again then.)
    explicit PgRateLimits(const std::string& url) : c_(url) { configure(); }

    int64_t take(const std::string& key, double rate_per_second, uint32_t burst, int64_t now_ms) override {
        const double interval = rate_per_second > 0 ? 1000.0 / rate_per_second : 0.0;
        const double tolerance = interval * (std::max<uint32_t>(burst, 1) - 1);
        const int64_t wait =
            c_.read("SELECT herald_take_rate($1, $2, $3)", {key, std::to_string(interval), std::to_string(tolerance)})
                .int64(0, 0);
        return now_ms + wait;
    }

    void pause_until(const std::string& key, int64_t until_ms, int64_t now_ms) override {
        configure();
        c_.read(
            "INSERT INTO rate_limits (key, paused_until_ms) VALUES ($1, herald_now_ms() + $2) ON CONFLICT (key) DO "
            "UPDATE SET paused_until_ms = GREATEST(rate_limits.paused_until_ms, excluded.paused_until_ms)",
            {key, param(std::max<int64_t>(0, until_ms - now_ms))});
    }

 private:
    void configure() {
        if (configured_generation_ == c_.generation()) return;
        c_.exec("SET synchronous_commit = off");
        configured_generation_ = c_.generation();
    }

    Connection c_;
    std::optional<uint64_t> configured_generation_;
};

}  // namespace

std::string new_replica_id() {
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    std::random_device random;
    return fmt::format("{}-{}-{:08x}", host, getpid(), random());
}

std::unique_ptr<WorkSharing> make_work_sharing(const std::string& url, const std::string& replica_id,
                                               const WorkSharingOptions& options) {
    return std::make_unique<PgWorkSharing>(url, replica_id, options);
}

std::unique_ptr<RateLimits> make_rate_limits(const std::string& url) { return std::make_unique<PgRateLimits>(url); }

}  // namespace herald::pg
