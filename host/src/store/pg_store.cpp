// The PostgreSQL store: the same tables and rules as the SQLite store, for a database that
// outlives any one machine. A commit is acknowledged when PostgreSQL's COMMIT returns, so its
// durability is the server's `synchronous_commit` (docs/operations.md, Storage).
#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <tuple>

#include "store/pg_conn.hpp"
#include "store/pg_schema.hpp"
#include "store/pg_work_sharing.hpp"
#include "store/service_status.hpp"
#include "store/sql_queries.hpp"
#include "store/store_rows.hpp"

namespace herald {
namespace {

using pg::Connection;
using pg::param;

void migrate(Connection& c) {
    // Replicas starting together wait here in turn; each applies only what is missing.
    c.query("SELECT pg_advisory_lock($1)", {param(pg::kMigrationLock)});
    try {
        c.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT NOT NULL)");
        const int64_t applied = c.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").int64(0, 0);
        if (applied > static_cast<int64_t>(pg::kMigrations.size())) {
            throw StoreError("the store was written by a newer Herald (schema version " + std::to_string(applied) +
                             ")");
        }
        for (size_t i = static_cast<size_t>(applied); i < pg::kMigrations.size(); ++i) {
            pg::in_transaction(c, [&] {
                c.exec(pg::kMigrations[i]);
                c.query("INSERT INTO schema_migrations (version) VALUES ($1)", {param(static_cast<int64_t>(i + 1))});
            });
        }
    } catch (...) {
        c.query("SELECT pg_advisory_unlock($1)", {param(pg::kMigrationLock)});
        throw;
    }
    c.query("SELECT pg_advisory_unlock($1)", {param(pg::kMigrationLock)});
}

std::vector<pg::Param> to_pg(const std::vector<SqlParam>& params) {
    std::vector<pg::Param> out;
    out.reserve(params.size());
    for (const auto& p : params) {
        if (const auto* i = std::get_if<int64_t>(&p)) {
            out.push_back(param(*i));
        } else if (const auto* s = std::get_if<std::string>(&p)) {
            out.push_back(*s);
        } else {
            out.push_back(pg::null_param());
        }
    }
    return out;
}

class PgRows final : public SqlRows {
 public:
    explicit PgRows(pg::Result result) : result_(std::move(result)) {}
    bool next() override { return ++row_ < result_.rows(); }
    int64_t int64(int column) const override { return result_.int64(row_, column); }
    std::string text(int column) const override { return result_.text(row_, column); }

 private:
    pg::Result result_;
    int row_ = -1;
};

class PgQueries final : public SqlQueries {
 public:
    explicit PgQueries(const std::string& url) : c_(url) {}
    std::unique_ptr<SqlRows> query(const std::string& sql, const std::vector<SqlParam>& params) override {
        return std::make_unique<PgRows>(c_.read(sql, to_pg(params)));
    }

 private:
    Connection c_;
};

class PgReader final : public StoreReader {
 public:
    explicit PgReader(const std::string& url) : c_(url) {}

    std::optional<EventRecord> event(int64_t seq) override {
        PgRows r(c_.read(std::string("SELECT ") + rows::kEventColumns + " WHERE seq = $1", {param(seq)}));
        if (!r.next()) return std::nullopt;
        return rows::read_event(r);
    }

    std::optional<std::string> receipt(const std::string& destination_hash, const std::string& deployment_id) override {
        const auto r = c_.read("SELECT receipt FROM receipts WHERE destination_hash = $1 AND deployment_id = $2",
                               {destination_hash, deployment_id});
        if (r.rows() == 0) return std::nullopt;
        return r.text(0, 0);
    }

