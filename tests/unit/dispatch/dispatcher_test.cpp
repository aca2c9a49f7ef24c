// The dispatcher's rules, driven step by step with a fake transport and fake time: retry
// schedule, Retry-After, rate limits per key, ordering under retries, give-up and dead-letters.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "dispatch/dispatcher.hpp"
#include "plugins/plugin_fixture.hpp"

namespace herald {
namespace {

class FakeClock final : public Clock {
 public:
    int64_t now_unix_ms() const override { return now; }
    int64_t now = 1'000'000;
};

// Records what the dispatcher starts; the test answers each request when it likes.
class FakeTransport final : public Transport {
 public:
    struct Started {
        uint64_t token;
        HttpRequest request;
        int64_t at_ms;
    };
    explicit FakeTransport(const FakeClock& clock) : clock_(clock) {}
    void start(uint64_t token, const HttpRequest& request) override { started.push_back({token, request, clock_.now}); }
    std::vector<TransportResult> perform(int) override {
        std::vector<TransportResult> out;
        out.swap(answers_);
        return out;
    }
    void wakeup() override {}
    void answer(const Started& s, int status, HeaderList headers = {}, std::string body = {}) {
        TransportResult r;
        r.token = s.token;
        r.ok = true;
        r.response.status_code = status;
        r.response.headers = std::move(headers);
        r.response.body = !body.empty() ? std::move(body) : status < 300 ? "ok" : "failure";
        answers_.push_back(std::move(r));
    }
    std::vector<Started> started;

 private:
    const FakeClock& clock_;
    std::vector<TransportResult> answers_;
};

class RecordingSink final : public JobUpdateSink {
 public:
    void submit_updates(std::vector<JobUpdate> u) override {
        ++submissions;
        for (auto& x : u) updates.push_back(std::move(x));
    }
    std::vector<JobUpdate> updates;
    size_t submissions = 0;
};

// The events the test accepted: the dispatcher reads a queued job's event back when the job
// reaches the head of its FIFO.
class EventsReader final : public StoreReader {
 public:
    EventsReader(const std::map<int64_t, EventRecord>& events, const std::optional<std::string>& receipt, int& reads)
        : events_(events), receipt_(receipt), reads_(reads) {}
    std::optional<EventRecord> event(int64_t seq) override {
        ++reads_;
        const auto it = events_.find(seq);
        return it == events_.end() ? std::nullopt : std::optional<EventRecord>(it->second);
    }
    std::optional<std::string> receipt(const std::string&, const std::string&) override { return receipt_; }

 private:
    const std::map<int64_t, EventRecord>& events_;
    const std::optional<std::string>& receipt_;  // the stored receipt every lookup finds
    int& reads_;                                 // events read back from the store
};

std::unique_ptr<ChannelConfig> webhook(const std::string& team, const std::string& name, const std::string& url,
                                       DeliveryPolicy policy) {
    auto c = std::make_unique<ChannelConfig>();
    c->team = team;
    c->name = name;
    c->type = "webhook";
    c->policy = policy;
    c->instance = test::make_channel("webhook", R"({"url":")" + url + R"("})");
    return c;
}

class DispatcherRules : public ::testing::Test {
 protected:
    void configure(std::vector<std::unique_ptr<ChannelConfig>> channels) {
        RoutingConfig routing;
        for (auto& c : channels) routing.add_channel(std::move(c));
        HostConfig host;
        host.destinations.hosts["webhook"] = {"*.example.com"};
        host.destinations.hosts["slack"] = {"*.example.com"};
        config_ = RuntimeConfig::make(std::move(host), RoutingTable(std::move(routing)));
    }

    // One webhook channel, payments/hook, and a dispatcher over it.
    void start_with_one_channel(const std::string& url, DeliveryPolicy policy) {
        std::vector<std::unique_ptr<ChannelConfig>> channels;
        channels.push_back(webhook("payments", "hook", url, policy));
        configure(std::move(channels));
        make_dispatcher();
    }

