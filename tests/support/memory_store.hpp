// An in-memory Store: the contract suite holds it to the same rules as SQLite, and the group
// committer's tests run against it (and can make its commits fail on demand).
#pragma once

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <mutex>

#include "store/service_status.hpp"
#include "store/store.hpp"

namespace herald::test {

class MemoryStore final : public Store {
 public:
    struct Job {
        OpenJob open;
        JobState state = JobState::pending;
        std::string last_error, response_excerpt, dead_reason;
        int last_status = 0;
        int64_t updated_at_ms = 0, finished_at_ms = 0;
        std::vector<AttemptRecord> history;
    };
    struct Data {
        std::mutex mutex;
        std::vector<EventRecord> events;  // seq = index + 1
        std::map<int64_t, Job> jobs;
        std::map<std::pair<std::string, std::string>, std::pair<int64_t, int64_t>> status;  // failures, since
        std::map<std::pair<std::string, std::string>, std::string> last_status;
        std::map<std::pair<std::string, std::string>, std::string> receipts;
        int64_t next_job = 1;
        int fail_next_commits = 0;  // tests: that many commits throw StoreError
        bool unwritable = false;    // tests: every commit and probe throws until cleared
        int probes = 0;
        int commits = 0;
        // Writes in progress, counted before the lock: a store is used by one thread at a time,
        // so a second one at once is counted in `overlapping`.
        std::atomic<int> writing{0};
        std::atomic<int> overlapping{0};
        // Tests: runs as every commit starts, counted as writing, outside the lock. Set it
        // before the store is shared with another thread.
        std::function<void()> on_commit;
    };

    // Marks a write in progress for as long as it lives (see Data::writing).
    class Writing {
     public:
        explicit Writing(Data& data) : data_(data) {
            if (data_.writing.fetch_add(1) > 0) data_.overlapping.fetch_add(1);
        }
        ~Writing() { data_.writing.fetch_sub(1); }
        Writing(const Writing&) = delete;
        Writing& operator=(const Writing&) = delete;

     private:
        Data& data_;
    };

    std::vector<IngestOutcome> commit(const std::vector<IngestItem>& items,
                                      const std::vector<JobUpdate>& updates) override {
        const Writing writing(*d_);
        if (d_->on_commit) d_->on_commit();
        std::lock_guard lock(d_->mutex);
        if (d_->fail_next_commits > 0 || d_->unwritable) {
            if (!d_->unwritable) --d_->fail_next_commits;
            throw StoreError("disk full (simulated)");
        }
        ++d_->commits;
        std::vector<IngestOutcome> out;
        for (const auto& item : items) out.push_back(ingest(item));
        for (const auto& u : updates) apply(u);
        return out;
    }

    std::vector<OpenJob> open_jobs() override {
        std::lock_guard lock(d_->mutex);
        std::vector<OpenJob> out;
        for (auto& [id, job] : d_->jobs) {
            if (!is_open(job.state)) continue;
            OpenJob open = job.open;
            open.state = job.state;
            out.push_back(open);
        }
        return out;
    }

    void probe(int64_t) override {
        const Writing writing(*d_);
        std::lock_guard lock(d_->mutex);
        ++d_->probes;
        if (d_->unwritable) throw StoreError("disk full (simulated)");
    }

    size_t prune_finished(int64_t older_than_ms) override {
        std::lock_guard lock(d_->mutex);
        return std::erase_if(d_->jobs, [&](const auto& entry) {
            const Job& j = entry.second;
            return !is_open(j.state) && j.state != JobState::dead && j.finished_at_ms < older_than_ms;
        });
    }

    std::vector<OpenJob> replay_dead(const std::vector<int64_t>& ids, int64_t now_ms) override {
        std::lock_guard lock(d_->mutex);
        std::vector<OpenJob> out;
        for (int64_t id : ids) {
            auto it = d_->jobs.find(id);
            if (it == d_->jobs.end() || it->second.state != JobState::dead) continue;
            Job& j = it->second;
            j.state = JobState::pending;
            j.open.attempts = 0;
            j.open.first_attempt_at_ms = 0;
            j.open.next_attempt_at_ms = now_ms;
            j.dead_reason.clear();
            j.finished_at_ms = 0;
            OpenJob open = j.open;
            open.state = JobState::pending;
            out.push_back(open);
        }
        return out;
    }