 private:
    Connection c_;
};

// A lane's row keeps its live owner, or takes the replica storing a job when it has none; the
// update always happens, so the row is locked until the transaction ends.
constexpr const char* kLaneOwner =
    " ON CONFLICT (lane) DO UPDATE SET owner = CASE WHEN EXISTS (SELECT 1 FROM replicas r WHERE r.id = lanes.owner "
    "AND r.lease_until_ms >= herald_now_ms()) THEN lanes.owner ELSE excluded.owner END RETURNING owner";

// One job of a new event, in one round trip: the lane's row first (the job's id is drawn from
// the row the lane insert returns, so after the lock), then the job, then NOTIFY to the owner.
const std::string kStoreJobInLane =
    std::string("WITH lane AS (INSERT INTO lanes (lane, owner) VALUES ($9, $10)") + kLaneOwner +
    "), job AS (INSERT INTO jobs (event_seq, team, channel, channel_type, destination_hash, reason, fallback, state, "
    "created_at_ms, updated_at_ms, lane) SELECT $1::BIGINT, $2, $3, $4, $5, $6, $7::INTEGER, 'pending', $8::BIGINT, "
    "$8::BIGINT, $9 FROM lane RETURNING id) "
    "SELECT job.id, pg_notify($11, lane.owner || E'\\t' || $9) FROM job, lane";

class PgStore final : public Store {
 public:
    explicit PgStore(const std::string& url) : url_(url), c_(url), replica_id_(pg::new_replica_id()) { migrate(c_); }

    // Items are stored in service+environment order (each pair's own in arrival order), taking
    // each pair's status row and then its lanes' rows in one order on every replica, so two
    // replicas' commits wait for each other instead of deadlocking.
    std::vector<IngestOutcome> commit(const std::vector<IngestItem>& items,
                                      const std::vector<JobUpdate>& updates) override {
        std::vector<size_t> order(items.size());
        for (size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
            const DeployEvent& x = items[a].event;
            const DeployEvent& y = items[b].event;
            return std::tie(x.service, x.environment) < std::tie(y.service, y.environment);
        });
        return pg::in_transaction(c_, [&] {
            std::vector<IngestOutcome> outcomes(items.size());
            for (size_t i : order) outcomes[i] = ingest(items[i]);
            for (const auto& update : updates) apply(update);
            return outcomes;
        });
    }

    void probe(int64_t now_ms) override {
        c_.query(
            "INSERT INTO store_probe (id, at_ms) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET at_ms = excluded.at_ms",
            {param(now_ms)});
    }

    // Every open job in the database; a replica gets only its lanes' ones, from work_sharing().
    std::vector<OpenJob> open_jobs() override {
        PgRows r(c_.query(std::string("SELECT ") + rows::kOpenJobColumns +
                          " WHERE j.state IN ('pending', 'retry') ORDER BY j.id"));
        std::vector<OpenJob> jobs;
        while (r.next()) jobs.push_back(rows::read_open_job(r));
        return jobs;
    }

    size_t prune_finished(int64_t older_than_ms) override {
        return pg::in_transaction(c_, [&] {
            const std::string finished = "state IN ('delivered', 'accepted', 'skipped') AND finished_at_ms < $1";
            c_.query("DELETE FROM attempts WHERE job_id IN (SELECT id FROM jobs WHERE " + finished + ")",
                     {param(older_than_ms)});
            auto removed = c_.query("DELETE FROM jobs WHERE " + finished, {param(older_than_ms)}).affected();
            removed += c_.query(
                             "DELETE FROM events WHERE accepted_at_ms < $1 AND NOT EXISTS "
                             "(SELECT 1 FROM jobs WHERE jobs.event_seq = events.seq)",
                             {param(older_than_ms)})
                           .affected();
            return static_cast<size_t>(removed);
        });
    }

    std::unique_ptr<StoreReader> reader() override { return std::make_unique<PgReader>(url_); }
    std::unique_ptr<AdminReader> admin_reader() override {
        return make_sql_admin_reader(std::make_unique<PgQueries>(url_));
    }
    std::unique_ptr<WorkSharing> work_sharing(const WorkSharingOptions& options) override {
        return pg::make_work_sharing(url_, replica_id_, options);
    }
    std::unique_ptr<RateLimits> shared_rate_limits() override { return pg::make_rate_limits(url_); }

