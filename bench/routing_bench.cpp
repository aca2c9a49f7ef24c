// Routing cost at scale: 500 teams, 2,000 channels (4 per team, with status, environment and
// label filters), 2,000 exact services plus 500 globs, and 20 cross-team subscriptions.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "routing/routing_table.hpp"

namespace {

using herald::DeployStatus;

herald::RoutingTable build_table() {
    herald::RoutingConfig table;
    for (int t = 0; t < 500; ++t) {
        herald::TeamConfig team;
        team.name = "team-" + std::to_string(t);
        for (int s = 0; s < 4; ++s) team.services.push_back("svc-" + std::to_string(t) + "-" + std::to_string(s));
        team.services.push_back("glob-" + std::to_string(t) + "-*");
        for (int c = 0; c < 4; ++c) {
            auto channel = std::make_unique<herald::ChannelConfig>();
            channel->team = team.name;
            channel->name = "channel-" + std::to_string(c);
            channel->type = "slack";
            channel->destination_key = team.name + "/" + channel->name;
            if (c == 0) channel->filter.statuses = {DeployStatus::failed};
            if (c == 1) channel->filter.statuses = {DeployStatus::failed, DeployStatus::succeeded};
            if (c == 2) channel->filter.environments = {"production", "staging-*"};
            if (c == 3) channel->filter.labels = {{"region", "eu-*"}};
            team.channels.push_back(&table.add_channel(std::move(channel)));
        }
        table.teams.push_back(std::move(team));
    }
    for (int s = 0; s < 20; ++s) {
        herald::Subscription sub;
        sub.team = "team-" + std::to_string(s);
        sub.name = "watch-" + std::to_string(s);
        sub.services = {"svc-" + std::to_string(s * 7) + "-*"};
        sub.filter.statuses = {DeployStatus::failed};
        sub.filter.environments = {"production"};
        sub.channel = table.teams[static_cast<size_t>(s)].channels[0];
        table.subscriptions.push_back(std::move(sub));
    }
    return herald::RoutingTable(std::move(table));
}

herald::DeployEvent event(const std::string& service) {
    herald::DeployEvent e;
    e.id = "bench";
    e.service = service;
    e.environment = "production";
    e.status = DeployStatus::failed;
    e.labels = {{"region", "eu-west-1"}, {"cluster", "prod-a"}};
    return e;
}

void route(benchmark::State& state, const std::string& service) {
    static const herald::RoutingTable table = build_table();
    const herald::DeployEvent e = event(service);
    size_t destinations = 0;
    for (auto _ : state) {
        auto out = table.route(e);
        destinations = out.size();
        benchmark::DoNotOptimize(out);
    }
    state.counters["destinations"] = static_cast<double>(destinations);
}

void BM_RouteExactService(benchmark::State& state) { route(state, "svc-499-3"); }
void BM_RouteGlobService(benchmark::State& state) { route(state, "glob-250-worker"); }
void BM_RouteUnownedService(benchmark::State& state) { route(state, "nobody-owns-this"); }
void BM_RouteWithSubscription(benchmark::State& state) { route(state, "svc-7-1"); }

BENCHMARK(BM_RouteExactService);
BENCHMARK(BM_RouteGlobService);
BENCHMARK(BM_RouteUnownedService);
BENCHMARK(BM_RouteWithSubscription);

}  // namespace

BENCHMARK_MAIN();