    void make_dispatcher(HeraldMetrics* metrics = nullptr) {
        auto transport = std::make_unique<FakeTransport>(clock_);
        transport_ = transport.get();
        DispatcherOptions options;
        options.random_seed = 42;
        dispatcher_ = std::make_unique<Dispatcher>([this] { return config_; }, sink_,
                                                   std::make_unique<EventsReader>(events_, receipt_, event_reads_),
                                                   clock_, std::move(transport), options, metrics);
    }

    // Queues one event's job for team/channel.
    void add_job(int64_t id, const std::string& service, const std::string& team = "payments",
                 const std::string& channel = "hook", const std::string& destination_hash = "hash") {
        OpenJob job;
        job.id = id;
        job.event_seq = id;
        job.target = {team, channel, "webhook", destination_hash, "owner", false};
        job.service = service;
        job.environment = "production";
        job.deployment_id = service + "/" + std::to_string(id);
        job.next_attempt_at_ms = clock_.now;
        job.accepted_at_ms = clock_.now;
        auto event = std::make_shared<EventRecord>();
        event->seq = id;
        event->id = "event-" + std::to_string(id);
        event->json = R"({"id":"event-)" + std::to_string(id) + R"(","service":")" + service +
                      R"(","environment":"production","status":")" + status_ + R"(","version":"1"})";
        event->accepted_at_ms = clock_.now;
        events_[id] = *event;
        dispatcher_->on_new_jobs({job}, event);
    }

    void advance_to(int64_t t) {
        clock_.now = t;
        dispatcher_->step(0);
    }
    const FakeTransport::Started& last() const { return transport_->started.back(); }
    std::vector<JobState> states() const {
        std::vector<JobState> out;
        for (const auto& u : sink_.updates) out.push_back(u.state);
        return out;
    }

    FakeClock clock_;
    RecordingSink sink_;
    std::map<int64_t, EventRecord> events_;
    std::optional<std::string> receipt_;
    int event_reads_ = 0;
    FakeTransport* transport_ = nullptr;
    std::shared_ptr<const RuntimeConfig> config_;
    std::unique_ptr<Dispatcher> dispatcher_;
    const DeliveryPolicy policy_{3, 1000, 8000, 0, 0, 1, {}};
    std::string status_ = "succeeded";  // of the events add_job queues
};

TEST_F(DispatcherRules, DeliversAndReportsTheAttempt) {
    start_with_one_channel("https://hooks.example.com/a", policy_);
    add_job(1, "payments-api");
    dispatcher_->step(0);
    ASSERT_EQ(transport_->started.size(), 1u);
    EXPECT_EQ(last().request.url, "https://hooks.example.com/a");
    transport_->answer(last(), 200);
    dispatcher_->step(0);
    ASSERT_EQ(sink_.updates.size(), 1u);
    EXPECT_EQ(sink_.updates[0].state, JobState::delivered);
    EXPECT_EQ(sink_.updates[0].attempt->status_code, 200);
    EXPECT_EQ(dispatcher_->counters().open_jobs.load(), 0);
}

// A round's outcomes reach the writer in one hand-off (one wake-up of the writer per round).
TEST_F(DispatcherRules, HandsARoundsOutcomesToTheWriterTogether) {
    start_with_one_channel("https://hooks.example.com/a", policy_);
    add_job(1, "payments-api");
    add_job(2, "ledger-api");
    dispatcher_->step(0);
    ASSERT_EQ(transport_->started.size(), 2u);
    transport_->answer(transport_->started[0], 200);
    transport_->answer(transport_->started[1], 200);
    dispatcher_->step(0);
    EXPECT_EQ(sink_.submissions, 1u);
    EXPECT_EQ(states(), (std::vector<JobState>{JobState::delivered, JobState::delivered}));
}

// In a short backlog a queued job keeps its event, so reaching the head costs no store read.
TEST_F(DispatcherRules, AQueuedJobKeepsItsEventInAShortBacklog) {
    start_with_one_channel("https://hooks.example.com/a", policy_);
    add_job(1, "payments-api");
    add_job(2, "payments-api");
    dispatcher_->step(0);
    transport_->answer(last(), 200);
    dispatcher_->step(0);  // the first is delivered
    dispatcher_->step(0);  // the second, now the head, starts
    ASSERT_EQ(transport_->started.size(), 2u);
    EXPECT_NE(transport_->started[1].request.body.find("event-2"), std::string::npos);
    EXPECT_EQ(event_reads_, 0);
}

