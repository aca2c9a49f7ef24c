// The SQLite store's own cost per event, with nothing of Herald around it: commits of a batch of
// new events (one webhook job each) together with the delivered outcomes of the batch before,
// as the writer commits them under load, each commit fsync'd. Prints events per second and this
// process's CPU per event (the store's checkpoint thread included).
//   herald_store_floor --path DB [--batch N] [--seconds T]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "process_cpu.hpp"
#include "store/store.hpp"

namespace {

struct Options {
    std::string path;
    size_t batch = 32;  // about the events per commit at 64 connections
    double seconds = 5;
};

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string key = argv[i], value = argv[i + 1];
        if (key == "--path")
            o.path = value;
        else if (key == "--batch")
            o.batch = static_cast<size_t>(std::atol(value.c_str()));
        else if (key == "--seconds")
            o.seconds = std::atof(value.c_str());
        else {
            std::fprintf(stderr, "herald_store_floor: unknown option %s\n", key.c_str());
            std::exit(2);
        }
    }
    if (o.path.empty() || o.batch < 1 || o.seconds <= 0) {
        std::fprintf(stderr, "usage: herald_store_floor --path DB [--batch N] [--seconds T]\n");
        std::exit(2);
    }
    return o;
}

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// An event shaped like the benchmark's (bench/post-events.lua), as intake would hand it over.
herald::IngestItem event_item(long n) {
    herald::IngestItem item;
    auto& event = item.event;
    event.id = "floor-" + std::to_string(n);
    event.service = "svc-" + std::to_string(n % 100);
    event.environment = "production";
    event.status = herald::DeployStatus::failed;
    event.deployment_id = event.service + "/production/" + event.id;
    event.json = R"({"id":")" + event.id + R"(","service":")" + event.service +
                 R"(","environment":"production","status":"failed","commit":{"sha":"9f2c1e7a4b3d"},)"
                 R"("triggered_by":"wrk","pipeline":{"url":"https://ci.example.com/runs/)" +
                 std::to_string(n) + R"("},"failure":{"stage":"deploy","reason":"benchmark"},"deployment_id":")" +
                 event.deployment_id + R"("})";
    item.source = "wrk";
    item.accepted_at_ms = now_ms();
    item.targets.push_back({"bench", "sink", "webhook", "5d41402abc4b2a76b9719d911017c592", "owner", false});
    return item;
}

herald::JobUpdate delivered(const herald::OpenJob& job) {
    herald::JobUpdate update;
    update.job_id = job.id;
    update.state = herald::JobState::delivered;
    update.attempts = 1;
    update.first_attempt_at_ms = now_ms();
    update.attempt = herald::AttemptRecord{1, update.first_attempt_at_ms, 200, 1, "delivered", ""};
    update.destination_hash = job.target.destination_hash;
    update.deployment_id = job.deployment_id;
    return update;
}

}  // namespace

int main(int argc, char** argv) {
    const Options options = parse(argc, argv);
    try {
        auto store = herald::open_sqlite_store(options.path);
        using Clock = std::chrono::steady_clock;
        const auto began = Clock::now();
        const auto deadline = began + std::chrono::duration<double>(options.seconds);
        const double cpu_before = herald::bench::process_cpu_seconds();
        long events = 0, commits = 0;
        std::vector<herald::JobUpdate> outcomes;
        while (Clock::now() < deadline) {
            std::vector<herald::IngestItem> items;
            items.reserve(options.batch);
            for (size_t i = 0; i < options.batch; ++i) items.push_back(event_item(events + static_cast<long>(i)));
            const auto accepted = store->commit(items, outcomes);
            store->after_commit();
            outcomes.clear();
            for (const auto& outcome : accepted)
                for (const auto& job : outcome.jobs) outcomes.push_back(delivered(job));
            events += static_cast<long>(items.size());
            ++commits;
        }
        const double cpu = herald::bench::process_cpu_seconds() - cpu_before;
        const double wall = std::chrono::duration<double>(Clock::now() - began).count();
        std::printf("store floor: %ld events in %ld commits of %zu in %.2f s = %.0f/s; %.1f us of CPU per event\n",
                    events, commits, options.batch, wall, static_cast<double>(events) / wall,
                    events > 0 ? cpu / static_cast<double>(events) * 1e6 : 0.0);
        return events > 0 ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "herald_store_floor: %s\n", e.what());
        return 1;
    }
}