    // A replayed job goes to its lane's owner (NOTIFY), which queues it behind the lane's other
    // jobs.
    std::vector<OpenJob> replay_dead(const std::vector<int64_t>& job_ids, int64_t now_ms) override {
        return pg::in_transaction(c_, [&] {
            std::vector<OpenJob> reopened;
            for (int64_t id : job_ids) {
                const auto reset = c_.query(
                    "UPDATE jobs SET state = 'pending', attempts = 0, next_attempt_at_ms = 0, first_attempt_at_ms = 0, "
                    "dead_reason = '', updated_at_ms = $1, finished_at_ms = 0 WHERE id = $2 AND state = 'dead' "
                    "RETURNING lane",
                    {param(now_ms), param(id)});
                if (reset.rows() == 0) continue;
                notify_owner(reset.text(0, 0), claim_lane(reset.text(0, 0)), id);
                PgRows r(c_.query(std::string("SELECT ") + rows::kOpenJobColumns + " WHERE j.id = $1", {param(id)}));
                if (r.next()) reopened.push_back(rows::read_open_job(r));
            }
            return reopened;
        });
    }

    bool drop_dead(int64_t job_id) override {
        return pg::in_transaction(c_, [&] {
            const bool dropped =
                c_.query("DELETE FROM jobs WHERE id = $1 AND state = 'dead'", {param(job_id)}).affected() > 0;
            if (dropped) c_.query("DELETE FROM attempts WHERE job_id = $1", {param(job_id)});
            return dropped;
        });
    }

 private:
    // The lane's live owner, or this replica when it has none. The row stays locked until the
    // transaction ends, so job ids within a lane are given out in commit order: the owner,
    // reading "jobs after the last one I have", never misses one that commits late.
    std::string claim_lane(const std::string& lane) {
        return c_
            .query(std::string("INSERT INTO lanes (lane, owner) VALUES ($1, $2)") + kLaneOwner, {lane, replica_id_})
            .text(0, 0);
    }

    // Delivered when the transaction commits (PostgreSQL folds repeats within one).
    void notify_owner(const std::string& lane, const std::string& owner, int64_t replayed_job = 0) {
        std::string payload = owner + '\t' + lane;
        if (replayed_job != 0) payload += '\t' + std::to_string(replayed_job);
        c_.query("SELECT pg_notify($1, $2)", {std::string(pg::kWorkChannel), payload});
    }