// Past 4,096 open jobs, jobs queued behind a head are kept compacted: each still reaches the
// head whole (its own destination, its event read back) and in acceptance order.
TEST_F(DispatcherRules, ALongBacklogIsDeliveredWholeAndInOrder) {
    start_with_one_channel("https://hooks.example.com/a", policy_);
    constexpr int kJobs = 5000;
    const auto hash_of = [](int id) { return id % 3 == 0 ? "hash-a" : "hash-b"; };
    for (int id = 1; id <= kJobs; ++id) add_job(id, "payments-api", "payments", "hook", hash_of(id));
    for (int i = 1; i <= kJobs; ++i) {
        dispatcher_->step(0);  // starts the head
        ASSERT_EQ(transport_->started.size(), static_cast<size_t>(i));
        ASSERT_NE(last().request.body.find("\"event-" + std::to_string(i) + "\""), std::string::npos) << i;
        transport_->answer(last(), 200);
        dispatcher_->step(0);  // delivers it; the next job becomes the head
    }
    ASSERT_EQ(sink_.updates.size(), static_cast<size_t>(kJobs));
    for (int i = 1; i <= kJobs; ++i) {
        const JobUpdate& u = sink_.updates[static_cast<size_t>(i - 1)];
        EXPECT_EQ(u.job_id, i);
        EXPECT_EQ(u.destination_hash, hash_of(i)) << i;
        EXPECT_EQ(u.deployment_id, "payments-api/" + std::to_string(i)) << i;
    }
    EXPECT_GT(event_reads_, 0);  // the compacted jobs' events came back from the store
    EXPECT_EQ(dispatcher_->counters().open_jobs.load(), 0);
}

TEST_F(DispatcherRules, RetriesBackOffExponentiallyWithJitterThenDeadLetter) {
    start_with_one_channel("https://hooks.example.com/a", policy_);
    add_job(1, "payments-api");
    dispatcher_->step(0);
    for (int64_t nominal : {1000, 2000, 4000}) {
        transport_->answer(last(), 500);
        const int64_t failed_at = clock_.now;
        dispatcher_->step(0);
        const int64_t next = sink_.updates.back().next_attempt_at_ms;
        EXPECT_EQ(sink_.updates.back().state, JobState::retry);
        EXPECT_GE(next - failed_at, nominal / 2);  // equal jitter: half fixed, half random
        EXPECT_LE(next - failed_at, nominal);
        const size_t before = transport_->started.size();
        advance_to(next - 1);
        EXPECT_EQ(transport_->started.size(), before) << "retried before its time";
        advance_to(next);
        EXPECT_EQ(transport_->started.size(), before + 1);
    }
    transport_->answer(last(), 500);
    dispatcher_->step(0);
    EXPECT_EQ(sink_.updates.back().state, JobState::dead);
    EXPECT_EQ(sink_.updates.back().dead_reason.rfind("gave up after 4 attempts", 0), 0u)
        << sink_.updates.back().dead_reason;
    EXPECT_EQ(dispatcher_->counters().dead_letters.load(), 1);
}

TEST_F(DispatcherRules, RetryAfterHoldsBackThatDestinationOnly) {
    std::vector<std::unique_ptr<ChannelConfig>> channels;
    channels.push_back(webhook("payments", "hook", "https://hooks.example.com/a", policy_));
    channels.push_back(webhook("search", "hook", "https://hooks.example.com/b", policy_));
    configure(std::move(channels));
    make_dispatcher();
    add_job(1, "payments-api");
    dispatcher_->step(0);
    transport_->answer(last(), 429, {{"Retry-After", "5"}});
    dispatcher_->step(0);
    ASSERT_EQ(sink_.updates.back().state, JobState::retry);
    EXPECT_GE(sink_.updates.back().next_attempt_at_ms, clock_.now + 5000);
    // Another destination goes at once; the paused one waits the full five seconds.
    add_job(2, "search-api", "search");
    dispatcher_->step(0);
    EXPECT_EQ(last().request.url, "https://hooks.example.com/b");
    add_job(3, "payments-web");  // same URL as the paused one: held back too
    advance_to(clock_.now + 4999);
    EXPECT_EQ(transport_->started.size(), 2u);
    advance_to(clock_.now + 1);  // the pause is over: the retry and the held-back job both go
    EXPECT_EQ(transport_->started.size(), 4u);
}

