#include "dispatch/dispatcher.hpp"

#include <spdlog/spdlog.h>

#include "common/log.hpp"

namespace herald {
namespace {

constexpr size_t kExcerptChars = 500;

// Queued work belongs to a channel by team and name, not by its settings: editing a setting
// must not strand or reorder what is already queued for it.
std::string fifo_key(const OpenJob& job) {
    return job.target.team + '/' + job.target.channel + '\n' + job.service + '\n' + job.environment;
}

std::string excerpt(const std::string& body, const std::vector<std::string>& secrets) {
    std::string cut = body.size() > kExcerptChars ? body.substr(0, kExcerptChars) + "…" : body;
    return mask_secrets(std::move(cut), secrets);
}

}  // namespace

Dispatcher::Dispatcher(ConfigSource config, GroupCommitter& committer, std::unique_ptr<StoreReader> reader,
                       const Clock& clock, DispatcherOptions options, HeraldMetrics* metrics)
    : config_(std::move(config)),
      committer_(committer),
      reader_(std::move(reader)),
      clock_(clock),
      options_(options),
      metrics_(metrics),
      transport_(options.transport) {}

// The oldest open job is at the head of some FIFO (each FIFO is in acceptance order).
void Dispatcher::refresh_oldest(int64_t now) {
    if (now - oldest_refreshed_ms_ < 1000) return;
    oldest_refreshed_ms_ = now;
    int64_t oldest = 0;
    for (const auto& [key, fifo] : fifos_) {
        const int64_t accepted = fifo.jobs.front().job.accepted_at_ms;
        if (oldest == 0 || accepted < oldest) oldest = accepted;
    }
    counters_.oldest_open_accepted_ms.store(oldest);
}

Dispatcher::~Dispatcher() { stop(0); }

void Dispatcher::load(std::vector<OpenJob> jobs) {
    for (auto& job : jobs) {
        counters_.open_jobs.fetch_add(1);
        enqueue({std::move(job), nullptr});
    }
}

void Dispatcher::start() {
    thread_ = std::thread([this] { run(); });
}

void Dispatcher::stop(int64_t grace_ms) {
    if (!thread_.joinable()) return;
    stop_deadline_ms_.store(clock_.now_unix_ms() + grace_ms);
    stopping_.store(true);
    transport_.wakeup();
    thread_.join();
}

void Dispatcher::on_new_jobs(std::vector<OpenJob> jobs, std::shared_ptr<const EventRecord> event) {
    {
        std::lock_guard lock(inbox_mutex_);
        for (auto& job : jobs) inbox_.push_back({std::move(job), event});
    }
    counters_.open_jobs.fetch_add(static_cast<int64_t>(jobs.size()));
    transport_.wakeup();
}

void Dispatcher::take_inbox() {
    std::vector<QueuedJob> jobs;
    {
        std::lock_guard lock(inbox_mutex_);
        jobs.swap(inbox_);
    }
    for (auto& job : jobs) enqueue(std::move(job));
}

void Dispatcher::enqueue(QueuedJob queued) {
    const std::string key = fifo_key(queued.job);
    Fifo& fifo = fifos_[key];
    if (!fifo.jobs.empty()) queued.event.reset();  // loaded again when it reaches the head
    const int64_t due = queued.job.next_attempt_at_ms;
    fifo.jobs.push_back(std::move(queued));
    if (fifo.jobs.size() == 1 && !fifo.busy) schedule(key, fifo, due);
}

void Dispatcher::schedule(const std::string& key, Fifo& fifo, int64_t due_ms) {
    fifo.due_ms = due_ms;
    ready_.emplace(due_ms, key);
}

void Dispatcher::run() {
    while (true) {
        take_inbox();
        const int64_t now = clock_.now_unix_ms();
        refresh_oldest(now);
        if (stopping_.load() && (in_flight_.empty() || now >= stop_deadline_ms_.load())) break;

        while (!stopping_.load() && !ready_.empty() && ready_.top().first <= now &&
               in_flight_.size() < options_.max_in_flight) {
            auto [due, key] = ready_.top();
            ready_.pop();
            auto it = fifos_.find(key);
            if (it == fifos_.end() || it->second.busy || it->second.due_ms != due || it->second.jobs.empty()) continue;
            start_head(key, now);
        }
        int timeout = 1000;
        if (!ready_.empty() && in_flight_.size() < options_.max_in_flight && !stopping_.load()) {
            timeout = static_cast<int>(std::clamp<int64_t>(ready_.top().first - now, 0, 1000));
        }
        if (stopping_.load()) timeout = 50;
        for (auto& result : transport_.perform(timeout)) complete(std::move(result));
    }
    if (!in_flight_.empty()) {
        spdlog::warn("dispatch: {} deliveries still in flight at the end of the grace period; they stay pending",
                     in_flight_.size());
    }
}

JobUpdate Dispatcher::update_for(const OpenJob& job, JobState state) const {
    JobUpdate u;
    u.job_id = job.id;
    u.state = state;
    u.attempts = job.attempts;
    u.next_attempt_at_ms = job.next_attempt_at_ms;
    u.first_attempt_at_ms = job.first_attempt_at_ms;
    u.destination_hash = job.target.destination_hash;
    u.deployment_id = job.deployment_id;
    return u;
}

int64_t Dispatcher::backoff_ms(const DeliveryPolicy& policy, uint32_t attempt) {
    double delay = policy.initial_backoff_ms;
    for (uint32_t i = 1; i < attempt && delay < policy.max_backoff_ms; ++i) delay *= 2;
    delay = std::min<double>(delay, policy.max_backoff_ms);
    // Equal jitter: half fixed, half random, so retries from many jobs spread out.
    std::uniform_real_distribution<double> jitter(0.0, delay / 2);
    return static_cast<int64_t>(delay / 2 + jitter(random_));
}

void Dispatcher::start_head(const std::string& key, int64_t now) {
    Fifo& fifo = fifos_[key];
    QueuedJob& head = fifo.jobs.front();
    OpenJob& job = head.job;
    auto config = config_();
    const ChannelConfig* channel = config->channel(job.target.team, job.target.channel);

    auto dead = [&](const std::string& reason) {
        counters_.dead_letters.fetch_add(1);
        if (metrics_ != nullptr) metrics_->delivery(job.target.channel_type, "dead");
        const std::string event_id = head.event ? head.event->id : "seq:" + std::to_string(job.event_seq);
        log::event(spdlog::level::warn, {event_id, job.target.team, job.target.channel, job.attempts + 1},
                   "dispatch: dead-lettered: " + reason);
        JobUpdate u = update_for(job, JobState::dead);
        u.dead_reason = reason;
        finish_head(key, fifo, std::move(u), now);
    };
    if (channel == nullptr) {
        return dead("channel '" + job.target.team + "/" + job.target.channel + "' is no longer configured");
    }
    if (!channel->instance) return dead("channel has no plugin instance");
    if (!head.event) {
        auto record = reader_->event(job.event_seq);
        if (!record) return dead("event record missing from the store");
        head.event = std::make_shared<const EventRecord>(std::move(*record));
    }
    const EventRecord& event = *head.event;

    if (!fifo.rendered) {
        RenderContext ctx;
        ctx.attempt = job.attempts + 1;
        ctx.is_recovery = event.recovery.is_recovery;
        ctx.failures_before = event.recovery.failures_before;
        ctx.failing_since_unix_ms = event.recovery.failing_since_ms;
        ctx.accepted_at_unix_ms = event.accepted_at_ms;
        ctx.previous_receipt = reader_->receipt(job.target.destination_hash, job.deployment_id).value_or("");
        ctx.team = job.target.team;
        ctx.channel_name = job.target.channel;
        auto rendered = channel->instance->render(event.json, ctx);
        if (auto* error = std::get_if<std::string>(&rendered)) {
            return dead("render failed: " + mask_secrets(*error, channel->secret_values));
        }
        HttpRequest& request = std::get<HttpRequest>(rendered);
        if (!request.skip) {
            // The host's allowlist binds every request, whatever the plugin built it from.
            if (auto refused = check_destination(config->host.destinations, channel->type, request.url)) {
                return dead(*refused);
            }
        }
        if (request.skip) {
            if (metrics_ != nullptr) metrics_->delivery(channel->type, "skipped");
            return finish_head(key, fifo, update_for(job, JobState::skipped), now);
        }
        fifo.rate_key = !channel->policy.rate_limit_key.empty() ? "key:" + channel->policy.rate_limit_key
                        : !request.rate_limit_key.empty()       ? "plugin:" + request.rate_limit_key
                                                                : "url:" + request.url;
        fifo.rendered = std::move(request);
    }

    const DeliveryPolicy& policy = channel->policy;
    const int64_t allowed = limiter_.allowed_at(fifo.rate_key, policy.rate_per_second, policy.burst, now);
    if (allowed > now) return schedule(key, fifo, allowed);
    limiter_.consume(fifo.rate_key, policy.rate_per_second, now);

    if (job.first_attempt_at_ms == 0) job.first_attempt_at_ms = now;
    const uint64_t token = next_token_++;
    in_flight_[token] = {key, now, config, channel};
    fifo.busy = true;
    transport_.start(token, *fifo.rendered);
}

void Dispatcher::complete(TransportResult result) {
    auto node = in_flight_.extract(result.token);
    if (node.empty()) return;
    InFlight& flight = node.mapped();
    Fifo& fifo = fifos_[flight.fifo_key];
    fifo.busy = false;
    OpenJob& job = fifo.jobs.front().job;
    const EventRecord& event = *fifo.jobs.front().event;
    const ChannelConfig& channel = *flight.channel;
    const int64_t now = clock_.now_unix_ms();
    const uint32_t attempt = job.attempts + 1;

    AttemptRecord record;
    record.number = attempt;
    record.started_at_ms = flight.started_ms;
    record.latency_ms = result.latency_ms;
    record.status_code = result.ok ? result.response.status_code : 0;

    Classification verdict;
    if (!result.ok) {
        verdict = {HERALD_OUTCOME_RETRY, -1, result.error, {}};
        record.outcome = "transport_error";
    } else {
        auto classified = channel.instance->classify(event.json, result.response);
        if (auto* error = std::get_if<std::string>(&classified)) {
            verdict = {HERALD_OUTCOME_RETRY, -1, "classify failed: " + *error, {}};
        } else {
            verdict = std::get<Classification>(classified);
        }
    }
    const std::string reason = mask_secrets(verdict.reason, channel.secret_values);
    record.error = reason;
    job.attempts = attempt;

    const log::EventFields fields{event.id, job.target.team, job.target.channel, attempt};
    if (verdict.outcome == HERALD_OUTCOME_DELIVERED || verdict.outcome == HERALD_OUTCOME_ACCEPTED) {
        const bool confirmed = verdict.outcome == HERALD_OUTCOME_DELIVERED;
        record.outcome = confirmed ? "delivered" : "accepted";
        if (metrics_ != nullptr) {
            metrics_->delivery(channel.type, record.outcome);
            metrics_->delivery_latency(channel.type, confirmed,
                                       static_cast<double>(now - event.accepted_at_ms) / 1000.0);
        }
        log::event(spdlog::level::debug, fields,
                   fmt::format("dispatch: {} (HTTP {}, {} ms)", record.outcome, record.status_code, record.latency_ms));
        JobUpdate u = update_for(job, confirmed ? JobState::delivered : JobState::accepted);
        u.attempt = record;
        if (!verdict.receipt.empty()) u.receipt = verdict.receipt;
        return finish_head(flight.fifo_key, fifo, std::move(u), now);
    }

    const std::string body_excerpt = result.ok ? excerpt(result.response.body, channel.secret_values) : "";
    if (verdict.outcome == HERALD_OUTCOME_REJECTED) {
        record.outcome = "rejected";
        counters_.dead_letters.fetch_add(1);
        if (metrics_ != nullptr) metrics_->delivery(channel.type, "dead");
        log::event(spdlog::level::warn, fields,
                   fmt::format("dispatch: rejected (HTTP {}): {}; dead-lettered", record.status_code, reason));
        JobUpdate u = update_for(job, JobState::dead);
        u.attempt = record;
        u.last_error = reason;
        u.response_excerpt = body_excerpt;
        u.dead_reason = "rejected by the channel: " + reason;
        return finish_head(flight.fifo_key, fifo, std::move(u), now);
    }

    // Retry: honour Retry-After, and let a 429 pause this destination's rate-limit key only.
    if (!result.ok)
        record.outcome = "transport_error";
    else
        record.outcome = "retry";
    const DeliveryPolicy& policy = channel.policy;
    int64_t delay = backoff_ms(policy, attempt);
    if (verdict.retry_after_ms >= 0) {
        delay = std::max(delay, verdict.retry_after_ms);
        limiter_.pause_until(fifo.rate_key, now + verdict.retry_after_ms);
    } else if (record.status_code == 429) {
        limiter_.pause_until(fifo.rate_key, now + delay);
    }
    const bool out_of_retries = attempt > policy.max_retries;
    const bool out_of_time =
        policy.give_up_after_ms > 0 && now + delay - job.first_attempt_at_ms > policy.give_up_after_ms;
    if (out_of_retries || out_of_time) {
        counters_.dead_letters.fetch_add(1);
        if (metrics_ != nullptr) metrics_->delivery(channel.type, "dead");
        const std::string why = out_of_retries ? "gave up after " + std::to_string(attempt) + " attempts"
                                               : "gave up: next retry would pass the " +
                                                     std::to_string(policy.give_up_after_ms / 1000) + " s limit";
        log::event(spdlog::level::warn, fields, fmt::format("dispatch: dead-lettered: {}: {}", why, reason));
        JobUpdate u = update_for(job, JobState::dead);
        u.attempt = record;
        u.last_error = reason;
        u.response_excerpt = body_excerpt;
        u.dead_reason = why + "; last error: " + reason;
        return finish_head(flight.fifo_key, fifo, std::move(u), now);
    }
    if (metrics_ != nullptr) metrics_->retry(channel.type);
    log::event(spdlog::level::info, fields, fmt::format("dispatch: will retry in {} ms: {}", delay, reason));
    job.state = JobState::retry;
    job.next_attempt_at_ms = now + delay;
    JobUpdate u = update_for(job, JobState::retry);
    u.attempt = record;
    u.last_error = reason;
    u.response_excerpt = body_excerpt;
    committer_.submit_updates({std::move(u)});
    fifo.rendered.reset();  // the next attempt renders again (attempt number, receipts)
    schedule(flight.fifo_key, fifo, job.next_attempt_at_ms);
}

void Dispatcher::finish_head(const std::string& key, Fifo& fifo, JobUpdate update, int64_t now) {
    committer_.submit_updates({std::move(update)});
    counters_.open_jobs.fetch_sub(1);
    fifo.jobs.pop_front();
    fifo.rendered.reset();
    if (fifo.jobs.empty()) {
        fifos_.erase(key);
        return;
    }
    schedule(key, fifo, std::max(now, fifo.jobs.front().job.next_attempt_at_ms));
}

}  // namespace herald
