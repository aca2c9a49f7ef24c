#include "intake/intake_handler.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "common/log.hpp"
#include "intake/auth.hpp"
#include "sources/inbound.hpp"

namespace herald {
namespace json = boost::json;

namespace {

std::string error_body(std::string_view message) { return json::serialize(json::object{{"error", message}}); }

// "Application/JSON; charset=utf-8" is application/json: media types are case-insensitive and
// may carry parameters.
bool is_json_media_type(std::string_view content_type) {
    std::string_view type = content_type.substr(0, content_type.find(';'));
    while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
    while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
    constexpr std::string_view kJson = "application/json";
    if (type.size() != kJson.size()) return false;
    for (size_t i = 0; i < type.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(type[i])) != kJson[i]) return false;
    }
    return true;
}

constexpr std::string_view kSourcesPrefix = "/v1/sources/";

bool is_cloudevents_media_type(std::string_view content_type) {
    constexpr std::string_view kStructured = "application/cloudevents+json";
    if (content_type.size() < kStructured.size()) return false;
    for (size_t i = 0; i < kStructured.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(content_type[i])) != kStructured[i]) return false;
    }
    return content_type.size() == kStructured.size() || content_type[kStructured.size()] == ';';
}

HttpResponseMessage unavailable(std::string_view why, int retry_after_s) {
    auto res = json_response(http::status::service_unavailable, error_body(why));
    res.set(http::field::retry_after, std::to_string(retry_after_s));
    return res;
}

}  // namespace

IntakeHandler::IntakeHandler(ConfigSource config, GroupCommitter& committer, Backlog backlog, const Clock& clock,
                             HeraldMetrics& metrics, ReadinessCheck readiness)
    : config_(std::move(config)),
      committer_(committer),
      backlog_(std::move(backlog)),
      clock_(clock),
      metrics_(metrics),
      readiness_(std::move(readiness)) {}

void IntakeHandler::handle(HttpRequestMessage request, Respond respond) {
    const std::string_view target = request.target();
    const std::string_view path = target.substr(0, target.find('?'));
    if (path == "/v1/events") {
        if (request.method() != http::verb::post) {
            auto res = json_response(http::status::method_not_allowed, error_body("use POST"));
            res.set(http::field::allow, "POST");
            return respond(std::move(res));
        }
        return post_event(std::move(request), std::move(respond));
    }
    if (path.rfind(kSourcesPrefix, 0) == 0) {
        if (request.method() != http::verb::post) {
            auto res = json_response(http::status::method_not_allowed, error_body("use POST"));
            res.set(http::field::allow, "POST");
            return respond(std::move(res));
        }
        return post_to_source(std::string(path.substr(kSourcesPrefix.size())), std::move(request), std::move(respond));
    }
    if (path == "/healthz") return respond(json_response(http::status::ok, R"({"status":"ok"})"));
    if (path == "/readyz") {
        const std::string failing = readiness_();
        if (failing.empty()) return respond(json_response(http::status::ok, R"({"status":"ready"})"));
        return respond(json_response(http::status::service_unavailable,
                                     json::serialize(json::object{{"status", "not ready"}, {"failing", failing}})));
    }
    if (path == "/metrics") {
        HttpResponseMessage res{http::status::ok, 11};
        res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
        res.body() = metrics_.render();
        res.prepare_payload();
        return respond(std::move(res));
    }
    respond(json_response(http::status::not_found, error_body("no such endpoint")));
}

void IntakeHandler::post_event(HttpRequestMessage request, Respond respond) {
    const auto config = config_();
    const std::string_view content_type = request[http::field::content_type];
    if (!is_json_media_type(content_type)) {
        metrics_.event_received("unknown", "invalid");
        return respond(
            json_response(http::status::unsupported_media_type, error_body("Content-Type must be application/json")));
    }
    const auto header = [&request](std::string_view name) -> std::string_view { return request[name]; };
    const AuthOutcome auth = authenticate(config->host.sources, header, request.body(), clock_.now_unix_ms() / 1000);
    if (auth.source == nullptr) {
        metrics_.event_received("unknown", "unauthorized");
        auto res = json_response(http::status::unauthorized, error_body(auth.error));
        res.set(http::field::www_authenticate, "Bearer");
        return respond(std::move(res));
    }

    accept_event(*config, *auth.source, request.body(), std::move(respond));
}

