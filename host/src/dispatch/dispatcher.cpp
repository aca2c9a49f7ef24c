#include "dispatch/dispatcher.hpp"

#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>

#include <utility>

#include "common/log.hpp"
#include "common/secret_masking.hpp"
#include "common/thread_name.hpp"
#include "message/message_renderer.hpp"

namespace herald {
namespace json = boost::json;
namespace {

constexpr size_t kExcerptChars = 500;

// Queued work belongs to a channel by team and name, not by its settings: editing a setting
// must not strand or reorder what is already queued for it.
std::string fifo_key(const OpenJob& job) { return delivery_lane(job); }

std::string excerpt(const std::string& body, const std::vector<std::string>& secrets) {
    std::string cut = body.size() > kExcerptChars ? body.substr(0, kExcerptChars) + "…" : body;
    return mask_secrets(std::move(cut), secrets);
}

}  // namespace

Dispatcher::Dispatcher(ConfigSource config, JobUpdateSink& updates, std::unique_ptr<StoreReader> reader,
                       const Clock& clock, std::unique_ptr<Transport> transport, DispatcherOptions options,
                       HeraldMetrics* metrics)
    : config_(std::move(config)),
      updates_(updates),
      reader_(std::move(reader)),
      clock_(clock),
      transport_(std::move(transport)),
      options_(options),
      metrics_(metrics),
      random_(options.random_seed != 0 ? options.random_seed : std::random_device{}()) {}

Dispatcher::~Dispatcher() { stop(0); }

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

void Dispatcher::load(std::vector<OpenJob> jobs) {
    for (auto& job : jobs) {
        counters_.open_jobs.fetch_add(1);
        enqueue({std::move(job), nullptr});
    }
}

void Dispatcher::start() {
    thread_ = std::thread([this] {
        name_this_thread("herald-dispatch");
        run();
    });
}

void Dispatcher::stop(int64_t grace_ms) {
    if (!thread_.joinable()) return;
    stop_deadline_ms_.store(clock_.now_unix_ms() + grace_ms);
    stopping_.store(true);
    transport_->wakeup();
    thread_.join();
}

void Dispatcher::on_accepted(std::vector<AcceptedJobs> batch) {
    int64_t added = 0;
    {
        std::lock_guard lock(inbox_mutex_);
        for (auto& accepted : batch) {
            for (auto& job : accepted.jobs) inbox_.push_back({std::move(job), accepted.event});
            added += static_cast<int64_t>(accepted.jobs.size());
        }
    }
    counters_.open_jobs.fetch_add(added);
    transport_->wakeup();
}

void Dispatcher::on_new_jobs(std::vector<OpenJob> jobs, std::shared_ptr<const EventRecord> event) {
    std::vector<AcceptedJobs> batch;
    batch.push_back({std::move(jobs), std::move(event)});
    on_accepted(std::move(batch));
}

void Dispatcher::forget_shared_jobs() {
    {
        std::lock_guard lock(inbox_mutex_);
        counters_.open_jobs.fetch_sub(static_cast<int64_t>(inbox_.size()));
        inbox_.clear();
        forget_requested_ = true;
    }
    transport_->wakeup();
}

void Dispatcher::work_allowed_until(int64_t local_ms) {
    const int64_t before = work_allowed_until_ms_.exchange(local_ms);
    if (local_ms > before) transport_->wakeup();
}

void Dispatcher::take_inbox() {
    std::vector<QueuedJob> jobs;
    bool forget = false;
    {
        std::lock_guard lock(inbox_mutex_);
        jobs.swap(inbox_);
        forget = std::exchange(forget_requested_, false);
    }
    if (forget) forget_all();  // before the jobs that came after the request
    for (auto& job : jobs) enqueue(std::move(job));
}

// Other replicas own this replica's lanes now. Queued jobs are dropped (they stay open in the
// store for their new owners), and requests in flight finish unrecorded: their jobs are sent
// again by the new owner, the duplicates the lease's loss can cost.
void Dispatcher::forget_all() {
    int64_t dropped = 0;
    for (const auto& [key, fifo] : fifos_) dropped += static_cast<int64_t>(fifo.jobs.size() + fifo.compacted.size());
    counters_.open_jobs.fetch_sub(dropped);
    fifos_.clear();
    ready_ = {};
    for (auto& [token, flight] : in_flight_) flight.forgotten = true;
    if (dropped > 0)
        spdlog::warn(
            "dispatch: this replica's lease ran out; {} queued deliveries left to the replicas that own their lanes "
            "now",
            dropped);
}

void Dispatcher::enqueue(QueuedJob queued) {
    const std::string key = fifo_key(queued.job);
    Fifo& fifo = fifos_[key];
    // Behind the head, a job keeps its event and fields while the backlog is short (no store read
    // when it reaches the head); in a long one it is compacted and its event read again then.
    if (!fifo.compacted.empty() || (!fifo.jobs.empty() && counters_.open_jobs.load() > kKeepEventsUpToOpenJobs)) {
        fifo.compacted.push_back(
            compact(std::move(queued.job), fifo.compacted.empty() ? nullptr : &fifo.compacted.back()));
        return;
    }
    const int64_t due = queued.job.next_attempt_at_ms;
    fifo.jobs.push_back(std::move(queued));
    if (fifo.jobs.size() == 1 && !fifo.busy) schedule(key, fifo, due);
}

void Dispatcher::schedule(const std::string& key, Fifo& fifo, int64_t due_ms) {
    fifo.due_ms = due_ms;
    ready_.emplace(due_ms, key);
}

void Dispatcher::run() {
    while (!stopping_.load() || (!in_flight_.empty() && clock_.now_unix_ms() < stop_deadline_ms_.load())) {
        step(stopping_.load() ? 50 : 1000);
    }
    if (!in_flight_.empty()) {
        spdlog::warn("dispatch: {} deliveries still in flight at the end of the grace period; they stay pending",
                     in_flight_.size());
    }
}

void Dispatcher::step(int max_wait_ms) {
    take_inbox();
    const int64_t now = clock_.now_unix_ms();
    refresh_oldest(now);
    const bool may_start = now < work_allowed_until_ms_.load();
    while (may_start && !stopping_.load() && !ready_.empty() && ready_.top().first <= now &&
           in_flight_.size() < options_.max_in_flight) {
        auto [due, key] = ready_.top();
        ready_.pop();
        auto it = fifos_.find(key);
        if (it == fifos_.end() || it->second.busy || it->second.due_ms != due || it->second.jobs.empty()) continue;
        start_head(key, now);
    }
    int timeout = max_wait_ms;
    if (may_start && !ready_.empty() && in_flight_.size() < options_.max_in_flight && !stopping_.load()) {
        timeout = static_cast<int>(std::clamp<int64_t>(ready_.top().first - now, 0, max_wait_ms));
    }
    for (auto& result : transport_->perform(timeout)) complete(std::move(result));
    // One hand-off per round: the writer wakes once for every outcome of the round.
    if (!reports_.empty()) updates_.submit_updates(std::exchange(reports_, {}));
}

void Dispatcher::report(JobUpdate update) { reports_.push_back(std::move(update)); }

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

std::optional<std::string> Dispatcher::render_head(Fifo& fifo, const std::shared_ptr<const RuntimeConfig>& config,
                                                   const ChannelConfig& channel) {
    const QueuedJob& head = fifo.jobs.front();
    const OpenJob& job = head.job;
    const EventRecord& event = *head.event;
    RenderContext ctx;
    ctx.attempt = job.attempts + 1;
    ctx.is_recovery = event.recovery.is_recovery;
    ctx.failures_before = event.recovery.failures_before;
    ctx.failing_since_unix_ms = event.recovery.failing_since_ms;
    ctx.accepted_at_unix_ms = event.accepted_at_ms;
    ctx.previous_receipt = fifo.step > 1 && !fifo.step_receipt.empty()
                               ? fifo.step_receipt
                               : reader_->receipt(job.target.destination_hash, job.deployment_id).value_or("");
    ctx.team = job.target.team;
    ctx.channel_name = job.target.channel;
    ctx.step = fifo.step;
    if (channel.message) ctx.message_json = message_for(event, job, ctx, channel);
    auto rendered = channel.instance->render(event.json, ctx);
    if (auto* error = std::get_if<std::string>(&rendered)) {
        return "render failed: " + mask_secrets(*error, channel.secret_values);
    }
    HttpRequest& request = std::get<HttpRequest>(rendered);
    if (!request.skip) {
        // The host's allowlist binds every request, whatever the plugin built it from.
        if (auto refused = destinations_.check(config, channel.type, request.url)) return refused;
    }
    fifo.rate_key = !channel.policy.rate_limit_key.empty() ? "key:" + channel.policy.rate_limit_key
                    : !request.rate_limit_key.empty()      ? "plugin:" + request.rate_limit_key
                                                           : "url:" + request.url;
    fifo.rendered = std::move(request);
    return std::nullopt;
}

// The channel's customised message, or empty (the default message) when a template fails: a
// broken template costs the customisation, never the notification.
std::string Dispatcher::message_for(const EventRecord& event, const OpenJob& job, const RenderContext& ctx,
                                    const ChannelConfig& channel) {
    try {
        const json::value parsed = json::parse(event.json);
        return render_message(*channel.message, parsed.as_object(),
                              {ctx.team, ctx.channel_name, ctx.is_recovery, ctx.failures_before});
    } catch (const std::exception& e) {
        if (metrics_ != nullptr) metrics_->template_fallback(job.target.team, job.target.channel);
        log::event(spdlog::level::warn, {event.id, job.target.team, job.target.channel, job.attempts + 1},
                   std::string("dispatch: message template failed, sending the default message: ") + e.what());
        return {};
    }
}

void Dispatcher::start_head(const std::string& key, int64_t now) {
    Fifo& fifo = fifos_[key];
    QueuedJob& head = fifo.jobs.front();
    OpenJob& job = head.job;
    auto config = config_();
    const ChannelConfig* channel = config->channel(job.target.team, job.target.channel);

    const std::string& type = job.target.channel_type;
    if (channel == nullptr) {
        return dead_letter(key, fifo, type,
                           "channel '" + job.target.team + "/" + job.target.channel + "' is no longer configured",
                           std::nullopt, now);
    }
    if (!channel->instance) return dead_letter(key, fifo, type, "channel has no plugin instance", std::nullopt, now);
    std::optional<std::string> refused;
    try {
        if (!head.event) {
            auto record = reader_->event(job.event_seq);
            if (!record) return dead_letter(key, fifo, type, "event record missing from the store", std::nullopt, now);
            head.event = std::make_shared<const EventRecord>(std::move(*record));
        }
        if (!fifo.rendered) refused = render_head(fifo, config, *channel);
        if (!refused && !fifo.rendered->skip) {
            const DeliveryPolicy& policy = channel->policy;
            const int64_t allowed = limits_->take(fifo.rate_key, policy.rate_per_second, policy.burst, now);
            if (allowed > now) return schedule(key, fifo, allowed);
        }
    } catch (const StoreError& e) {
        // The store cannot be read just now (e.g. the database restarts): the job waits, in
        // its place, and is tried again shortly.
        log::event(spdlog::level::warn, {head.event ? head.event->id : "", job.target.team, job.target.channel, 0},
                   std::string("dispatch: cannot read the store, trying again in 1 s: ") + e.what());
        return schedule(key, fifo, now + kStoreRetryMs);
    }
    if (refused) return dead_letter(key, fifo, channel->type, *refused, std::nullopt, now);
    if (fifo.rendered->skip) {
        if (metrics_ != nullptr) metrics_->delivery(channel->type, "skipped");
        return finish_head(key, fifo, update_for(job, JobState::skipped), now);
    }

    if (job.first_attempt_at_ms == 0) job.first_attempt_at_ms = now;
    const uint64_t token = next_token_++;
    in_flight_[token] = {key, now, config, channel};
    fifo.busy = true;
    transport_->start(token, *fifo.rendered);
}

void Dispatcher::complete(TransportResult result) {
    auto node = in_flight_.extract(result.token);
    if (node.empty()) return;
    InFlight& flight = node.mapped();
    if (flight.forgotten) return;
    Fifo& fifo = fifos_[flight.fifo_key];
    fifo.busy = false;
    OpenJob& job = fifo.jobs.front().job;
    const EventRecord& event = *fifo.jobs.front().event;
    const ChannelConfig& channel = *flight.channel;
    const int64_t now = clock_.now_unix_ms();

    Attempt attempt;
    attempt.fifo_key = flight.fifo_key;
    attempt.channel = flight.channel;
    attempt.record.number = job.attempts + 1;
    attempt.record.started_at_ms = flight.started_ms;
    attempt.record.latency_ms = result.latency_ms;
    attempt.record.status_code = result.ok ? result.response.status_code : 0;

    Classification verdict;
    if (!result.ok) {
        verdict = {HERALD_OUTCOME_RETRY, -1, result.error, {}};
    } else {
        auto classified = channel.instance->classify(event.json, result.response);
        if (auto* error = std::get_if<std::string>(&classified)) {
            verdict = {HERALD_OUTCOME_RETRY, -1, "classify failed: " + *error, {}};
        } else {
            verdict = std::get<Classification>(classified);
        }
    }
    attempt.reason = mask_secrets(verdict.reason, channel.secret_values);
    attempt.record.error = attempt.reason;
    attempt.body_excerpt = result.ok ? excerpt(result.response.body, channel.secret_values) : "";
    job.attempts = attempt.record.number;

    switch (verdict.outcome) {
        case HERALD_OUTCOME_DELIVERED:
        case HERALD_OUTCOME_ACCEPTED:
            return delivered(fifo, verdict, std::move(attempt), now);
        case HERALD_OUTCOME_REJECTED: {
            attempt.record.outcome = "rejected";
            // Copies first: the arguments' order of evaluation is unspecified and `attempt` moves.
            const std::string key = attempt.fifo_key;
            std::string why = "rejected by the channel: " + attempt.reason;
            return dead_letter(key, fifo, channel.type, std::move(why), std::move(attempt), now);
        }
        case HERALD_OUTCOME_RETRY:
            break;
    }
    attempt.record.outcome = result.ok ? "retry" : "transport_error";
    retry_later(fifo, verdict, std::move(attempt), now);
}

void Dispatcher::delivered(Fifo& fifo, const Classification& verdict, Attempt attempt, int64_t now) {
    const OpenJob& job = fifo.jobs.front().job;
    const EventRecord& event = *fifo.jobs.front().event;
    const ChannelConfig& channel = *attempt.channel;
    const bool confirmed = verdict.outcome == HERALD_OUTCOME_DELIVERED;
    const bool more = fifo.rendered && fifo.rendered->follow_up && fifo.step < kMaxDeliverySteps;
    attempt.record.outcome = confirmed ? "delivered" : "accepted";
    if (spdlog::should_log(spdlog::level::debug)) {  // the line is built only when it is written
        log::event(spdlog::level::debug, {event.id, job.target.team, job.target.channel, attempt.record.number},
                   fmt::format("dispatch: {} (HTTP {}, {} ms){}", attempt.record.outcome, attempt.record.status_code,
                               attempt.record.latency_ms, more ? ", the plugin has a further request" : ""));
    }
    JobUpdate u = update_for(job, more ? JobState::retry : confirmed ? JobState::delivered : JobState::accepted);
    u.attempt = attempt.record;
    if (!verdict.receipt.empty()) u.receipt = verdict.receipt;
    if (more) {
        // The plugin has another request for this delivery (e.g. a thread reply after an update
        // in place): the job stays open, and its next step renders with this step's receipt.
        if (!verdict.receipt.empty()) fifo.step_receipt = verdict.receipt;
        ++fifo.step;
        report(std::move(u));
        fifo.rendered.reset();
        return schedule(attempt.fifo_key, fifo, now);
    }
    if (metrics_ != nullptr) {
        metrics_->delivery(channel.type, attempt.record.outcome);
        metrics_->delivery_latency(channel.type, confirmed, static_cast<double>(now - event.accepted_at_ms) / 1000.0);
    }
    finish_head(attempt.fifo_key, fifo, std::move(u), now);
}

// Honours Retry-After, lets a 429 pause this destination's rate-limit key only, and gives up
// (dead-letter) past the channel's retry count or time bound.
void Dispatcher::retry_later(Fifo& fifo, const Classification& verdict, Attempt attempt, int64_t now) {
    OpenJob& job = fifo.jobs.front().job;
    const ChannelConfig& channel = *attempt.channel;
    const DeliveryPolicy& policy = channel.policy;
    const uint32_t number = attempt.record.number;
    int64_t delay = backoff_ms(policy, number);
    if (verdict.retry_after_ms >= 0) {
        delay = std::max(delay, verdict.retry_after_ms);
        pause(fifo.rate_key, now + verdict.retry_after_ms, now);
    } else if (attempt.record.status_code == 429) {
        pause(fifo.rate_key, now + delay, now);
    }
    const bool out_of_retries = number > policy.max_retries;
    const bool out_of_time =
        policy.give_up_after_ms > 0 && now + delay - job.first_attempt_at_ms > policy.give_up_after_ms;
    if (out_of_retries || out_of_time) {
        const std::string why = out_of_retries ? "gave up after " + std::to_string(number) + " attempts"
                                               : "gave up: next retry would pass the " +
                                                     std::to_string(policy.give_up_after_ms / 1000) + " s limit";
        const std::string key = attempt.fifo_key;
        std::string full = why + "; last error: " + attempt.reason;
        return dead_letter(key, fifo, channel.type, std::move(full), std::move(attempt), now);
    }
    if (metrics_ != nullptr) metrics_->retry(channel.type);
    log::event(spdlog::level::info, {fifo.jobs.front().event->id, job.target.team, job.target.channel, number},
               fmt::format("dispatch: will retry in {} ms: {}", delay, attempt.reason));
    job.state = JobState::retry;
    job.next_attempt_at_ms = now + delay;
    JobUpdate u = update_for(job, JobState::retry);
    u.attempt = attempt.record;
    u.last_error = attempt.reason;
    u.response_excerpt = attempt.body_excerpt;
    report(std::move(u));
    fifo.rendered.reset();  // the next attempt renders again (attempt number, receipts)
    schedule(attempt.fifo_key, fifo, job.next_attempt_at_ms);
}

// A pause the store cannot share just now still holds this replica's lane back (the retry's own
// delay); the other replicas learn of the next one.
void Dispatcher::pause(const std::string& rate_key, int64_t until_ms, int64_t now) {
    try {
        limits_->pause_until(rate_key, until_ms, now);
    } catch (const StoreError& e) {
        spdlog::warn("dispatch: cannot share a Retry-After pause: {}", e.what());
    }
}

void Dispatcher::dead_letter(const std::string& key, Fifo& fifo, const std::string& channel_type, std::string why,
                             std::optional<Attempt> attempt, int64_t now) {
    const QueuedJob& head = fifo.jobs.front();
    const OpenJob& job = head.job;
    counters_.dead_letters.fetch_add(1);
    if (metrics_ != nullptr) metrics_->delivery(channel_type, "dead");
    const std::string event_id = head.event ? head.event->id : "seq:" + std::to_string(job.event_seq);
    log::event(spdlog::level::warn, {event_id, job.target.team, job.target.channel, job.attempts + (attempt ? 0 : 1)},
               "dispatch: dead-lettered: " + why);
    JobUpdate u = update_for(job, JobState::dead);
    u.dead_reason = std::move(why);
    if (attempt) {
        u.attempt = attempt->record;
        u.last_error = attempt->reason;
        u.response_excerpt = attempt->body_excerpt;
    }
    finish_head(key, fifo, std::move(u), now);
}

void Dispatcher::finish_head(const std::string& key, Fifo& fifo, JobUpdate update, int64_t now) {
    report(std::move(update));
    counters_.open_jobs.fetch_sub(1);
    fifo.jobs.pop_front();
    if (fifo.jobs.empty() && !fifo.compacted.empty()) {
        fifo.jobs.push_back({expand(std::move(fifo.compacted.front())), nullptr});
        fifo.compacted.pop_front();
    }
    fifo.rendered.reset();
    fifo.step = 1;
    fifo.step_receipt.clear();
    if (fifo.jobs.empty()) {
        fifos_.erase(key);
        return;
    }
    schedule(key, fifo, std::max(now, fifo.jobs.front().job.next_attempt_at_ms));
}

}  // namespace herald
