// CLI over the admin API: events show, dlq list|show|replay|drop, reload. Tables by default,
// the API's JSON with --json. The admin token is read from an environment variable.
#include <curl/curl.h>

#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/http_call.hpp"
#include "common/printable.hpp"
#include "event/rfc3339.hpp"

namespace herald::cli {
namespace {

namespace json = boost::json;

const std::set<std::string> kOptions = {"admin", "token-env", "team",   "channel", "since",      "limit",
                                        "after", "service",   "status", "before",  "environment"};
const std::set<std::string> kFlags = {"json", "all", "dry-run"};

struct Reply {
    long status = 0;
    json::value body;
};

// Calls the admin API; a transport failure or an error status ends the command.
Reply call(const Args& args, const std::string& method, const std::string& path) {
    std::string base = args.option("admin").value_or("http://127.0.0.1:8081");
    while (!base.empty() && base.back() == '/') base.pop_back();
    const std::string token_env = args.option("token-env").value_or("HERALD_ADMIN_TOKEN");
    const char* token = std::getenv(token_env.c_str());

    std::vector<std::string> headers;
    if (token != nullptr && *token != '\0') headers.push_back(std::string("Authorization: Bearer ") + token);
    const HttpReply http = http_call(method, base + path, "", headers, 30000);
    if (http.status == 0) throw std::runtime_error("cannot reach the admin API at " + base + ": " + http.error);
    const long status = http.status;
    const std::string& body = http.body;
    boost::system::error_code ec;
    Reply reply{status, json::parse(body, ec)};
    if (ec) reply.body = json::string(body);
    return reply;
}

// Every value printed in a table passes here: what the API returns came from events and
// channel answers, and must not be able to move the cursor or forge a line.
std::string text(const json::value& v) {
    if (v.is_string()) return printable(v.get_string());
    if (v.is_null()) return "";
    return printable(json::serialize(v));
}

std::string field(const json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    return v == nullptr ? std::string{} : text(*v);
}

std::string cut(std::string s, size_t n) { return s.size() > n ? s.substr(0, n - 3) + "..." : s; }

std::string when(const json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    if (v == nullptr || !v->is_int64() || v->get_int64() == 0) return "-";
    const std::time_t t = static_cast<std::time_t>(v->get_int64() / 1000);
    std::tm utc{};
    gmtime_r(&t, &utc);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return buf;
}

int finish(const Args& args, const Reply& r, const std::function<void(const json::value&)>& table) {
    if (r.status < 200 || r.status >= 300) {
        const auto* o = r.body.if_object();
        std::cerr << "herald: " << (o != nullptr ? field(*o, "error") : text(r.body)) << " (HTTP " << r.status << ")\n";
        if (o != nullptr && o->contains("findings")) {
            for (const auto& f : o->at("findings").as_array()) std::cerr << "  " << text(f) << "\n";
        }
        return 1;
    }
    if (args.flag("json")) {
        std::cout << json::serialize(r.body) << "\n";
    } else {
        table(r.body);
    }
    return 0;
}

void print_history(const json::object& job) {
    const auto* history = job.if_contains("history");
    if (history == nullptr) return;
    for (const auto& a : history->as_array()) {
        const auto& h = a.as_object();
        std::printf("      attempt %-3s %s  HTTP %-4s %6s ms  %-16s %s\n", field(h, "attempt").c_str(),
                    when(h, "started_at_ms").c_str(), field(h, "status_code").c_str(), field(h, "latency_ms").c_str(),
                    field(h, "outcome").c_str(), cut(field(h, "error"), 80).c_str());
    }
}

std::string url_escape(const std::string& value) {
    char* escaped = curl_easy_escape(nullptr, value.c_str(), static_cast<int>(value.size()));
    std::string out = escaped;
    curl_free(escaped);
    return out;
}

// The filters as a query string; --since is checked here too, so a typo never widens a bulk
// replay (the API refuses it as well).
std::string query(const Args& args,
                  std::initializer_list<const char*> keys = {"team", "channel", "since", "limit", "after"}) {
    if (auto since = args.option("since"); since && !parse_since(*since, 0)) {
        throw UsageError("--since '" + *since +
                         "': give a duration (90s, 15m, 1h, 2d, 1w), an RFC 3339 timestamp or unix milliseconds");
    }
    std::string q;
    for (const char* key : keys) {
        if (auto v = args.option(key)) q += (q.empty() ? "?" : "&") + std::string(key) + "=" + url_escape(*v);
    }
    if (args.flag("dry-run")) q += (q.empty() ? "?" : "&") + std::string("dry_run=true");
    return q;
}

}  // namespace

namespace {

int list_events(const Args& args) {
    if (!args.positional().empty()) throw UsageError("unexpected argument '" + args.positional().front() + "'");
    const std::string q = query(args, {"service", "environment", "status", "since", "limit", "before"});
    return finish(args, call(args, "GET", "/api/v1/events" + q), [](const json::value& v) {
        const auto& o = v.as_object();
        const auto& items = o.at("items").as_array();
        if (items.empty()) std::printf("no events match\n");
        for (const auto& item : items) {
            const auto& e = item.as_object();
            const std::string deliveries = field(e, "delivered") + "/" + field(e, "deliveries") + " delivered" +
                                           (field(e, "dead") == "0" ? "" : ", " + field(e, "dead") + " dead");
            std::printf("%s  %-40s %-24s %-12s %-9s %s\n", when(e, "accepted_at_ms").c_str(),
                        cut(field(e, "id"), 40).c_str(), cut(field(e, "service"), 24).c_str(),
                        cut(field(e, "environment"), 12).c_str(), field(e, "status").c_str(), deliveries.c_str());
        }
        if (const auto* next = o.if_contains("next_before")) {
            std::printf("more: --before %s\n", text(*next).c_str());
        }
    });
}

}  // namespace

int events_command(const std::vector<std::string>& argv) {
    const char* usage = "usage: herald events show ID | herald events list [filters] [--admin URL] [--json]";
    if (!argv.empty() && argv[0] == "list") {
        return list_events(Args(std::vector<std::string>(argv.begin() + 1, argv.end()), kOptions, kFlags));
    }
    if (argv.empty() || argv[0] != "show") throw UsageError(usage);
    const Args args(std::vector<std::string>(argv.begin() + 1, argv.end()), kOptions, kFlags);
    if (args.positional().size() != 1) throw UsageError(usage);
    const std::string id = url_escape(args.positional().front());
    return finish(args, call(args, "GET", "/api/v1/events/" + id), [](const json::value& v) {
        const auto& o = v.as_object();
        const auto& e = o.at("event").as_object();
        std::printf("event %s: %s %s in %s (source %s, accepted %s)\n", field(o, "id").c_str(),
                    field(e, "service").c_str(), field(e, "status").c_str(), field(e, "environment").c_str(),
                    field(o, "source").c_str(), when(o, "accepted_at_ms").c_str());
        const auto& deliveries = o.at("deliveries").as_array();
        if (deliveries.empty()) std::printf("  no deliveries (no channel wanted this event)\n");
        for (const auto& d : deliveries) {
            const auto& j = d.as_object();
            const std::string where =
                field(j, "team").empty() ? field(j, "channel") : field(j, "team") + "/" + field(j, "channel");
            std::printf(
                "  job %-6s %-32s %-10s %-10s attempts %s  %s\n", field(j, "id").c_str(), where.c_str(),
                field(j, "channel_type").c_str(), field(j, "state").c_str(), field(j, "attempts").c_str(),
                cut(field(j, "dead_reason").empty() ? field(j, "reason") : field(j, "dead_reason"), 70).c_str());
            print_history(j);
        }
    });
}

int dlq_command(const std::vector<std::string>& argv) {
    if (argv.empty()) throw UsageError("usage: herald dlq list|show|replay|drop ...");
    const std::string verb = argv[0];
    std::vector<std::string> rest(argv.begin() + 1, argv.end());
    const Args args(rest, kOptions, kFlags);
    const auto& pos = args.positional();
    if (verb == "list") {
        return finish(args, call(args, "GET", "/api/v1/dlq" + query(args)), [](const json::value& v) {
            const auto& items = v.at("items").as_array();
            if (items.empty())
                std::printf("the dead-letter queue is empty (for these filters)\n");
            else
                std::printf("%-7s %-28s %-30s %-9s %-6s %s\n", "JOB", "EVENT", "TEAM/CHANNEL", "ATTEMPTS", "HTTP",
                            "REASON");
            for (const auto& item : items) {
                const auto& j = item.as_object();
                const std::string where =
                    field(j, "team").empty() ? field(j, "channel") : field(j, "team") + "/" + field(j, "channel");
                std::printf("%-7s %-28s %-30s %-9s %-6s %s\n", field(j, "id").c_str(),
                            cut(field(j, "event_id"), 28).c_str(), cut(where, 30).c_str(), field(j, "attempts").c_str(),
                            field(j, "last_status").c_str(), cut(field(j, "dead_reason"), 60).c_str());
            }
            if (v.as_object().contains("next_after")) {
                std::printf("more: --after %s\n", field(v.as_object(), "next_after").c_str());
            }
        });
    }
    if (verb == "show" && pos.size() == 1) {
        return finish(args, call(args, "GET", "/api/v1/dlq/" + pos[0]), [](const json::value& v) {
            const auto& j = v.as_object();
            std::printf("job %s for event %s -> %s/%s (%s)\n", field(j, "id").c_str(), field(j, "event_id").c_str(),
                        field(j, "team").c_str(), field(j, "channel").c_str(), field(j, "channel_type").c_str());
            std::printf("  dead since %s after %s attempts: %s\n", when(j, "updated_at_ms").c_str(),
                        field(j, "attempts").c_str(), field(j, "dead_reason").c_str());
            if (!field(j, "response_excerpt").empty())
                std::printf("  last response: %s\n", field(j, "response_excerpt").c_str());
            print_history(j);
        });
    }
    if (verb == "replay") {
        const bool all = args.flag("all");
        if (all == (pos.size() == 1) || (args.flag("dry-run") && !all))
            throw UsageError(
                "usage: herald dlq replay JOB | herald dlq replay --all [--team T] [--channel C] [--since WHEN] "
                "[--dry-run]");
        const std::string path = all ? "/api/v1/dlq/replay" + query(args) : "/api/v1/dlq/" + pos[0] + "/replay";
        if (args.flag("dry-run")) {
            return finish(args, call(args, "POST", path), [](const json::value& v) {
                const auto& items = v.at("would_replay").as_array();
                std::printf("dry run: %zu %s would go back to pending\n", items.size(),
                            items.size() == 1 ? "delivery" : "deliveries");
                for (const auto& item : items) {
                    const auto& j = item.as_object();
                    std::printf("  job %-7s %-28s %s/%s  %s\n", field(j, "id").c_str(),
                                cut(field(j, "event_id"), 28).c_str(), field(j, "team").c_str(),
                                field(j, "channel").c_str(), cut(field(j, "dead_reason"), 60).c_str());
                }
            });
        }
        return finish(args, call(args, "POST", path), [](const json::value& v) {
            const auto& ids = v.at("replayed").as_array();
            std::printf("%zu %s back to pending:", ids.size(), ids.size() == 1 ? "delivery" : "deliveries");
            for (const auto& id : ids) std::printf(" %s", text(id).c_str());
            std::printf("\n");
        });
    }
    if (verb == "drop" && pos.size() == 1) {
        return finish(args, call(args, "DELETE", "/api/v1/dlq/" + pos[0]), [](const json::value& v) {
            std::printf("dropped job %s\n", field(v.as_object(), "dropped").c_str());
        });
    }
    throw UsageError(
        "usage: herald dlq list [--team T] [--channel C] [--since MS] [--limit N] [--after JOB] | show JOB | "
        "replay JOB | replay --all [filters] | drop JOB");
}

int reload_command(const std::vector<std::string>& argv) {
    const Args args(argv, kOptions, kFlags);
    return finish(args, call(args, "POST", "/-/reload"), [](const json::value& v) {
        std::printf("%s\n", field(v.as_object(), "status").c_str());
        for (const auto& f : v.at("findings").as_array()) std::printf("  %s\n", text(f).c_str());
    });
}

}  // namespace herald::cli