TEST_F(DispatcherRules, RateLimitIsPerKey) {
    DeliveryPolicy limited = policy_;
    limited.rate_per_second = 1;
    start_with_one_channel("https://hooks.example.com/a", limited);
    add_job(1, "payments-api");
    add_job(2, "payments-web");  // another service: another FIFO, same rate-limit key (the URL)
    dispatcher_->step(0);
    ASSERT_EQ(transport_->started.size(), 1u);
    advance_to(clock_.now + 999);
    EXPECT_EQ(transport_->started.size(), 1u);
    advance_to(clock_.now + 1);
    EXPECT_EQ(transport_->started.size(), 2u);
}

TEST_F(DispatcherRules, LaterEventsOfOneServiceWaitForTheEarlierOnesRetries) {
    start_with_one_channel("https://hooks.example.com/a", policy_);
    add_job(1, "payments-api");
    add_job(2, "payments-api");
    dispatcher_->step(0);
    ASSERT_EQ(transport_->started.size(), 1u);
    transport_->answer(last(), 503);
    dispatcher_->step(0);
    advance_to(clock_.now + 500);
    EXPECT_EQ(transport_->started.size(), 1u) << "job 2 overtook job 1 while it waited to retry";
    advance_to(sink_.updates.back().next_attempt_at_ms);
    ASSERT_EQ(transport_->started.size(), 2u);
    EXPECT_NE(last().request.body.find("event-1"), std::string::npos);
    transport_->answer(last(), 200);
    dispatcher_->step(0);  // handles the answer: job 2 is now the head
    dispatcher_->step(0);
    ASSERT_EQ(transport_->started.size(), 3u);
    EXPECT_NE(last().request.body.find("event-2"), std::string::npos);
}

TEST_F(DispatcherRules, RejectionDeadLettersAtOnceWithTheReason) {
    start_with_one_channel("https://hooks.example.com/a", policy_);
    add_job(1, "payments-api");
    dispatcher_->step(0);
    transport_->answer(last(), 404);
    dispatcher_->step(0);
    EXPECT_THAT(states(), ::testing::ElementsAre(JobState::dead));
    EXPECT_EQ(sink_.updates[0].dead_reason.rfind("rejected by the channel: ", 0), 0u);
    EXPECT_EQ(sink_.updates[0].attempt->outcome, "rejected");
}

TEST_F(DispatcherRules, QueuedWorkFollowsAnEditedChannelAndDeadLettersOnlyWhenItIsGone) {
    start_with_one_channel("https://hooks.example.com/old", policy_);
    add_job(1, "payments-api");
    dispatcher_->step(0);
    transport_->answer(last(), 500);
    dispatcher_->step(0);
    std::vector<std::unique_ptr<ChannelConfig>> edited;
    edited.push_back(webhook("payments", "hook", "https://hooks.example.com/new", policy_));
    configure(std::move(edited));  // a reload with a changed setting
    advance_to(sink_.updates.back().next_attempt_at_ms);
    EXPECT_EQ(last().request.url, "https://hooks.example.com/new");
    transport_->answer(last(), 200);
    dispatcher_->step(0);
    EXPECT_EQ(sink_.updates.back().state, JobState::delivered);

    configure({});  // the channel is removed
    add_job(2, "payments-api");
    dispatcher_->step(0);
    EXPECT_EQ(sink_.updates.back().state, JobState::dead);
    EXPECT_EQ(sink_.updates.back().dead_reason, "channel 'payments/hook' is no longer configured");
}

