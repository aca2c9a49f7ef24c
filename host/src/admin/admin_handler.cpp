#include "admin/admin_handler.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <variant>

#include "admin/dlq_query.hpp"
#include "admin/events_query.hpp"
#include "admin/services_query.hpp"
#include "admin/web_view.hpp"
#include "admin/whole_number.hpp"

#include "common/sha256.hpp"

namespace herald {
namespace json = boost::json;

namespace {

HttpResponseMessage error(http::status status, std::string_view message) {
    return json_response(status, json::serialize(json::object{{"error", message}}));
}

json::value attempt_json(const AttemptRecord& a) {
    return {{"attempt", a.number},          {"started_at_ms", a.started_at_ms},
            {"status_code", a.status_code}, {"latency_ms", a.latency_ms},
            {"outcome", a.outcome},         {"error", a.error}};
}

json::object job_json(const JobView& j, bool with_history) {
    json::object o{{"id", j.id},
                   {"event_id", j.event_id},
                   {"team", j.team},
                   {"channel", j.channel},
                   {"channel_type", j.channel_type},
                   {"fallback", j.fallback},
                   {"reason", j.reason},
                   {"state", j.state},
                   {"attempts", j.attempts},
                   {"last_status", j.last_status},
                   {"last_error", j.last_error},
                   {"dead_reason", j.dead_reason},
                   {"response_excerpt", j.response_excerpt},
                   {"created_at_ms", j.created_at_ms},
                   {"updated_at_ms", j.updated_at_ms},
                   {"finished_at_ms", j.finished_at_ms},
                   {"next_attempt_at_ms", j.next_attempt_at_ms}};
    if (with_history) {
        json::array history;
        for (const auto& a : j.history) history.push_back(attempt_json(a));
        o["history"] = std::move(history);
    }
    return o;
}

HttpResponseMessage reload_response(const ReloadResult& r) {
    json::array findings;
    for (const auto& f : r.findings) findings.emplace_back(f);
    if (!r.ok) {
        return json_response(
            http::status::unprocessable_entity,
            json::serialize(json::object{{"status", "refused"},
                                         {"error", "the new configuration has errors; the previous one keeps serving"},
                                         {"findings", std::move(findings)}}));
    }
    return json_response(http::status::ok,
                         json::serialize(json::object{{"status", "reloaded"}, {"findings", std::move(findings)}}));
}

}  // namespace

AdminHandler::AdminHandler(AdminServices services) : services_(std::move(services)) {}

void AdminHandler::handle(HttpRequestMessage request, Respond respond) {
    if (request.target() == "/healthz") return respond(json_response(http::status::ok, R"({"status":"ok"})"));
    if (request.target() == "/readyz" && services_.readiness) {
        const std::string failing = services_.readiness();
        if (failing.empty()) return respond(json_response(http::status::ok, R"({"status":"ready"})"));
        return respond(json_response(http::status::service_unavailable,
                                     json::serialize(json::object{{"status", "not ready"}, {"failing", failing}})));
    }
    if (auto page = web_view_asset(request)) return respond(std::move(*page));
    if (auto refused = cross_site_refusal(request)) return respond(std::move(*refused));
    const std::string token = services_.token();
    if (!token.empty()) {
        const std::string_view given = request[http::field::authorization];
        if (given.rfind("Bearer ", 0) != 0 || !constant_time_equal(sha256(given.substr(7)), sha256(token))) {
            auto res = error(http::status::unauthorized, "admin API needs Authorization: Bearer <admin token>");
            res.set(http::field::www_authenticate, "Bearer");
            return respond(std::move(res));
        }
    }
    if (request.target() == "/-/reload") {
        if (request.method() != http::verb::post) return respond(error(http::status::method_not_allowed, "use POST"));
        return services_.reload([respond](const ReloadResult& r) { respond(reload_response(r)); });
    }
    try {
        respond(route(request));
    } catch (const std::exception& e) {
        spdlog::error("admin: {} {} failed: {}", std::string(request.method_string()), std::string(request.target()),
                      e.what());
        respond(error(http::status::internal_server_error, e.what()));
    }
}

HttpResponseMessage AdminHandler::replay(const std::vector<int64_t>& ids) {
    std::vector<OpenJob> reopened;
    services_.committer->run_on_writer([&](Store& store) {
        reopened = store.replay_dead(ids, std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count());
    });
    json::array replayed;
    for (const auto& job : reopened) replayed.push_back(job.id);
    const size_t count = reopened.size();
    spdlog::info("admin: {} dead-lettered deliveries replayed", count);
    services_.reopened(std::move(reopened));
    return json_response(http::status::ok, json::serialize(json::object{{"replayed", std::move(replayed)}}));
}

// Reads through the admin reader, opened on first use, one query at a time.
template <typename Query>
auto AdminHandler::read(Query&& query) {
    std::lock_guard lock(reader_mutex_);
    if (!reader_) reader_ = services_.open_reader();
    return query(*reader_);
}

HttpResponseMessage AdminHandler::route(const HttpRequestMessage& request) {
    auto url = boost::urls::parse_origin_form(request.target());
    if (!url) return error(http::status::bad_request, "malformed target");
    const std::string path(url->path());
    const auto method = request.method();
    constexpr std::string_view kEvents = "/api/v1/events/";
    constexpr std::string_view kDlq = "/api/v1/dlq/";
    if (path == "/api/v1/services" && method == http::verb::get) return list_services(url->params());
    if (path == "/api/v1/events" && method == http::verb::get) return list_events(url->params());
    if (path.rfind(kEvents, 0) == 0 && method == http::verb::get) return show_event(path.substr(kEvents.size()));
    if (path == "/api/v1/dlq" && method == http::verb::get) return list_dead_letters(url->params());
    if (path == "/api/v1/dlq/replay" && method == http::verb::post) return replay_matching(url->params());
    if (path.rfind(kDlq, 0) == 0) return dead_letter_entry(path.substr(kDlq.size()), method);
    return error(http::status::not_found, "no such admin endpoint");
}

HttpResponseMessage AdminHandler::list_events(const boost::urls::params_view& params) {
    const auto now_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    auto query = read_events_query(params, now_ms);
    if (auto* bad = std::get_if<std::string>(&query)) return error(http::status::bad_request, *bad);
    const EventListFilter f = std::get<EventListFilter>(query);
    const auto events = read([&](AdminReader& r) { return r.events(f); });
    json::array items;
    for (const auto& e : events) {
        items.push_back({{"seq", e.seq},
                         {"id", e.id},
                         {"source", e.source},
                         {"service", e.service},
                         {"environment", e.environment},
                         {"status", e.status},
                         {"accepted_at_ms", e.accepted_at_ms},
                         {"deliveries", e.deliveries},
                         {"delivered", e.delivered},
                         {"dead", e.dead}});
    }
    json::object out{{"items", std::move(items)}};
    if (static_cast<int>(events.size()) == f.limit) out["next_before"] = events.back().seq;
    return json_response(http::status::ok, json::serialize(out));
}

HttpResponseMessage AdminHandler::list_services(const boost::urls::params_view& params) {
    auto query = read_services_query(params);
    if (auto* bad = std::get_if<std::string>(&query)) return error(http::status::bad_request, *bad);
    const ServiceStatusFilter f = std::get<ServiceStatusFilter>(query);
    const auto page = read([&](AdminReader& r) { return r.service_statuses(f); });
    json::array services;
    for (const auto& row : page.rows) {
        if (services.empty() || services.back().at("service").as_string() != row.service) {
            services.push_back({{"service", row.service}, {"environments", json::object{}}});
        }
        json::object cell{{"status", row.last_status}, {"failures", row.failures}};
        if (row.failing_since_ms > 0) cell["failing_since_ms"] = row.failing_since_ms;
        services.back().at("environments").as_object()[row.environment] = std::move(cell);
    }
    return json_response(http::status::ok, json::serialize(json::object{{"services", std::move(services)},
                                                                        {"total", page.total_services},
                                                                        {"offset", f.offset},
                                                                        {"limit", f.limit}}));
}

HttpResponseMessage AdminHandler::show_event(const std::string& id) {
    const auto d = read([&](AdminReader& r) { return r.event_by_id(id); });
    if (!d) return error(http::status::not_found, "no event with id '" + id + "'");
    json::array jobs;
    for (const auto& j : d->jobs) jobs.push_back(job_json(j, true));
    boost::system::error_code ec;
    json::value event = json::parse(d->event.json, ec);
    const RecoveryContext& recovery = d->event.recovery;
    return json_response(http::status::ok,
                         json::serialize(json::object{{"id", d->event.id},
                                                      {"source", d->event.source},
                                                      {"accepted_at_ms", d->event.accepted_at_ms},
                                                      {"recovery",
                                                       {{"is_recovery", recovery.is_recovery},
                                                        {"failures_before", recovery.failures_before},
                                                        {"failing_since_ms", recovery.failing_since_ms}}},
                                                      {"event", std::move(event)},
                                                      {"deliveries", std::move(jobs)}}));
}

HttpResponseMessage AdminHandler::list_dead_letters(const boost::urls::params_view& params) {
    auto query = read_dlq_query(params, false);
    if (auto* bad = std::get_if<std::string>(&query)) return error(http::status::bad_request, *bad);
    const DeadLetterFilter f = std::get<DlqQuery>(query).filter;
    const auto jobs = read([&](AdminReader& r) { return r.dead_letters(f); });
    json::array items;
    for (const auto& j : jobs) items.push_back(job_json(j, false));
    json::object out{{"items", std::move(items)}};
    if (static_cast<int>(jobs.size()) == f.limit) out["next_after"] = jobs.back().id;
    return json_response(http::status::ok, json::serialize(out));
}

HttpResponseMessage AdminHandler::replay_matching(const boost::urls::params_view& params) {
    auto query = read_dlq_query(params, true);
    if (auto* bad = std::get_if<std::string>(&query)) return error(http::status::bad_request, *bad);
    const DlqQuery& q = std::get<DlqQuery>(query);  // not a structured binding: lambdas capture it
    const auto jobs = read([&](AdminReader& r) { return r.dead_letters(q.filter); });
    if (q.dry_run) {
        json::array items;
        for (const auto& j : jobs) items.push_back(job_json(j, false));
        return json_response(http::status::ok,
                             json::serialize(json::object{{"dry_run", true}, {"would_replay", std::move(items)}}));
    }
    std::vector<int64_t> ids;
    for (const auto& j : jobs) ids.push_back(j.id);
    return replay(ids);
}

// /api/v1/dlq/{job} (GET shows, DELETE drops) and /api/v1/dlq/{job}/replay (POST).
HttpResponseMessage AdminHandler::dead_letter_entry(std::string rest, http::verb method) {
    const bool is_replay = rest.size() > 7 && rest.substr(rest.size() - 7) == "/replay";
    if (is_replay) rest.resize(rest.size() - 7);
    const auto id = whole_number(rest);
    if (!id) return error(http::status::not_found, "no such dead-letter entry");
    const auto not_dead = [&] {
        return error(http::status::not_found, "job " + rest + " is not in the dead-letter queue");
    };
    if (is_replay && method == http::verb::post) {
        auto response = replay({*id});
        return response.body().find("[]") != std::string::npos ? not_dead() : response;
    }
    if (!is_replay && method == http::verb::get) {
        const auto job = read([&](AdminReader& r) { return r.job(*id); });
        if (!job || job->state != "dead") return not_dead();
        return json_response(http::status::ok, json::serialize(job_json(*job, true)));
    }
    if (!is_replay && method == http::verb::delete_) {
        bool dropped = false;
        services_.committer->run_on_writer([&](Store& store) { dropped = store.drop_dead(*id); });
        if (!dropped) return not_dead();
        services_.dropped();
        spdlog::info("admin: dead-lettered delivery {} dropped", *id);
        return json_response(http::status::ok, json::serialize(json::object{{"dropped", *id}}));
    }
    return error(http::status::method_not_allowed, "use GET or DELETE on a job, POST on its /replay");
}

}  // namespace herald
