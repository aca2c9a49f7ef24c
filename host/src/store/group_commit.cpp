#include "store/group_commit.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <future>
#include <utility>

#include "common/thread_name.hpp"

namespace herald {

GroupCommitter::GroupCommitter(Store& store, size_t max_batch, std::chrono::milliseconds probe_interval,
                               std::chrono::microseconds outcome_wait)
    : store_(store), max_batch_(max_batch), probe_interval_(probe_interval), outcome_wait_(outcome_wait) {}

GroupCommitter::~GroupCommitter() { stop(); }

void GroupCommitter::start() {
    thread_ = std::thread([this] {
        name_this_thread("herald-writer");
        run();
    });
}

void GroupCommitter::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
}

void GroupCommitter::submit(IngestItem item, Done done, Submitter submitter) {
    std::unique_lock lock(mutex_);
    if (stopping_) {
        lock.unlock();
        return done(std::string("shutting down"));
    }
    if (submitter == Submitter::lone_client && writer_idle_ && !committing_here_ && items_.empty() && ops_.empty() &&
        prune_before_ms_ == 0 && healthy_.load()) {
        return commit_here(lock, std::move(item), std::move(done));
    }
    items_.emplace_back(std::move(item), std::move(done));
    const bool wake = company_ == 0 || items_.size() >= company_;
    lock.unlock();
    if (wake) wake_.notify_one();
}

void GroupCommitter::commit_here(std::unique_lock<std::mutex>& lock, IngestItem item, Done done) {
    committing_here_ = true;
    Batch batch;
    batch.items.emplace_back(std::move(item), std::move(done));
    batch.updates.swap(updates_);
    lock.unlock();
    const bool committed = commit(batch);
    lock.lock();
    // Outcomes not written go back before any reported since, for the writer to try again.
    if (!committed)
        updates_.insert(updates_.begin(), std::make_move_iterator(batch.updates.begin()),
                        std::make_move_iterator(batch.updates.end()));
    committing_here_ = false;
    lock.unlock();
    wake_.notify_one();  // the writer may be waiting for its turn, or for these outcomes
}

void GroupCommitter::submit_updates(std::vector<JobUpdate> updates) {
    if (updates.empty()) return;
    bool wake = false;
    {
        std::lock_guard lock(mutex_);
        updates_.insert(updates_.end(), std::make_move_iterator(updates.begin()),
                        std::make_move_iterator(updates.end()));
        wake = company_ == 0;  // outcomes join the batch being gathered
    }
    if (wake) wake_.notify_one();
}

void GroupCommitter::prune(int64_t older_than_ms) {
    std::lock_guard lock(mutex_);
    prune_before_ms_ = older_than_ms;
    wake_.notify_one();
}

void GroupCommitter::run_on_writer(std::function<void(Store&)> op) {
    std::promise<void> done;
    auto finished = done.get_future();
    {
        std::lock_guard lock(mutex_);
        if (stopping_) throw StoreError("shutting down");
        ops_.push_back([&op, &done](Store& store) {
            try {
                op(store);
                done.set_value();
            } catch (...) {
                done.set_exception(std::current_exception());
            }
        });
    }
    wake_.notify_one();
    finished.get();
}

void GroupCommitter::run() {
    Batch batch;
    auto retry_delay = std::chrono::milliseconds(50);
    while (next_batch(batch)) {
        if (batch.items.empty() && batch.updates.empty()) continue;  // a lone client's commit took them
        if (commit(batch)) {
            retry_delay = std::chrono::milliseconds(50);
            continue;
        }
        // Outcomes the dispatcher already reported must not be lost: they stay for the next try.
        std::this_thread::sleep_for(retry_delay);
        retry_delay = std::min(retry_delay * 2, std::chrono::milliseconds(2000));
        std::lock_guard lock(mutex_);
        if (stopping_) {
            spdlog::error("store: {} job updates not written at shutdown; those jobs will be sent again",
                          batch.updates.size());
            return;
        }
    }
}