TEST_F(DispatcherRules, DestinationOutsideTheAllowlistIsNeverSent) {
    start_with_one_channel("https://collector.evil.test/x", policy_);
    add_job(1, "payments-api");
    dispatcher_->step(0);
    EXPECT_TRUE(transport_->started.empty());
    ASSERT_EQ(sink_.updates.size(), 1u);
    EXPECT_EQ(sink_.updates[0].state, JobState::dead);
    EXPECT_NE(sink_.updates[0].dead_reason.find("'collector.evil.test' is not allowed"), std::string::npos);
}

MessageSpec spec_with_title(const std::string& title) {
    MessageSpec spec;
    spec.title_template = title;
    return spec;
}

TEST_F(DispatcherRules, ChannelMessageIsRenderedForThePlugin) {
    auto channel = webhook("payments", "hook", "https://hooks.example.com/a", policy_);
    channel->message = std::make_shared<MessageSpec>(spec_with_title("{{service}} is out"));
    std::vector<std::unique_ptr<ChannelConfig>> channels;
    channels.push_back(std::move(channel));
    configure(std::move(channels));
    make_dispatcher();
    add_job(1, "payments-api");
    dispatcher_->step(0);
    ASSERT_EQ(transport_->started.size(), 1u);
    const auto body = boost::json::parse(last().request.body).as_object();
    EXPECT_EQ(body.at("context").at("message").at("title"), "payments-api is out") << last().request.body;
}

TEST_F(DispatcherRules, AFailingTemplateSendsTheDefaultMessageAndCountsIt) {
    HeraldMetrics metrics;
    auto channel = webhook("payments", "hook", "https://hooks.example.com/a", policy_);
    channel->message = std::make_shared<MessageSpec>(spec_with_title("{{labels.cluster}}"));  // empty here
    std::vector<std::unique_ptr<ChannelConfig>> channels;
    channels.push_back(std::move(channel));
    configure(std::move(channels));
    make_dispatcher(&metrics);
    add_job(1, "payments-api");
    dispatcher_->step(0);
    ASSERT_EQ(transport_->started.size(), 1u) << "a broken template never costs the notification";
    const auto body = boost::json::parse(last().request.body).as_object();
    EXPECT_FALSE(body.at("context").as_object().contains("message")) << last().request.body;
    EXPECT_NE(metrics.render().find(R"(herald_message_template_fallbacks_total{team="payments",channel="hook"} 1)"),
              std::string::npos)
        << metrics.render();
    transport_->answer(last(), 200);
    dispatcher_->step(0);
    EXPECT_EQ(sink_.updates.back().state, JobState::delivered);
}