    IngestOutcome ingest(const IngestItem& item) {
        IngestOutcome out;
        const DeployEvent& e = item.event;
        // Last status per service+environment: a success after failures is a recovery.
        const auto status = c_.query(
            "SELECT failures, failing_since_ms FROM service_status WHERE service = $1 AND environment = $2 FOR UPDATE",
            {e.service, e.environment});
        const StatusStep step = next_status(e, item.accepted_at_ms, status.rows() > 0 ? status.int64(0, 0) : 0,
                                            status.rows() > 0 ? status.int64(0, 1) : 0);
        out.recovery = step.recovery;
        // The id is unique across replicas: one that another replica is storing right now waits
        // for its commit and is then a duplicate. The status row changes only with a new event.
        std::string sql =
            "WITH ev AS (INSERT INTO events (id, source, service, environment, status, deployment_id, json, "
            "accepted_at_ms, is_recovery, failures_before, failing_since_ms) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING RETURNING seq)";
        std::vector<pg::Param> params = {e.id,
                                         item.source,
                                         e.service,
                                         e.environment,
                                         std::string(to_string(e.status)),
                                         e.deployment_id,
                                         e.json,
                                         param(item.accepted_at_ms),
                                         param(out.recovery.is_recovery ? 1 : 0),
                                         param(static_cast<int64_t>(out.recovery.failures_before)),
                                         param(out.recovery.failing_since_ms)};
        if (step.write) {
            sql +=
                ", st AS (INSERT INTO service_status (service, environment, last_status, failures, failing_since_ms) "
                "SELECT $3, $4, $5, $12::BIGINT, $13::BIGINT FROM ev ON CONFLICT (service, environment) DO UPDATE SET "
                "last_status = excluded.last_status, failures = excluded.failures, "
                "failing_since_ms = excluded.failing_since_ms)";
            params.push_back(param(step.failures));
            params.push_back(param(step.failing_since_ms));
        }
        const auto inserted = c_.query(sql + " SELECT seq FROM ev", params);
        if (inserted.rows() == 0) {
            out = {};
            out.duplicate = true;
            return out;
        }
        out.event_seq = inserted.int64(0, 0);
        std::vector<std::pair<std::string, const JobTarget*>> lanes;
        for (const auto& t : item.targets)
            lanes.emplace_back(delivery_lane(t.team, t.channel, e.service, e.environment), &t);
        std::stable_sort(lanes.begin(), lanes.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        for (const auto& [lane, t] : lanes) {
            const int64_t id = c_.query(kStoreJobInLane,
                                        {param(out.event_seq), t->team, t->channel, t->channel_type,
                                         t->destination_hash, t->reason, param(t->fallback ? 1 : 0),
                                         param(item.accepted_at_ms), lane, replica_id_, std::string(pg::kWorkChannel)})
                                   .int64(0, 0);
            out.jobs.push_back(rows::accepted_job(id, out.event_seq, *t, item));
        }
        return out;
    }

    // The job's new state, its attempt and its receipt: one statement, one round trip.
    void apply(const JobUpdate& u) {
        const int64_t now = u.attempt ? u.attempt->started_at_ms + u.attempt->latency_ms : u.next_attempt_at_ms;
        const bool finished = !is_open(u.state);
        std::vector<pg::Param> params = {
            std::string(to_string(u.state)),
            param(static_cast<int64_t>(u.attempts)),
            param(u.next_attempt_at_ms),
            param(u.first_attempt_at_ms),
            u.attempt ? param(static_cast<int64_t>(u.attempt->status_code)) : pg::null_param(),
            u.last_error,
            u.response_excerpt,
            u.dead_reason,
            param(now),
            param(finished ? now : 0),
            param(u.job_id)};
        std::string sql =
            "WITH job AS (UPDATE jobs SET state = $1, attempts = $2::BIGINT, next_attempt_at_ms = $3::BIGINT, "
            "first_attempt_at_ms = $4::BIGINT, last_status = COALESCE($5::BIGINT, last_status), last_error = $6, "
            "response_excerpt = $7, dead_reason = $8, updated_at_ms = $9::BIGINT, finished_at_ms = $10::BIGINT "
            "WHERE id = $11::BIGINT)";
        if (u.attempt) {
            const AttemptRecord& a = *u.attempt;
            sql +=
                ", attempt AS (INSERT INTO attempts (job_id, number, started_at_ms, status_code, latency_ms, outcome, "
                "error) VALUES ($11::BIGINT, $12::BIGINT, $13::BIGINT, $14::BIGINT, $15::BIGINT, $16, $17))";
            for (auto p :
                 {param(static_cast<int64_t>(a.number)), param(a.started_at_ms),
                  param(static_cast<int64_t>(a.status_code)), param(a.latency_ms), param(a.outcome), param(a.error)}) {
                params.push_back(std::move(p));
            }
        }
        if (u.receipt && !u.receipt->empty()) {
            const size_t n = params.size();
            sql += fmt::format(
                ", receipt AS (INSERT INTO receipts (destination_hash, deployment_id, receipt) VALUES (${}, ${}, ${}) "
                "ON CONFLICT (destination_hash, deployment_id) DO UPDATE SET receipt = excluded.receipt)",
                n + 1, n + 2, n + 3);
            params.push_back(u.destination_hash);
            params.push_back(u.deployment_id);
            params.push_back(*u.receipt);
        }
        c_.query(sql + " SELECT 1", params);
    }

    std::string url_;
    Connection c_;
    std::string replica_id_;
};

}  // namespace

std::unique_ptr<Store> open_postgres_store(const std::string& url) { return std::make_unique<PgStore>(url); }

}  // namespace herald