void IntakeHandler::post_to_source(const std::string& name, HttpRequestMessage request, Respond respond) {
    const auto config = config_();
    const SourceConfig* source = nullptr;
    for (const auto& s : config->host.sources) {
        if (s.name == name) source = &s;
    }
    if (source == nullptr) {
        metrics_.event_received("unknown", "unauthorized");
        return respond(json_response(http::status::not_found, error_body("no source named '" + name + "'")));
    }
    const std::string_view content_type = request[http::field::content_type];
    const bool cloudevents = source->kind == "cdevents" && is_cloudevents_media_type(content_type);
    if (!is_json_media_type(content_type) && !cloudevents) {
        metrics_.event_received(source->name, "invalid");
        return respond(
            json_response(http::status::unsupported_media_type,
                          error_body(source->kind == "cdevents"
                                         ? "Content-Type must be application/json or application/cloudevents+json"
                                         : "Content-Type must be application/json (set the webhook's "
                                           "content type to JSON)")));
    }
    const auto header = [&request](std::string_view field) -> std::string_view { return request[field]; };
    const AuthOutcome auth = authenticate_source(*source, header, request.body(), clock_.now_unix_ms() / 1000);
    if (auth.source == nullptr) {
        metrics_.event_received(source->name, "unauthorized");
        return respond(json_response(http::status::unauthorized, error_body(auth.error)));
    }
    const SourceMapping mapped = map_inbound(*source, {header, content_type, request.body()});
    switch (mapped.kind) {
        case SourceMapping::Kind::ping:
            return respond(json_response(http::status::ok, R"({"status":"pong"})"));
        case SourceMapping::Kind::ignored:
            metrics_.event_received(source->name, "ignored");
            return respond(json_response(
                http::status::ok, json::serialize(json::object{{"status", "ignored"}, {"reason", mapped.message}})));
        case SourceMapping::Kind::invalid: {
            metrics_.event_received(source->name, "invalid");
            const std::string what = mapped.field.empty() ? mapped.message : mapped.field + ": " + mapped.message;
            return respond(json_response(
                http::status::bad_request,
                json::serialize(json::object{{"error", "cannot map the " + source->kind + " delivery: " + what},
                                             {"field", mapped.field}})));
        }
        case SourceMapping::Kind::event:
            break;
    }
    accept_event(*config, *source, mapped.event_json, std::move(respond));
}

void IntakeHandler::accept_event(const RuntimeConfig& config, const SourceConfig& source_config, std::string_view body,
                                 Respond respond) {
    ParsedEvent parsed = parse_deploy_event(body);
    const std::string source = source_config.name;
    if (!parsed.errors.empty()) {
        metrics_.event_received(source, "invalid");
        json::array problems;
        for (const auto& e : parsed.errors) problems.push_back({{"field", e.field}, {"rule", e.rule}});
        return respond(
            json_response(http::status::bad_request,
                          json::serialize(json::object{{"error", "invalid event: " + parsed.errors.front().message()},
                                                       {"problems", std::move(problems)}})));
    }
    if (!committer_.healthy()) {
        metrics_.event_received(source, "unavailable");
        return respond(unavailable("storage is unavailable", 5));
    }
    if (backlog_() >= static_cast<int64_t>(config.host.max_pending_jobs)) {
        metrics_.event_received(source, "unavailable");
        return respond(unavailable("too many deliveries pending", 30));
    }

    IngestItem item;
    item.event = std::move(*parsed.event);
    item.source = source;
    item.accepted_at_ms = clock_.now_unix_ms();
    const auto destinations = config.routing.route(item.event);
    for (const auto& d : destinations) {
        item.targets.push_back(
            {d.channel->team, d.channel->name, d.channel->type, d.channel->destination_hash, d.reason, d.fallback});
    }
    const bool to_fallback = !destinations.empty() && destinations.back().fallback;
    const bool owned = (!item.event.team.empty() && config.routing.find_team(item.event.team) != nullptr) ||
                       config.routing.owner_of(item.event.service) != nullptr;
    const bool nowhere = !owned && !to_fallback;

    const std::string id = item.event.id;
    DeployObservation deploy{item.event.service,
                             item.event.environment,
                             std::string(to_string(item.event.status)),
                             item.accepted_at_ms,
                             false,
                             0,
                             std::nullopt,
                             {}};
    const TeamConfig* team = item.event.team.empty() ? nullptr : config.routing.find_team(item.event.team);
    if (team == nullptr) team = config.routing.owner_of(item.event.service);
    if (team != nullptr) deploy.team = team->name;
    if (item.event.started_at_ms > 0 && item.event.finished_at_ms > 0) {
        deploy.duration_s = static_cast<double>(item.event.finished_at_ms - item.event.started_at_ms) / 1000.0;
    }
    const size_t deliveries = item.targets.size();
    const auto submitter = open_connections_ && open_connections_() == 1 ? GroupCommitter::Submitter::lone_client
                                                                         : GroupCommitter::Submitter::one_of_many;
    auto answer = [this, id, source, to_fallback, nowhere, deliveries, deploy = std::move(deploy),
                   respond = std::move(respond)](GroupCommitter::Result result) {
        if (auto* error = std::get_if<std::string>(&result)) {
            metrics_.event_received(source, "unavailable");
            log::event(spdlog::level::err, {id, {}, {}, 0}, "intake: not stored: " + *error);
            return respond(unavailable("storage is unavailable", 5));
        }
        const IngestOutcome& outcome = std::get<IngestOutcome>(result);
        if (outcome.duplicate) {
            metrics_.event_received(source, "duplicate");
            return respond(
                json_response(http::status::ok, json::serialize(json::object{{"id", id}, {"status", "duplicate"}})));
        }
        metrics_.event_received(source, "accepted");
        DeployObservation observed = deploy;
        observed.is_recovery = outcome.recovery.is_recovery;
        observed.failing_since_ms = outcome.recovery.failing_since_ms;
        metrics_.deploys().record(observed);
        if (to_fallback) metrics_.event_unrouted("fallback");
        if (nowhere) metrics_.event_unrouted("none");
        if (spdlog::should_log(spdlog::level::debug)) {
            log::event(spdlog::level::debug, {id, {}, {}, 0},
                       "intake: accepted, " + std::to_string(deliveries) + " deliveries");
        }
        respond(
            json_response(http::status::accepted, json::serialize(json::object{{"id", id}, {"status", "accepted"}})));
    };
    committer_.submit(std::move(item), std::move(answer), submitter);
}

}  // namespace herald