// Slack bot mode: a failure of a deployment that already has a message updates it in place and
// then replies in its thread. Both requests belong to one job, which closes after the second.
TEST_F(DispatcherRules, FollowUpRequestsRunInOrderWithinOneJob) {
    auto slack = std::make_unique<ChannelConfig>();
    slack->team = "payments";
    slack->name = "hook";
    slack->type = "slack";
    slack->policy = policy_;
    slack->instance = test::make_channel(
        "slack", R"({"bot_token":"xoxb-1","channel":"C1","api_url":"https://slack.example.com/api"})");
    std::vector<std::unique_ptr<ChannelConfig>> channels;
    channels.push_back(std::move(slack));
    configure(std::move(channels));
    receipt_ = "1700000000.000100";  // the deployment's `started` message
    status_ = "failed";
    make_dispatcher();
    add_job(1, "payments-api");
    dispatcher_->step(0);
    ASSERT_EQ(transport_->started.size(), 1u);
    EXPECT_EQ(last().request.url, "https://slack.example.com/api/chat.update");
    transport_->answer(last(), 200, {}, R"({"ok":true,"channel":"C1","ts":"1700000000.000100"})");
    dispatcher_->step(0);
    ASSERT_EQ(sink_.updates.size(), 1u);
    EXPECT_EQ(sink_.updates[0].state, JobState::retry) << "the job stays open for the next request";
    EXPECT_EQ(sink_.updates[0].receipt.value_or(""), "1700000000.000100");
    advance_to(clock_.now + 1000);  // Slack's 1 message/s per channel applies to each request
    ASSERT_EQ(transport_->started.size(), 2u);
    EXPECT_EQ(last().request.url, "https://slack.example.com/api/chat.postMessage");
    EXPECT_EQ(boost::json::parse(last().request.body).at("thread_ts"), "1700000000.000100");
    transport_->answer(
        last(), 200, {},
        R"({"ok":true,"channel":"C1","ts":"1700000001.000200","message":{"thread_ts":"1700000000.000100"}})");
    dispatcher_->step(0);
    ASSERT_EQ(sink_.updates.size(), 2u);
    EXPECT_EQ(sink_.updates[1].state, JobState::delivered);
    EXPECT_EQ(sink_.updates[1].receipt.value_or(""), "1700000000.000100")
        << "the deployment's message stays the receipt";
    EXPECT_EQ(dispatcher_->counters().open_jobs.load(), 0);
}

// Replicas: nothing starts once the lease may have run out, and a lost lease drops the queue
// (its new owners deliver it) while an outcome already in flight goes unrecorded.
TEST_F(DispatcherRules, NothingStartsPastTheLeaseAndALostLeaseForgetsTheQueue) {
    start_with_one_channel("https://hooks.example.com/a", policy_);
    dispatcher_->work_allowed_until(clock_.now + 500);
    add_job(1, "payments-api");
    add_job(2, "ledger");
    dispatcher_->step(0);
    ASSERT_EQ(transport_->started.size(), 2u);
    add_job(3, "billing");
    advance_to(clock_.now + 500);
    EXPECT_EQ(transport_->started.size(), 2u) << "started after the lease may have ended";
    dispatcher_->work_allowed_until(clock_.now + 5000);
    dispatcher_->step(0);
    EXPECT_EQ(transport_->started.size(), 3u) << "renewed: work goes on";

    add_job(4, "payments-api");  // queued behind job 1, in flight
    dispatcher_->forget_shared_jobs();
    transport_->answer(transport_->started[0], 200);
    dispatcher_->step(0);
    EXPECT_TRUE(sink_.updates.empty()) << "an outcome after the lease was lost is not recorded";
    EXPECT_EQ(transport_->started.size(), 3u) << "the queued job is left to its lane's new owner";
    EXPECT_EQ(dispatcher_->counters().open_jobs.load(), 0);

    // Handed back (this replica owns the lane again): delivered as any job.
    add_job(4, "payments-api");
    dispatcher_->step(0);
    ASSERT_EQ(transport_->started.size(), 4u);
    transport_->answer(last(), 200);
    dispatcher_->step(0);
    ASSERT_EQ(sink_.updates.size(), 1u);
    EXPECT_EQ(sink_.updates[0].job_id, 4);
}

// Shared limits are the store's; the dispatcher asks them before every request.
TEST_F(DispatcherRules, SharedRateLimitsDecideWhenARequestGoes) {
    class Held final : public RateLimits {
     public:
        int64_t take(const std::string& key, double, uint32_t, int64_t now_ms) override {
            keys.push_back(key);
            return now_ms < open_at ? open_at : now_ms;
        }
        void pause_until(const std::string& key, int64_t until_ms, int64_t) override { paused[key] = until_ms; }
        int64_t open_at = 0;
        std::vector<std::string> keys;
        std::map<std::string, int64_t> paused;
    };
    start_with_one_channel("https://hooks.example.com/a", policy_);
    auto limits = std::make_unique<Held>();
    Held& held = *limits;
    held.open_at = clock_.now + 700;
    dispatcher_->share_rate_limits(std::move(limits));
    add_job(1, "payments-api");
    dispatcher_->step(0);
    EXPECT_TRUE(transport_->started.empty()) << "another replica used the channel's turn";
    advance_to(held.open_at);
    ASSERT_EQ(transport_->started.size(), 1u);
    EXPECT_EQ(held.keys.back(), "url:https://hooks.example.com/a");
    transport_->answer(last(), 429, {{"Retry-After", "3"}});
    dispatcher_->step(0);
    EXPECT_EQ(held.paused["url:https://hooks.example.com/a"], clock_.now + 3000) << "the pause is shared";
}

}  // namespace
}  // namespace herald