// Waits for work, runs admin operations and retention between commits, then moves the next
// batch (at most max_batch events; every update) into `batch`. False when stopping and done.
bool GroupCommitter::next_batch(Batch& batch) {
    std::unique_lock lock(mutex_);
    const auto has_work = [&] {
        return stopping_ || !items_.empty() || !updates_.empty() || !batch.updates.empty() || prune_before_ms_ > 0 ||
               !ops_.empty();
    };
    writer_idle_ = true;
    while (!has_work()) {
        if (healthy_.load()) {
            // A lone client's commit that fails leaves the store unhealthy: then probe it here.
            wake_.wait(lock, [&] { return has_work() || !healthy_.load(); });
            continue;
        }
        // Unhealthy and idle: intake refuses events while the store is unhealthy, so nothing
        // else would try it again. Probe it, so the host recovers on its own once it can write.
        if (!wake_.wait_for(lock, probe_interval_, has_work)) {
            take_turn(lock);
            lock.unlock();
            probe();
            lock.lock();
            writer_idle_ = true;
        }
    }
    take_turn(lock);
    const bool ran_operations = run_operations(lock);
    if (stopping_ && items_.empty() && updates_.empty() && batch.updates.empty()) {
        spdlog::info("store: {} commits carried {} events and {} job updates", commits_, events_total_, updates_total_);
        return false;
    }
    if (last_batch_ > 1 && items_.size() < max_batch_ && !stopping_) {
        // Group commit: when the last batch had company, give concurrent clients a moment to
        // join this one; one fsync then acknowledges them all, and outcomes ride along.
        company_ = last_batch_;
        wake_.wait_for(lock, std::chrono::microseconds(200), [&] { return stopping_ || items_.size() >= company_; });
        company_ = 0;
    } else if (items_.empty() && outcome_wait_.count() > 0 && !stopping_ && !ran_operations &&
               (!updates_.empty() || !batch.updates.empty())) {
        // A lone client never waits for company, but its delivery outcomes wait a moment for its
        // next event: it sends that event as the last one's delivery comes back, and committing
        // the outcome at once would make the event wait out a second fsync. That event may be
        // committed on the client's own thread meanwhile, taking the outcomes with it.
        company_ = 1;
        writer_idle_ = batch.updates.empty();  // outcomes kept from a failed commit are written first
        wake_.wait_for(lock, outcome_wait_, [&] {
            return stopping_ || !items_.empty() || !ops_.empty() || (updates_.empty() && batch.updates.empty());
        });
        take_turn(lock);
        company_ = 0;
    }
    const size_t take = std::min(items_.size(), max_batch_);
    batch.items.insert(batch.items.end(), std::make_move_iterator(items_.begin()),
                       std::make_move_iterator(items_.begin() + static_cast<std::ptrdiff_t>(take)));
    items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(take));
    batch.updates.insert(batch.updates.end(), std::make_move_iterator(updates_.begin()),
                         std::make_move_iterator(updates_.end()));
    updates_.clear();
    return true;
}

void GroupCommitter::take_turn(std::unique_lock<std::mutex>& lock) {
    wake_.wait(lock, [&] { return !committing_here_; });
    writer_idle_ = false;
}

// Admin operations and retention run between commits, without the lock held.
bool GroupCommitter::run_operations(std::unique_lock<std::mutex>& lock) {
    const bool any = !ops_.empty();
    if (any) {
        auto ops = std::move(ops_);
        ops_.clear();
        lock.unlock();
        for (auto& op : ops) op(store_);
        lock.lock();
    }
    if (prune_before_ms_ > 0) {
        const int64_t cutoff = std::exchange(prune_before_ms_, 0);
        lock.unlock();
        try {
            const size_t removed = store_.prune_finished(cutoff);
            if (removed > 0) spdlog::info("store: retention removed {} finished rows", removed);
        } catch (const StoreError& e) {
            spdlog::error("store: retention failed: {}", e.what());
        }
        lock.lock();
    }
    return any;
}

// One transaction for the batch. On success every submitter hears its outcome and new jobs go
// to the sink; on failure submitters hear the error and the updates stay in `batch`.
bool GroupCommitter::commit(Batch& batch) {
    std::vector<IngestItem> items;
    items.reserve(batch.items.size());
    for (auto& [item, done] : batch.items) items.push_back(std::move(item));
    std::vector<IngestOutcome> outcomes;
    try {
        outcomes = store_.commit(items, batch.updates);
    } catch (const StoreError& e) {
        if (healthy_.exchange(false)) spdlog::error("store: commit failed: {}", e.what());
        for (auto& [item, done] : batch.items) done(std::string(e.what()));
        batch.items.clear();
        return false;
    }
    ++commits_;
    events_total_ += items.size();
    last_batch_ = items.size();
    updates_total_ += batch.updates.size();
    if (!healthy_.exchange(true)) spdlog::info("store: writable again");
    batch.updates.clear();
    std::vector<AcceptedJobs> accepted;
    if (sink_ != nullptr) {
        for (size_t i = 0; i < items.size(); ++i) {
            if (outcomes[i].duplicate || outcomes[i].jobs.empty()) continue;
            accepted.push_back({std::move(outcomes[i].jobs), accepted_record(std::move(items[i]), outcomes[i])});
        }
    }
    // Submitters first: their answers are what clients wait for; the dispatcher's wake-up follows.
    for (size_t i = 0; i < items.size(); ++i) batch.items[i].second(std::move(outcomes[i]));
    batch.items.clear();
    if (!accepted.empty()) sink_->on_accepted(std::move(accepted));
    store_.after_commit();  // once every submitter has its answer
    return true;
}

void GroupCommitter::probe() {
    try {
        store_.probe(
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
                .count());
    } catch (const StoreError& e) {
        spdlog::debug("store: still not writable: {}", e.what());
        return;
    }
    if (!healthy_.exchange(true)) spdlog::info("store: writable again");
}

// The committed item is not needed again: its strings move into the record.
std::shared_ptr<const EventRecord> GroupCommitter::accepted_record(IngestItem&& item, const IngestOutcome& outcome) {
    auto event = std::make_shared<EventRecord>();
    event->seq = outcome.event_seq;
    event->id = std::move(item.event.id);
    event->source = std::move(item.source);
    event->service = std::move(item.event.service);
    event->environment = std::move(item.event.environment);
    event->status = std::string(to_string(item.event.status));
    event->deployment_id = std::move(item.event.deployment_id);
    event->json = std::move(item.event.json);
    event->accepted_at_ms = item.accepted_at_ms;
    event->recovery = outcome.recovery;
    return event;
}

}  // namespace herald