    bool drop_dead(int64_t id) override {
        std::lock_guard lock(d_->mutex);
        auto it = d_->jobs.find(id);
        if (it == d_->jobs.end() || it->second.state != JobState::dead) return false;
        d_->jobs.erase(it);
        return true;
    }

    std::unique_ptr<StoreReader> reader() override { return std::make_unique<Reader>(d_); }
    std::unique_ptr<AdminReader> admin_reader() override { return std::make_unique<Admin>(d_); }

    Data& data() { return *d_; }

 private:
    IngestOutcome ingest(const IngestItem& item) {
        IngestOutcome out;
        const DeployEvent& e = item.event;
        if (std::any_of(d_->events.begin(), d_->events.end(), [&](const EventRecord& r) { return r.id == e.id; })) {
            out.duplicate = true;
            return out;
        }
        auto& [failures, since] = d_->status[{e.service, e.environment}];
        const StatusStep step = next_status(e, item.accepted_at_ms, failures, since);
        out.recovery = step.recovery;
        if (step.write) {
            d_->last_status[{e.service, e.environment}] = std::string(to_string(e.status));
            failures = step.failures;
            since = step.failing_since_ms;
        }
        EventRecord r{static_cast<int64_t>(d_->events.size()) + 1,
                      e.id,
                      item.source,
                      e.service,
                      e.environment,
                      std::string(to_string(e.status)),
                      e.deployment_id,
                      e.json,
                      item.accepted_at_ms,
                      out.recovery};
        d_->events.push_back(r);
        out.event_seq = r.seq;
        for (const auto& t : item.targets) {
            Job job;
            job.open = {d_->next_job++,
                        r.seq,
                        t,
                        e.service,
                        e.environment,
                        e.deployment_id,
                        JobState::pending,
                        0,
                        item.accepted_at_ms,
                        0,
                        item.accepted_at_ms};
            job.updated_at_ms = item.accepted_at_ms;
            out.jobs.push_back(job.open);
            d_->jobs[job.open.id] = std::move(job);
        }
        return out;
    }

    void apply(const JobUpdate& u) {
        auto it = d_->jobs.find(u.job_id);
        if (it == d_->jobs.end()) return;
        Job& j = it->second;
        const int64_t now = u.attempt ? u.attempt->started_at_ms + u.attempt->latency_ms : u.next_attempt_at_ms;
        j.state = u.state;
        j.open.attempts = u.attempts;
        j.open.next_attempt_at_ms = u.next_attempt_at_ms;
        j.open.first_attempt_at_ms = u.first_attempt_at_ms;
        if (u.attempt) {
            j.last_status = u.attempt->status_code;
            j.history.push_back(*u.attempt);
        }
        j.last_error = u.last_error;
        j.response_excerpt = u.response_excerpt;
        j.dead_reason = u.dead_reason;
        j.updated_at_ms = now;
        j.finished_at_ms = is_open(u.state) ? 0 : now;
        if (u.receipt && !u.receipt->empty()) d_->receipts[{u.destination_hash, u.deployment_id}] = *u.receipt;
    }

    static JobView view(const Data& d, const Job& j) {
        JobView v;
        v.id = j.open.id;
        v.event_id = d.events.at(static_cast<size_t>(j.open.event_seq - 1)).id;
        v.team = j.open.target.team;
        v.channel = j.open.target.channel;
        v.channel_type = j.open.target.channel_type;
        v.reason = j.open.target.reason;
        v.fallback = j.open.target.fallback;
        v.state = std::string(to_string(j.state));
        v.attempts = j.open.attempts;
        v.last_status = j.last_status;
        v.last_error = j.last_error;
        v.response_excerpt = j.response_excerpt;
        v.dead_reason = j.dead_reason;
        v.updated_at_ms = j.updated_at_ms;
        v.finished_at_ms = j.finished_at_ms;
        v.history = j.history;
        return v;
    }

    class Reader final : public StoreReader {
     public:
        explicit Reader(std::shared_ptr<Data> d) : d_(std::move(d)) {}
        std::optional<EventRecord> event(int64_t seq) override {
            std::lock_guard lock(d_->mutex);
            if (seq < 1 || seq > static_cast<int64_t>(d_->events.size())) return std::nullopt;
            return d_->events[static_cast<size_t>(seq - 1)];
        }
        std::optional<std::string> receipt(const std::string& destination, const std::string& deployment) override {
            std::lock_guard lock(d_->mutex);
            auto it = d_->receipts.find({destination, deployment});
            return it == d_->receipts.end() ? std::nullopt : std::optional<std::string>(it->second);
        }

