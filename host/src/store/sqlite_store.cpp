#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "common/thread_name.hpp"
#include "store/receipt_destinations.hpp"
#include "store/schema.hpp"
#include "store/service_status.hpp"
#include "store/sqlite_db.hpp"
#include "store/sqlite_wal_buffer.hpp"
#include "store/store.hpp"
#include "store/store_rows.hpp"

namespace herald {

std::string_view to_string(JobState state) {
    switch (state) {
        case JobState::pending:
            return "pending";
        case JobState::retry:
            return "retry";
        case JobState::delivered:
            return "delivered";
        case JobState::accepted:
            return "accepted";
        case JobState::skipped:
            return "skipped";
        case JobState::dead:
            return "dead";
    }
    return "unknown";
}

std::optional<JobState> parse_job_state(std::string_view text) {
    for (auto s : {JobState::pending, JobState::retry, JobState::delivered, JobState::accepted, JobState::skipped,
                   JobState::dead}) {
        if (text == to_string(s)) return s;
    }
    if (text == "in_flight") return JobState::pending;  // left by a crash: send again
    return std::nullopt;
}

std::unique_ptr<WorkSharing> Store::work_sharing(const WorkSharingOptions& /*options*/) { return nullptr; }
std::unique_ptr<RateLimits> Store::shared_rate_limits() { return nullptr; }

std::unique_ptr<AdminReader> open_sqlite_admin_reader(const std::string& path);

namespace {

using sqlite::Db;
using sqlite::Stmt;

void migrate(Db& db) {
    db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL)");
    Stmt current(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    current.step();
    const int64_t applied = current.int64(0);
    current.reset();
    if (applied > static_cast<int64_t>(sqlite::kMigrations.size())) {
        throw StoreError("the store was written by a newer Herald (schema version " + std::to_string(applied) + ")");
    }
    for (size_t i = static_cast<size_t>(applied); i < sqlite::kMigrations.size(); ++i) {
        db.exec("BEGIN IMMEDIATE");
        try {
            db.exec(sqlite::kMigrations[i]);
            Stmt record(db, "INSERT INTO schema_migrations (version) VALUES (?)");
            record.bind(1, static_cast<int64_t>(i + 1)).run();
            db.exec("COMMIT");
        } catch (...) {
            db.exec("ROLLBACK");
            throw;
        }
    }
}

class SqliteReader final : public StoreReader {
 public:
    SqliteReader(const std::string& path, std::shared_ptr<const ReceiptDestinations> with_receipts)
        : with_receipts_(std::move(with_receipts)),
          db_(path, SQLITE_OPEN_READONLY),
          event_(db_, (std::string("SELECT ") + rows::kEventColumns + " WHERE seq = ?").c_str()),
          receipt_(db_, "SELECT receipt FROM receipts WHERE destination_hash = ? AND deployment_id = ?") {}

    std::optional<EventRecord> event(int64_t seq) override {
        event_.bind(1, seq);
        std::optional<EventRecord> out;
        if (event_.step()) out = rows::read_event(event_);
        event_.reset();
        return out;
    }

    std::optional<std::string> receipt(const std::string& destination_hash, const std::string& deployment_id) override {
        if (!with_receipts_->contains(destination_hash)) return std::nullopt;
        receipt_.bind(1, destination_hash).bind(2, deployment_id);
        std::optional<std::string> out;
        if (receipt_.step()) out = receipt_.text(0);
        receipt_.reset();
        return out;
    }

