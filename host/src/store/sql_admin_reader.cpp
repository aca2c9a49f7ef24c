#include "store/sql_queries.hpp"
#include "store/store_rows.hpp"

namespace herald {
namespace {

constexpr const char* kJobColumns =
    "j.id, e.id, j.team, j.channel, j.channel_type, j.reason, j.fallback, j.state, j.attempts, j.last_status, "
    "j.last_error, j.response_excerpt, j.dead_reason, j.created_at_ms, j.updated_at_ms, j.finished_at_ms, "
    "j.next_attempt_at_ms FROM jobs j JOIN events e ON e.seq = j.event_seq";

// Appends " AND <column> = $N" with the next parameter number when `value` is given.
void and_equals(std::string& sql, std::vector<SqlParam>& params, const char* column, const std::string& value) {
    if (value.empty()) return;
    params.emplace_back(value);
    sql += std::string(" AND ") + column + " = $" + std::to_string(params.size());
}

class SqlAdminReader final : public AdminReader {
 public:
    explicit SqlAdminReader(std::unique_ptr<SqlQueries> db) : db_(std::move(db)) {}

    std::vector<EventSummary> events(const EventListFilter& f) override {
        // Delivered covers the channels that confirmed (delivered) and those that only accepted.
        std::string sql =
            "SELECT e.seq, e.id, e.source, e.service, e.environment, e.status, e.accepted_at_ms, "
            "(SELECT COUNT(*) FROM jobs j WHERE j.event_seq = e.seq), "
            "(SELECT COUNT(*) FROM jobs j WHERE j.event_seq = e.seq AND j.state IN ('delivered', 'accepted', "
            "'skipped')), "
            "(SELECT COUNT(*) FROM jobs j WHERE j.event_seq = e.seq AND j.state = 'dead') "
            "FROM events e WHERE e.accepted_at_ms >= $1";
        std::vector<SqlParam> params{f.since_ms};
        if (f.before_seq > 0) {
            params.emplace_back(f.before_seq);
            sql += " AND e.seq < $" + std::to_string(params.size());
        }
        and_equals(sql, params, "e.service", f.service);
        and_equals(sql, params, "e.environment", f.environment);
        and_equals(sql, params, "e.status", f.status);
        params.emplace_back(static_cast<int64_t>(f.limit));
        sql += " ORDER BY e.seq DESC LIMIT $" + std::to_string(params.size());
        auto s = db_->query(sql, params);
        std::vector<EventSummary> out;
        while (s->next()) {
            out.push_back({s->int64(0), s->text(1), s->text(2), s->text(3), s->text(4), s->text(5), s->int64(6),
                           static_cast<int>(s->int64(7)), static_cast<int>(s->int64(8)),
                           static_cast<int>(s->int64(9))});
        }
        return out;
    }

    std::optional<EventDetails> event_by_id(const std::string& id) override {
        auto e = db_->query(std::string("SELECT ") + rows::kEventColumns + " WHERE id = $1", {id});
        if (!e->next()) return std::nullopt;
        EventDetails d;
        d.event = rows::read_event(*e);
        auto jobs =
            db_->query(std::string("SELECT ") + kJobColumns + " WHERE j.event_seq = $1 ORDER BY j.id", {d.event.seq});
        while (jobs->next()) d.jobs.push_back(read_job(*jobs));
        for (auto& job : d.jobs) load_history(job);
        return d;
    }

    std::optional<JobView> job(int64_t job_id) override {
        auto s = db_->query(std::string("SELECT ") + kJobColumns + " WHERE j.id = $1", {job_id});
        if (!s->next()) return std::nullopt;
        JobView v = read_job(*s);
        load_history(v);
        return v;
    }

    std::vector<JobView> dead_letters(const DeadLetterFilter& f) override {
        std::string sql =
            std::string("SELECT ") + kJobColumns + " WHERE j.state = 'dead' AND j.id > $1 AND j.updated_at_ms >= $2";
        std::vector<SqlParam> params{f.after_id, f.since_ms};
        and_equals(sql, params, "j.team", f.team);
        and_equals(sql, params, "j.channel", f.channel);
        params.emplace_back(static_cast<int64_t>(f.limit));
        sql += " ORDER BY j.id LIMIT $" + std::to_string(params.size());
        auto s = db_->query(sql, params);
        std::vector<JobView> out;
        while (s->next()) out.push_back(read_job(*s));
        return out;
    }

    std::vector<FailingService> failing_services() override {
        auto s = db_->query(
            "SELECT service, environment, failing_since_ms, failures FROM service_status WHERE failures > 0 "
            "ORDER BY service, environment");
        std::vector<FailingService> out;
        while (s->next()) out.push_back({s->text(0), s->text(1), s->int64(2), s->int64(3)});
        return out;
    }

    ServiceStatusPage service_statuses(const ServiceStatusFilter& filter) override {
        std::string pattern = "%";
        for (char c : filter.search) {
            if (c == '%' || c == '_' || c == '\\') pattern += '\\';
            pattern += c;
        }
        pattern += "%";
        ServiceStatusPage page;
        auto count = db_->query("SELECT COUNT(DISTINCT service) FROM service_status WHERE service LIKE $1 ESCAPE '\\'",
                                {pattern});
        if (count->next()) page.total_services = count->int64(0);
        auto s = db_->query(
            "SELECT service, environment, last_status, failures, failing_since_ms FROM service_status "
            "WHERE service IN (SELECT DISTINCT service FROM service_status WHERE service LIKE $1 ESCAPE '\\' "
            "ORDER BY service LIMIT $2 OFFSET $3) ORDER BY service, environment",
            {pattern, static_cast<int64_t>(filter.limit), filter.offset});
        while (s->next()) {
            const int64_t failures = s->int64(3);
            page.rows.push_back({s->text(0), s->text(1), s->text(2), failures, failures > 0 ? s->int64(4) : 0});
        }
        return page;
    }

    int64_t count_dead() override {
        auto s = db_->query("SELECT COUNT(*) FROM jobs WHERE state = 'dead'");
        return s->next() ? s->int64(0) : 0;
    }

 private:
    static JobView read_job(const SqlRows& s) {
        JobView v;
        v.id = s.int64(0);
        v.event_id = s.text(1);
        v.team = s.text(2);
        v.channel = s.text(3);
        v.channel_type = s.text(4);
        v.reason = s.text(5);
        v.fallback = s.int64(6) != 0;
        v.state = s.text(7);
        v.attempts = static_cast<uint32_t>(s.int64(8));
        v.last_status = static_cast<int>(s.int64(9));
        v.last_error = s.text(10);
        v.response_excerpt = s.text(11);
        v.dead_reason = s.text(12);
        v.created_at_ms = s.int64(13);
        v.updated_at_ms = s.int64(14);
        v.finished_at_ms = s.int64(15);
        v.next_attempt_at_ms = s.int64(16);
        return v;
    }

    void load_history(JobView& v) {
        auto a = db_->query(
            "SELECT number, started_at_ms, status_code, latency_ms, outcome, error FROM attempts WHERE job_id = $1 "
            "ORDER BY id",
            {v.id});
        while (a->next()) {
            v.history.push_back({static_cast<uint32_t>(a->int64(0)), a->int64(1), static_cast<int>(a->int64(2)),
                                 a->int64(3), a->text(4), a->text(5)});
        }
    }

    std::unique_ptr<SqlQueries> db_;
};

}  // namespace

std::unique_ptr<AdminReader> make_sql_admin_reader(std::unique_ptr<SqlQueries> db) {
    return std::make_unique<SqlAdminReader>(std::move(db));
}

}  // namespace herald