     private:
        std::shared_ptr<Data> d_;
    };

    class Admin final : public AdminReader {
     public:
        explicit Admin(std::shared_ptr<Data> d) : d_(std::move(d)) {}
        std::vector<EventSummary> events(const EventListFilter& f) override {
            std::lock_guard lock(d_->mutex);
            std::vector<EventSummary> out;
            for (auto it = d_->events.rbegin(); it != d_->events.rend(); ++it) {
                const EventRecord& e = *it;
                if (e.accepted_at_ms < f.since_ms || (f.before_seq > 0 && e.seq >= f.before_seq)) continue;
                if ((!f.service.empty() && e.service != f.service) ||
                    (!f.environment.empty() && e.environment != f.environment) ||
                    (!f.status.empty() && e.status != f.status))
                    continue;
                EventSummary s{e.seq, e.id, e.source, e.service, e.environment, e.status, e.accepted_at_ms};
                for (const auto& [jid, j] : d_->jobs) {
                    if (j.open.event_seq != e.seq) continue;
                    ++s.deliveries;
                    if (j.state == JobState::delivered || j.state == JobState::accepted || j.state == JobState::skipped)
                        ++s.delivered;
                    if (j.state == JobState::dead) ++s.dead;
                }
                out.push_back(std::move(s));
                if (static_cast<int>(out.size()) == f.limit) break;
            }
            return out;
        }
        std::optional<EventDetails> event_by_id(const std::string& id) override {
            std::lock_guard lock(d_->mutex);
            for (const auto& e : d_->events) {
                if (e.id != id) continue;
                EventDetails out{e, {}};
                for (const auto& [jid, j] : d_->jobs)
                    if (j.open.event_seq == e.seq) out.jobs.push_back(view(*d_, j));
                return out;
            }
            return std::nullopt;
        }
        std::optional<JobView> job(int64_t id) override {
            std::lock_guard lock(d_->mutex);
            auto it = d_->jobs.find(id);
            return it == d_->jobs.end() ? std::nullopt : std::optional<JobView>(view(*d_, it->second));
        }
        std::vector<JobView> dead_letters(const DeadLetterFilter& f) override {
            std::lock_guard lock(d_->mutex);
            std::vector<JobView> out;
            for (const auto& [id, j] : d_->jobs) {
                if (j.state != JobState::dead || id <= f.after_id || j.updated_at_ms < f.since_ms) continue;
                if ((!f.team.empty() && j.open.target.team != f.team) ||
                    (!f.channel.empty() && j.open.target.channel != f.channel))
                    continue;
                out.push_back(view(*d_, j));
                if (static_cast<int>(out.size()) == f.limit) break;
            }
            return out;
        }
        std::vector<FailingService> failing_services() override {
            std::lock_guard lock(d_->mutex);
            std::vector<FailingService> out;
            for (const auto& [pair, state] : d_->status) {
                if (state.first > 0) out.push_back({pair.first, pair.second, state.second, state.first});
            }
            return out;
        }
        ServiceStatusPage service_statuses(const ServiceStatusFilter& filter) override {
            std::lock_guard lock(d_->mutex);
            ServiceStatusPage page;
            std::vector<std::string> services;
            for (const auto& [pair, status] : d_->last_status) {
                if (pair.first.find(filter.search) == std::string::npos) continue;
                if (services.empty() || services.back() != pair.first) services.push_back(pair.first);
            }
            page.total_services = static_cast<int64_t>(services.size());
            const size_t from = std::min<size_t>(static_cast<size_t>(filter.offset), services.size());
            const size_t to = std::min<size_t>(from + static_cast<size_t>(filter.limit), services.size());
            for (const auto& [pair, status] : d_->last_status) {
                if (std::find(services.begin() + from, services.begin() + to, pair.first) == services.begin() + to)
                    continue;
                const auto& [failures, since] = d_->status[pair];
                page.rows.push_back({pair.first, pair.second, status, failures, failures > 0 ? since : 0});
            }
            return page;
        }
        int64_t count_dead() override {
            std::lock_guard lock(d_->mutex);
            return std::count_if(d_->jobs.begin(), d_->jobs.end(),
                                 [](const auto& e) { return e.second.state == JobState::dead; });
        }

     private:
        std::shared_ptr<Data> d_;
    };

    std::shared_ptr<Data> d_ = std::make_shared<Data>();
};

}  // namespace herald::test