 private:
    std::shared_ptr<const ReceiptDestinations> with_receipts_;
    Db db_;
    Stmt event_;
    Stmt receipt_;
};

class SqliteStore final : public Store {
 public:
    explicit SqliteStore(const std::string& path)
        : path_(path),
          // The writer's commits sync (synchronous = FULL, in init), which the buffered WAL needs.
          db_(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, sqlite::buffered_wal_vfs()),
          init_(init(db_)),
          status_(db_,
                  "SELECT last_status, failures, failing_since_ms FROM service_status WHERE service = ? AND "
                  "environment = ?"),
          set_status_(db_,
                      "INSERT INTO service_status (service, environment, last_status, failures, failing_since_ms) "
                      "VALUES (?, ?, ?, ?, ?) ON CONFLICT (service, environment) DO UPDATE SET "
                      "last_status = excluded.last_status, failures = excluded.failures, "
                      "failing_since_ms = excluded.failing_since_ms"),
          insert_event_(db_,
                        "INSERT INTO events (id, source, service, environment, status, deployment_id, json, "
                        "accepted_at_ms, is_recovery, failures_before, failing_since_ms) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING"),
          insert_job_(db_,
                      "INSERT INTO jobs (event_seq, team, channel, channel_type, destination_hash, reason, fallback, "
                      "state, created_at_ms, updated_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)"),
          update_job_(db_,
                      "UPDATE jobs SET state = ?, attempts = ?, next_attempt_at_ms = ?, first_attempt_at_ms = ?, "
                      "last_status = COALESCE(?, last_status), last_error = ?, response_excerpt = ?, "
                      "dead_reason = ?, updated_at_ms = ?, finished_at_ms = ? WHERE id = ?"),
          insert_attempt_(db_,
                          "INSERT INTO attempts (job_id, number, started_at_ms, status_code, latency_ms, outcome, "
                          "error) VALUES (?, ?, ?, ?, ?, ?, ?)"),
          set_receipt_(db_,
                       "INSERT INTO receipts (destination_hash, deployment_id, receipt) VALUES (?, ?, ?) "
                       "ON CONFLICT (destination_hash, deployment_id) DO UPDATE SET receipt = excluded.receipt") {
        Stmt with_receipts(db_, "SELECT DISTINCT destination_hash FROM receipts");
        while (with_receipts.step()) with_receipts_->add(with_receipts.text(0));
        sqlite3_wal_hook(db_.handle(), &SqliteStore::on_wal_commit, this);
        checkpointer_ = std::thread([this] {
            name_this_thread("herald-checkpt");
            checkpoint_loop();
        });
    }

    std::vector<IngestOutcome> commit(const std::vector<IngestItem>& items,
                                      const std::vector<JobUpdate>& updates) override {
        std::vector<IngestOutcome> outcomes;
        outcomes.reserve(items.size());
        db_.exec("BEGIN IMMEDIATE");
        try {
            for (const auto& item : items) outcomes.push_back(ingest(item));
            for (const auto& update : updates) apply(update);
            db_.exec("COMMIT");
        } catch (...) {
            statuses_.clear();  // it may hold the rolled-back transaction's statuses
            try {
                db_.exec("ROLLBACK");
            } catch (...) {
                // The original error is the one worth reporting.
            }
            throw;
        }
        return outcomes;
    }

    // Under a steady stream of commits the background checkpoint never catches up with the last
    // one, so the WAL would only grow (and each commit's sync would write the file's size too).
    // Every eighth of kWalRestartFrames the checkpoint thread is woken to copy what has gathered,
    // alongside the commits; past kWalRestartFrames the writer copies the little that is left
    // between two commits (a stall of ~5 ms, about once a second under heavy load), and the next
    // commit writes the WAL from its start again.
    void after_commit() override {
        if (wal_frames_ >= checkpoint_asked_at_frames_ + kWalRestartFrames / 8) {
            checkpoint_asked_at_frames_ = wal_frames_;
            {
                std::lock_guard lock(checkpoint_mutex_);
                checkpoint_now_ = true;
            }
            checkpoint_wake_.notify_one();
        }
        if (wal_frames_ < checkpoint_at_frames_) return;
        int log_frames = 0;
        int copied = 0;
        const int rc =
            sqlite3_wal_checkpoint_v2(db_.handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_frames, &copied);
        // A reader on an older snapshot can hold frames back; try again a little later.
        const bool caught_up = rc == SQLITE_OK && copied >= log_frames;
        checkpoint_at_frames_ = caught_up ? kWalRestartFrames : wal_frames_ + kWalRestartFrames / 4;
        if (caught_up) checkpoint_asked_at_frames_ = 0;
    }

    void probe(int64_t now_ms) override {
        db_.exec("BEGIN IMMEDIATE");
        try {
            Stmt write(db_, "INSERT OR REPLACE INTO store_probe (id, at_ms) VALUES (1, ?)");
            write.bind(1, now_ms).run();
            db_.exec("COMMIT");
        } catch (...) {
            try {
                db_.exec("ROLLBACK");
            } catch (...) {
                // The original error is the one worth reporting.
            }
            throw;
        }
    }

