#include <memory>

#include "store/sqlite_db.hpp"
#include "store/sqlite_rows.hpp"
#include "store/store.hpp"

namespace herald {
namespace {

using sqlite::Db;
using sqlite::Stmt;

constexpr const char* kJobColumns =
    "j.id, e.id, j.team, j.channel, j.channel_type, j.reason, j.fallback, j.state, j.attempts, j.last_status, "
    "j.last_error, j.response_excerpt, j.dead_reason, j.created_at_ms, j.updated_at_ms, j.finished_at_ms, "
    "j.next_attempt_at_ms FROM jobs j JOIN events e ON e.seq = j.event_seq";

class SqliteAdminReader final : public AdminReader {
 public:
    explicit SqliteAdminReader(const std::string& path) : db_(path, SQLITE_OPEN_READONLY) {}

    std::vector<EventSummary> events(const EventListFilter& f) override {
        // Delivered covers the channels that confirmed (delivered) and those that only accepted.
        std::string sql =
            "SELECT e.seq, e.id, e.source, e.service, e.environment, e.status, e.accepted_at_ms, "
            "(SELECT COUNT(*) FROM jobs j WHERE j.event_seq = e.seq), "
            "(SELECT COUNT(*) FROM jobs j WHERE j.event_seq = e.seq AND j.state IN ('delivered', 'accepted', "
            "'skipped')), "
            "(SELECT COUNT(*) FROM jobs j WHERE j.event_seq = e.seq AND j.state = 'dead') "
            "FROM events e WHERE e.accepted_at_ms >= ?";
        if (f.before_seq > 0) sql += " AND e.seq < ?";
        if (!f.service.empty()) sql += " AND e.service = ?";
        if (!f.environment.empty()) sql += " AND e.environment = ?";
        if (!f.status.empty()) sql += " AND e.status = ?";
        sql += " ORDER BY e.seq DESC LIMIT ?";
        Stmt s(db_, sql.c_str());
        int i = 1;
        s.bind(i++, f.since_ms);
        if (f.before_seq > 0) s.bind(i++, f.before_seq);
        if (!f.service.empty()) s.bind(i++, f.service);
        if (!f.environment.empty()) s.bind(i++, f.environment);
        if (!f.status.empty()) s.bind(i++, f.status);
        s.bind(i++, static_cast<int64_t>(f.limit));
        std::vector<EventSummary> out;
        while (s.step()) {
            out.push_back({s.int64(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), s.int64(6),
                           static_cast<int>(s.int64(7)), static_cast<int>(s.int64(8)), static_cast<int>(s.int64(9))});
        }
        return out;
    }

    std::optional<EventDetails> event_by_id(const std::string& id) override {
        Stmt e(
            db_,
            "SELECT seq, id, source, service, environment, status, deployment_id, json, accepted_at_ms, is_recovery, "
            "failures_before, failing_since_ms FROM events WHERE id = ?");
        e.bind(1, id);
        if (!e.step()) return std::nullopt;
        EventDetails d;
        d.event = sqlite::read_event(e);
        const EventRecord& r = d.event;
        Stmt jobs(db_, (std::string("SELECT ") + kJobColumns + " WHERE j.event_seq = ? ORDER BY j.id").c_str());
        jobs.bind(1, r.seq);
        while (jobs.step()) d.jobs.push_back(read_job(jobs));
        for (auto& job : d.jobs) load_history(job);
        return d;
    }

    std::optional<JobView> job(int64_t job_id) override {
        Stmt s(db_, (std::string("SELECT ") + kJobColumns + " WHERE j.id = ?").c_str());
        s.bind(1, job_id);
        if (!s.step()) return std::nullopt;
        JobView v = read_job(s);
        load_history(v);
        return v;
    }

    std::vector<JobView> dead_letters(const DeadLetterFilter& f) override {
        std::string sql =
            std::string("SELECT ") + kJobColumns + " WHERE j.state = 'dead' AND j.id > ? AND j.updated_at_ms >= ?";
        if (!f.team.empty()) sql += " AND j.team = ?";
        if (!f.channel.empty()) sql += " AND j.channel = ?";
        sql += " ORDER BY j.id LIMIT ?";
        Stmt s(db_, sql.c_str());
        s.bind(1, f.after_id);
        s.bind(2, f.since_ms);
        int i = 3;
        if (!f.team.empty()) s.bind(i++, f.team);
        if (!f.channel.empty()) s.bind(i++, f.channel);
        s.bind(i++, static_cast<int64_t>(f.limit));
        std::vector<JobView> out;
        while (s.step()) out.push_back(read_job(s));
        return out;
    }

    std::vector<FailingService> failing_services() override {
        Stmt s(db_,
               "SELECT service, environment, failing_since_ms, failures FROM service_status WHERE failures > 0 "
               "ORDER BY service, environment");
        std::vector<FailingService> out;
        while (s.step()) out.push_back({s.text(0), s.text(1), s.int64(2), s.int64(3)});
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
        Stmt count(db_, "SELECT COUNT(DISTINCT service) FROM service_status WHERE service LIKE ? ESCAPE '\\'");
        count.bind(1, pattern);
        if (count.step()) page.total_services = count.int64(0);
        Stmt s(db_,
               "SELECT service, environment, last_status, failures, failing_since_ms FROM service_status "
               "WHERE service IN (SELECT DISTINCT service FROM service_status WHERE service LIKE ?1 ESCAPE '\\' "
               "ORDER BY service LIMIT ?2 OFFSET ?3) ORDER BY service, environment");
        s.bind(1, pattern).bind(2, static_cast<int64_t>(filter.limit)).bind(3, filter.offset);
        while (s.step()) {
            page.rows.push_back(
                {s.text(0), s.text(1), s.text(2), s.int64(3), s.int64(4) > 0 && s.int64(3) > 0 ? s.int64(4) : 0});
        }
        return page;
    }

    int64_t count_dead() override {
        Stmt s(db_, "SELECT COUNT(*) FROM jobs WHERE state = 'dead'");
        s.step();
        return s.int64(0);
    }

 private:
    static JobView read_job(Stmt& s) {
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
        Stmt a(db_,
               "SELECT number, started_at_ms, status_code, latency_ms, outcome, error FROM attempts WHERE job_id = ? "
               "ORDER BY id");
        a.bind(1, v.id);
        while (a.step()) {
            v.history.push_back({static_cast<uint32_t>(a.int64(0)), a.int64(1), static_cast<int>(a.int64(2)),
                                 a.int64(3), a.text(4), a.text(5)});
        }
    }

    Db db_;
};

}  // namespace

std::unique_ptr<AdminReader> open_sqlite_admin_reader(const std::string& path) {
    return std::make_unique<SqliteAdminReader>(path);
}

}  // namespace herald