    std::vector<OpenJob> open_jobs() override {
        db_.exec("UPDATE jobs SET state = 'pending' WHERE state = 'in_flight'");
        Stmt select(db_, (std::string("SELECT ") + rows::kOpenJobColumns +
                          " WHERE j.state IN ('pending', 'retry') ORDER BY j.id")
                             .c_str());
        std::vector<OpenJob> jobs;
        while (select.step()) jobs.push_back(rows::read_open_job(select));
        return jobs;
    }

    size_t prune_finished(int64_t older_than_ms) override {
        db_.exec("BEGIN IMMEDIATE");
        try {
            const char* finished = "state IN ('delivered', 'accepted', 'skipped') AND finished_at_ms < ?";
            Stmt attempts(
                db_, (std::string("DELETE FROM attempts WHERE job_id IN (SELECT id FROM jobs WHERE ") + finished + ")")
                         .c_str());
            attempts.bind(1, older_than_ms).run();
            Stmt jobs(db_, (std::string("DELETE FROM jobs WHERE ") + finished).c_str());
            jobs.bind(1, older_than_ms).run();
            size_t removed = static_cast<size_t>(sqlite3_changes(db_.handle()));
            Stmt events(db_,
                        "DELETE FROM events WHERE accepted_at_ms < ? AND NOT EXISTS "
                        "(SELECT 1 FROM jobs WHERE jobs.event_seq = events.seq)");
            events.bind(1, older_than_ms).run();
            removed += static_cast<size_t>(sqlite3_changes(db_.handle()));
            db_.exec("COMMIT");
            return removed;
        } catch (...) {
            db_.exec("ROLLBACK");
            throw;
        }
    }

    std::unique_ptr<StoreReader> reader() override { return std::make_unique<SqliteReader>(path_, with_receipts_); }
    std::unique_ptr<AdminReader> admin_reader() override { return open_sqlite_admin_reader(path_); }

    std::vector<OpenJob> replay_dead(const std::vector<int64_t>& job_ids, int64_t now_ms) override {
        std::vector<OpenJob> reopened;
        db_.exec("BEGIN IMMEDIATE");
        try {
            Stmt reset(
                db_,
                "UPDATE jobs SET state = 'pending', attempts = 0, next_attempt_at_ms = 0, first_attempt_at_ms = 0, "
                "dead_reason = '', updated_at_ms = ?, finished_at_ms = 0 WHERE id = ? AND state = 'dead'");
            Stmt load(db_, (std::string("SELECT ") + rows::kOpenJobColumns + " WHERE j.id = ?").c_str());
            for (int64_t id : job_ids) {
                reset.bind(1, now_ms).bind(2, id).run();
                if (sqlite3_changes(db_.handle()) == 0) continue;
                load.bind(1, id);
                if (load.step()) reopened.push_back(rows::read_open_job(load));
                load.reset();
            }
            db_.exec("COMMIT");
        } catch (...) {
            db_.exec("ROLLBACK");
            throw;
        }
        return reopened;
    }

    bool drop_dead(int64_t job_id) override {
        db_.exec("BEGIN IMMEDIATE");
        try {
            Stmt drop(db_, "DELETE FROM jobs WHERE id = ? AND state = 'dead'");
            drop.bind(1, job_id).run();
            const bool dropped = sqlite3_changes(db_.handle()) > 0;
            if (dropped) {
                Stmt attempts(db_, "DELETE FROM attempts WHERE job_id = ?");
                attempts.bind(1, job_id).run();
            }
            db_.exec("COMMIT");
            return dropped;
        } catch (...) {
            db_.exec("ROLLBACK");
            throw;
        }
    }

    ~SqliteStore() override {
        {
            std::lock_guard lock(checkpoint_mutex_);
            checkpoint_stop_ = true;
        }
        checkpoint_wake_.notify_one();
        if (checkpointer_.joinable()) checkpointer_.join();
        try {
            db_.exec("PRAGMA wal_checkpoint(TRUNCATE)");
        } catch (const StoreError&) {
            // The WAL is replayed on the next open.
        }
    }

 private:
    static bool init(Db& db) {
        db.exec("PRAGMA journal_mode = WAL");
        db.exec("PRAGMA synchronous = FULL");  // a commit is on disk when COMMIT returns
        // Checkpoints run on their own connection and thread (below), not inside commits.
        db.exec("PRAGMA wal_autocheckpoint = 0");
        db.exec("PRAGMA cache_size = -16384");  // 16 MiB
        migrate(db);
        return true;
    }

    static int on_wal_commit(void* self, sqlite3*, const char*, int frames) {
        auto* store = static_cast<SqliteStore*>(self);
        if (frames < store->wal_frames_) {
            // The WAL started over (whichever checkpoint caught up): count afresh.
            store->checkpoint_at_frames_ = kWalRestartFrames;
            store->checkpoint_asked_at_frames_ = 0;
        }
        store->wal_frames_ = frames;
        return SQLITE_OK;
    }

    // Copies the WAL back into the database every second (sooner when the writer asks), off the
    // writer's path. PASSIVE never blocks the writer; the WAL restarts from the top once a
    // checkpoint has caught up (which, under steady load, the writer's after_commit() sees to).
    void checkpoint_loop() {
        Db db(path_, SQLITE_OPEN_READWRITE);
        // A connection learns that the database is in WAL mode from its first read; until then a
        // checkpoint on it does nothing at all (and returns SQLITE_OK).
        db.exec("SELECT count(*) FROM sqlite_schema");
        std::unique_lock lock(checkpoint_mutex_);
        while (!checkpoint_stop_) {
            checkpoint_wake_.wait_for(lock, std::chrono::seconds(1),
                                      [&] { return checkpoint_stop_ || checkpoint_now_; });
            if (checkpoint_stop_) break;
            checkpoint_now_ = false;
            lock.unlock();
            sqlite3_wal_checkpoint_v2(db.handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
            lock.lock();
        }
    }

    // The values bound in place below belong to `item`, which outlives each statement's run().
    IngestOutcome ingest(const IngestItem& item) {
        IngestOutcome out;
        const DeployEvent& e = item.event;

        // Last status per service+environment: a success after failures is a recovery.
        KnownStatus& known = known_status(e.service, e.environment);
        const StatusStep step = next_status(e, item.accepted_at_ms, known.failures, known.failing_since_ms);

        // A second event with the same id is a duplicate: the unique id turns its insert into
        // nothing, and nothing else is written for it (no separate lookup for every event).
        insert_event_.bind_in_place(1, e.id)
            .bind_in_place(2, item.source)
            .bind_in_place(3, e.service)
            .bind_in_place(4, e.environment)
            .bind_in_place(5, to_string(e.status))
            .bind_in_place(6, e.deployment_id)
            .bind_in_place(7, e.json)
            .bind(8, item.accepted_at_ms)
            .bind(9, step.recovery.is_recovery ? 1 : 0)
            .bind(10, static_cast<int64_t>(step.recovery.failures_before))
            .bind(11, step.recovery.failing_since_ms)
            .run();
        if (sqlite3_changes(db_.handle()) == 0) {
            out.duplicate = true;
            return out;
        }
        out.event_seq = sqlite3_last_insert_rowid(db_.handle());
        out.recovery = step.recovery;
        const std::string_view status = to_string(e.status);
        // A status that changes nothing (another success, say) is not written again.
        if (step.write && (known.last_status != status || known.failures != step.failures ||
                           known.failing_since_ms != step.failing_since_ms)) {
            set_status_.bind_in_place(1, e.service)
                .bind_in_place(2, e.environment)
                .bind_in_place(3, status)
                .bind(4, step.failures)
                .bind(5, step.failing_since_ms)
                .run();
            known = {std::string(status), step.failures, step.failing_since_ms};
        }

        for (const auto& t : item.targets) {
            insert_job_.bind(1, out.event_seq)
                .bind_in_place(2, t.team)
                .bind_in_place(3, t.channel)
                .bind_in_place(4, t.channel_type)
                .bind_in_place(5, t.destination_hash)
                .bind_in_place(6, t.reason)
                .bind(7, t.fallback ? 1 : 0)
                .bind(8, item.accepted_at_ms)
                .bind(9, item.accepted_at_ms)
                .run();
            out.jobs.push_back(rows::accepted_job(sqlite3_last_insert_rowid(db_.handle()), out.event_seq, t, item));
        }
        return out;
    }

    // The service_status row as committed (or as this transaction wrote it). This process alone
    // writes the table, so a pair read once is known from then on: one statement fewer per event.
    struct KnownStatus {
        std::string last_status;  // empty: no row
        int64_t failures = 0;
        int64_t failing_since_ms = 0;
    };
    static constexpr size_t kMaxKnownStatuses = 65536;

    KnownStatus& known_status(const std::string& service, const std::string& environment) {
        std::string key;
        key.reserve(service.size() + 1 + environment.size());
        key.append(service).append(1, '\n').append(environment);
        if (auto it = statuses_.find(key); it != statuses_.end()) return it->second;
        if (statuses_.size() >= kMaxKnownStatuses) statuses_.clear();
        KnownStatus known;
        status_.bind_in_place(1, service).bind_in_place(2, environment);
        if (status_.step()) known = {status_.text(0), status_.int64(1), status_.int64(2)};
        status_.reset();
        return statuses_.emplace(std::move(key), std::move(known)).first->second;
    }

    void apply(const JobUpdate& u) {
        const int64_t now = u.attempt ? u.attempt->started_at_ms + u.attempt->latency_ms : u.next_attempt_at_ms;
        const bool finished = !is_open(u.state);
        update_job_.bind_in_place(1, to_string(u.state))
            .bind(2, static_cast<int64_t>(u.attempts))
            .bind(3, u.next_attempt_at_ms)
            .bind(4, u.first_attempt_at_ms);
        if (u.attempt)
            update_job_.bind(5, static_cast<int64_t>(u.attempt->status_code));
        else
            update_job_.bind_null(5);
        update_job_.bind_in_place(6, u.last_error)
            .bind_in_place(7, u.response_excerpt)
            .bind_in_place(8, u.dead_reason)
            .bind(9, now)
            .bind(10, finished ? now : 0)
            .bind(11, u.job_id)
            .run();
        if (u.attempt) {
            const AttemptRecord& a = *u.attempt;
            insert_attempt_.bind(1, u.job_id)
                .bind(2, static_cast<int64_t>(a.number))
                .bind(3, a.started_at_ms)
                .bind(4, static_cast<int64_t>(a.status_code))
                .bind(5, a.latency_ms)
                .bind_in_place(6, a.outcome)
                .bind_in_place(7, a.error)
                .run();
        }
        if (u.receipt && !u.receipt->empty()) {
            with_receipts_->add(u.destination_hash);
            set_receipt_.bind(1, u.destination_hash).bind(2, u.deployment_id).bind(3, *u.receipt).run();
        }
    }

    std::string path_;
    Db db_;
    bool init_;
    Stmt status_, set_status_, insert_event_, insert_job_, update_job_, insert_attempt_, set_receipt_;
    std::shared_ptr<ReceiptDestinations> with_receipts_ = std::make_shared<ReceiptDestinations>();
    std::unordered_map<std::string, KnownStatus> statuses_;  // "service\nenvironment" (writer thread only)
    std::mutex checkpoint_mutex_;
    std::condition_variable checkpoint_wake_;
    bool checkpoint_stop_ = false;
    bool checkpoint_now_ = false;  // the writer wants a checkpoint before the second is up
    std::thread checkpointer_;
    // 4,000 frames, 16 MB with 4 KB pages: the writer's share of a checkpoint stalls commits, so
    // a larger WAL makes it rarer; the WAL stays near this size.
    static constexpr int kWalRestartFrames = 4000;
    int wal_frames_ = 0;  // frames in the WAL after the last commit (writer thread only)
    int checkpoint_at_frames_ = kWalRestartFrames;
    int checkpoint_asked_at_frames_ = 0;  // when the checkpoint thread was last woken (writer thread only)
};

}  // namespace

std::unique_ptr<Store> open_sqlite_store(const std::string& path) { return std::make_unique<SqliteStore>(path); }

}  // namespace herald
