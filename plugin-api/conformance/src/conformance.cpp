#include <dlfcn.h>

#include <boost/json.hpp>
#include <cstring>
#include <herald/conformance.hpp>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

namespace herald::conformance {
namespace {

namespace json = boost::json;

std::string copy(herald_str s) { return s.size == 0 ? std::string{} : std::string(s.data, s.size); }
herald_str borrow(std::string_view s) { return {s.data(), s.size()}; }

// A plugin may write any value into an enum field; read it as the integer it is.
template <typename Enum>
int raw(const Enum& field) {
    int value = 0;
    static_assert(sizeof value == sizeof field);
    std::memcpy(&value, &field, sizeof value);
    return value;
}

// Collects findings from many threads; a check that fails repeatedly is reported once.
class Collector {
 public:
    void fail(const std::string& check, const std::string& detail) {
        std::lock_guard lock(mutex_);
        if (seen_.insert(check).second) report_.findings.push_back({check, detail});
    }
    void ran(unsigned n = 1) {
        std::lock_guard lock(mutex_);
        report_.checks_run += n;
    }
    Report take() { return std::move(report_); }

 private:
    std::mutex mutex_;
    std::set<std::string> seen_;
    Report report_;
};

// Host services that record every log line, so the kit can look for leaked secrets.
struct RecordingHost {
    herald_host_services table{};
    std::mutex mutex;
    std::vector<std::string> lines;

    RecordingHost() { table = {sizeof(herald_host_services), this, &log, &now}; }
    static void log(void* self, herald_log_level, herald_str message) {
        auto* host = static_cast<RecordingHost*>(self);
        std::lock_guard lock(host->mutex);
        host->lines.push_back(copy(message));
    }
    static int64_t now(void*) { return 1795000000000; }
};

struct Created {
    bool ok = false;
    void* instance = nullptr;
    std::string error;
};

Created create(const herald_plugin_descriptor& d, const std::string& settings, RecordingHost& host) {
    herald_create_result r{};
    r.struct_size = sizeof r;
    d.create(borrow(settings), &host.table, &r);
    Created c{raw(r.status) == HERALD_STATUS_OK, r.instance, copy(r.error)};
    if (r.owner != nullptr) d.release(r.owner);
    return c;
}

struct Rendered {
    bool ok = false;
    bool skip = false;
    std::string error, method, url, body;
    std::vector<std::pair<std::string, std::string>> headers;

    std::string fingerprint() const {
        std::string f = method + "\n" + url + "\n" + body;
        for (const auto& [k, v] : headers) f += "\n" + k + ": " + v;
        return f;
    }
};

herald_event_context context_for(const CorpusEvent& event, std::string_view receipt) {
    herald_event_context ctx{};
    ctx.struct_size = sizeof ctx;
    ctx.attempt = 1;
    ctx.is_recovery = event.is_recovery ? 1 : 0;
    ctx.failures_before = event.is_recovery ? 2 : 0;
    ctx.failing_since_unix_ms = event.is_recovery ? 1795000000000 - 7'500'000 : 0;
    ctx.accepted_at_unix_ms = 1795000000000;
    ctx.previous_receipt = borrow(receipt);
    ctx.team = borrow("conformance-team");
    ctx.channel_name = borrow("conformance-channel");
    return ctx;
}

Rendered render(const herald_plugin_descriptor& d, void* instance, const CorpusEvent& event, std::string_view receipt) {
    const herald_event ev{sizeof(herald_event), borrow(event.json), HERALD_EVENT_SCHEMA_VERSION};
    const herald_event_context ctx = context_for(event, receipt);
    herald_render_result r{};
    r.struct_size = sizeof r;
    d.render(instance, &ev, &ctx, &r);
    Rendered out;
    out.ok = raw(r.status) == HERALD_STATUS_OK;
    out.skip = r.skip != 0;
    out.error = copy(r.error);
    out.method = copy(r.method);
    out.url = copy(r.url);
    out.body = copy(r.body);
    for (size_t i = 0; r.headers != nullptr && i < r.header_count; ++i) {
        out.headers.emplace_back(copy(r.headers[i].name), copy(r.headers[i].value));
    }
    if (r.owner != nullptr) d.release(r.owner);
    return out;
}

struct Answer {
    std::string name;
    int status;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    int expect;  // 0: any valid outcome; otherwise the required herald_outcome
};

std::vector<Answer> answer_table() {
    std::string big(300 * 1024, 'x');
    return {
        {"200-ok", 200, {}, "ok", 0},
        {"200-json-ok", 200, {}, R"({"ok":true,"channel":"C1","ts":"1795000000.000100"})", 0},
        {"200-json-error", 200, {}, R"({"ok":false,"error":"channel_not_found"})", 0},
        {"200-one", 200, {}, "1", 0},
        {"202-empty", 202, {}, "", 0},
        {"202-pagerduty", 202, {}, R"({"status":"success","message":"Event processed","dedup_key":"k"})", 0},
        {"204", 204, {}, "", 0},
        {"200-garbage", 200, {}, "\xff\xfe{not json", 0},
        {"200-huge", 200, {}, big, 0},
        {"400", 400, {}, "invalid_payload", HERALD_OUTCOME_REJECTED},
        {"401", 401, {}, "invalid_token", HERALD_OUTCOME_REJECTED},
        {"403", 403, {}, "action_prohibited", HERALD_OUTCOME_REJECTED},
        {"404", 404, {}, "channel_not_found", HERALD_OUTCOME_REJECTED},
        {"410", 410, {}, "channel_is_archived", HERALD_OUTCOME_REJECTED},
        {"413", 413, {}, "", HERALD_OUTCOME_REJECTED},
        {"408", 408, {}, "", HERALD_OUTCOME_RETRY},
        {"429-retry-after", 429, {{"retry-after", "7"}}, "rate limited", HERALD_OUTCOME_RETRY},
        {"500", 500, {}, "rollup_error", HERALD_OUTCOME_RETRY},
        {"502", 502, {}, "<html>Bad Gateway</html>", HERALD_OUTCOME_RETRY},
        {"503", 503, {}, "", HERALD_OUTCOME_RETRY},
    };
}

struct Classified {
    bool ok = false;
    long long outcome = 0;
    int64_t retry_after_ms = -1;
    std::string reason, receipt;
};

Classified classify(const herald_plugin_descriptor& d, void* instance, const std::string& event_json, const Answer& a) {
    std::vector<herald_header> headers;
    for (const auto& [k, v] : a.headers) headers.push_back({borrow(k), borrow(v)});
    const herald_event ev{sizeof(herald_event), borrow(event_json), HERALD_EVENT_SCHEMA_VERSION};
    const herald_response resp{sizeof(herald_response), a.status, headers.data(), headers.size(), borrow(a.body)};
    herald_classification r{};
    r.struct_size = sizeof r;
    d.classify(instance, &ev, &resp, &r);
    Classified c;
    c.ok = raw(r.status) == HERALD_STATUS_OK;
    c.outcome = raw(r.outcome);
    c.retry_after_ms = r.retry_after_ms;
    c.reason = copy(r.reason);
    c.receipt = copy(r.receipt);
    if (r.owner != nullptr) d.release(r.owner);
    return c;
}

json::value synthesise(const herald_setting_desc& s) {
    if (s.default_value != nullptr) {
        boost::system::error_code ec;
        json::value v = json::parse(s.default_value, ec);
        if (!ec) return v;
    }
    switch (raw(s.type)) {
        case HERALD_SETTING_INTEGER:
            return 1;
        case HERALD_SETTING_BOOLEAN:
            return true;
        case HERALD_SETTING_STRING_LIST:
            return json::array{"conformance"};
        case HERALD_SETTING_STRING_MAP:
            return json::object{};
        case HERALD_SETTING_STRING:
            break;
    }
    if (s.flags & HERALD_SETTING_SECRET) {
        return json::string("https://127.0.0.1:9/hrld-secret-" + std::string(s.name) + "-5e3c9a");
    }
    return json::string("https://127.0.0.1:9/herald-conformance");
}

std::string outcome_name(long long outcome) {
    switch (outcome) {
        case HERALD_OUTCOME_DELIVERED:
            return "delivered";
        case HERALD_OUTCOME_ACCEPTED:
            return "accepted";
        case HERALD_OUTCOME_RETRY:
            return "retry";
        case HERALD_OUTCOME_REJECTED:
            return "rejected";
        default:
            return "unknown outcome " + std::to_string(outcome);
    }
}

bool contains_secret(const std::string& text, const std::vector<std::string>& secrets) {
    for (const auto& s : secrets) {
        if (!s.empty() && text.find(s) != std::string::npos) return true;
    }
    return false;
}

std::vector<std::string> secret_values(const herald_plugin_descriptor& d, const json::object& settings) {
    std::vector<std::string> out;
    for (size_t i = 0; i < d.setting_count; ++i) {
        const herald_setting_desc& s = *d.settings[i];
        if (!(s.flags & HERALD_SETTING_SECRET)) continue;
        if (const auto* v = settings.if_contains(s.name); v != nullptr && v->is_string()) {
            out.emplace_back(v->get_string());
        }
    }
    return out;
}

bool has_json_content_type(const Rendered& r) {
    for (const auto& [k, v] : r.headers) {
        std::string key = k;
        for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (key == "content-type") return v.find("json") != std::string::npos;
    }
    return false;
}

}  // namespace

std::string Report::text() const {
    std::ostringstream out;
    out << checks_run << " checks, " << findings.size() << " failed\n";
    for (const auto& f : findings) out << "  FAIL " << f.check << ": " << f.detail << "\n";
    return out.str();
}

OpenedPlugin open_plugin(const std::string& path) {
    OpenedPlugin out;
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
        const char* e = dlerror();
        out.error = e != nullptr ? e : "dlopen failed";
        return out;
    }
    auto entry = reinterpret_cast<herald_plugin_entry_fn>(dlsym(handle, HERALD_PLUGIN_ENTRY_SYMBOL));
    if (entry == nullptr) {
        out.error = "missing entry symbol '" HERALD_PLUGIN_ENTRY_SYMBOL "'";
        return out;
    }
    out.descriptor = entry();
    if (out.descriptor == nullptr) out.error = "entry symbol returned no descriptor";
    return out;  // the library stays loaded: descriptor pointers refer into it
}

namespace {

// What the phases share: the plugin, the caller's options, findings, and the instance made in
// the first phase with the settings it accepted.
struct Session {
    Session(const herald_plugin_descriptor& plugin, const Options& opts) : d(plugin), options(opts) {}

    const herald_plugin_descriptor& d;
    const Options& options;
    Collector c;
    RecordingHost host;
    json::object settings;
    std::string settings_text;
    std::vector<std::string> secrets;
    Created instance;
    std::vector<CorpusEvent> corpus = event_corpus();
    std::vector<Answer> answers = answer_table();
    std::vector<std::string> baseline;  // each corpus event's request, rendered alone
};

// Settings to try: the caller's, or synthesised (required only, then each optional secret alone).
std::vector<json::object> candidate_settings(const herald_plugin_descriptor& d, const Options& options) {
    if (!options.settings_json.empty()) return {json::parse(options.settings_json).as_object()};
    std::vector<json::object> candidates;
    json::object base;
    for (size_t i = 0; i < d.setting_count; ++i) {
        if (d.settings[i]->flags & HERALD_SETTING_REQUIRED) base[d.settings[i]->name] = synthesise(*d.settings[i]);
    }
    candidates.push_back(base);
    for (size_t i = 0; i < d.setting_count; ++i) {
        const auto& setting = *d.settings[i];
        if ((setting.flags & HERALD_SETTING_SECRET) && !(setting.flags & HERALD_SETTING_REQUIRED)) {
            json::object with = base;
            with[setting.name] = synthesise(setting);
            candidates.push_back(with);
        }
    }
    return candidates;
}

// 1. An instance from the first settings the plugin accepts.
bool create_instance(Session& s) {
    std::vector<std::string> failures;
    for (const auto& candidate : candidate_settings(s.d, s.options)) {
        s.instance = create(s.d, json::serialize(candidate), s.host);
        s.c.ran();
        if (s.instance.ok) {
            s.settings = candidate;
            break;
        }
        if (contains_secret(s.instance.error, secret_values(s.d, candidate))) {
            s.c.fail("create/no-secret-in-error", "create's error message quotes a secret setting");
        }
        failures.push_back(s.instance.error);
    }
    if (!s.instance.ok || s.instance.instance == nullptr) {
        std::string detail = "could not create an instance; pass settings explicitly. Errors:";
        for (const auto& f : failures) detail += " [" + f + "]";
        s.c.fail("create", detail);
        return false;
    }
    s.secrets = secret_values(s.d, s.settings);
    s.settings_text = json::serialize(s.settings);
    return true;
}

// 2. Each required setting left out must be refused, with a message and no secret in it.
void check_required_settings(Session& s) {
    for (size_t i = 0; i < s.d.setting_count; ++i) {
        const auto& setting = *s.d.settings[i];
        if (!(setting.flags & HERALD_SETTING_REQUIRED)) continue;
        json::object without = s.settings;
        without.erase(setting.name);
        Created refused = create(s.d, json::serialize(without), s.host);
        s.c.ran();
        if (refused.ok) {
            s.c.fail("create/requires-" + std::string(setting.name),
                     "create accepted settings without required '" + std::string(setting.name) + "'");
            s.d.destroy(refused.instance);
        } else if (refused.error.empty()) {
            s.c.fail("create/error-message", "a refused create gave no error message");
        } else if (contains_secret(refused.error, s.secrets)) {
            s.c.fail("create/no-secret-in-error", "create's error message quotes a secret setting");
        }
    }
}

// The request rendered for one corpus event, held to the ABI's rules.
void check_request(Session& s, const std::string& check, const Rendered& r) {
    const uint32_t max_body = s.d.delivery_defaults != nullptr ? s.d.delivery_defaults->max_body_bytes : 0;
    if (r.method.empty()) s.c.fail(check, "no HTTP method");
    if (r.url.rfind("http://", 0) != 0 && r.url.rfind("https://", 0) != 0) s.c.fail(check, "URL is not http(s)");
    if (max_body > 0 && r.body.size() > max_body) {
        s.c.fail(check,
                 "body is " + std::to_string(r.body.size()) + " bytes, over the declared " + std::to_string(max_body));
    }
    for (const auto& [k, v] : r.headers) {
        if (k.empty() || k.find_first_of("\r\n: ") != std::string::npos ||
            v.find_first_of("\r\n") != std::string::npos) {
            s.c.fail(check, "header '" + k + "' has an empty name or a line break");
        }
    }
    if (!has_json_content_type(r)) return;
    boost::system::error_code ec;
    const json::value body = json::parse(r.body, ec);
    if (ec) {
        s.c.fail(check, "body is not valid JSON: " + ec.message());
        return;
    }
    for (const auto& pointer : s.options.required_body_fields) {
        boost::system::error_code pec;
        if (body.find_pointer(pointer, pec) == nullptr) s.c.fail(check, "body has no " + pointer);
    }
}

// 3. Render every corpus event, once without and once with a previous receipt.
void check_renders(Session& s) {
    for (const auto& event : s.corpus) {
        for (const std::string_view receipt : {std::string_view{}, std::string_view{"1795000000.000100"}}) {
            const std::string check = "render/" + event.name + (receipt.empty() ? "" : "+receipt");
            const Rendered r = render(s.d, s.instance.instance, event, receipt);
            s.c.ran();
            if (receipt.empty()) s.baseline.push_back(r.fingerprint());
            if (!r.ok) {
                s.c.fail(check, "render failed: " +
                                    (contains_secret(r.error, s.secrets) ? "(message quotes a secret)" : r.error));
            } else if (!r.skip) {
                check_request(s, check, r);
            }
        }
    }
}

// 4. Classify the response table.
void check_classifications(Session& s) {
    const std::string& event_json = s.corpus.front().json;
    for (const auto& a : s.answers) {
        const std::string check = "classify/" + a.name;
        const Classified r = classify(s.d, s.instance.instance, event_json, a);
        s.c.ran();
        if (!r.ok) {
            s.c.fail(check, "classify failed: " +
                                (contains_secret(r.reason, s.secrets) ? "(reason quotes a secret)" : r.reason));
            continue;
        }
        if (r.outcome < HERALD_OUTCOME_DELIVERED || r.outcome > HERALD_OUTCOME_REJECTED) {
            s.c.fail(check, "unknown outcome " + std::to_string(r.outcome));
            continue;
        }
        if (a.expect != 0 && r.outcome != a.expect) {
            s.c.fail(check, outcome_name(r.outcome) + ", expected " + outcome_name(a.expect));
        }
        if (r.outcome == HERALD_OUTCOME_REJECTED && r.reason.empty()) s.c.fail(check, "rejected without a reason");
        if (a.status == 429 && r.retry_after_ms != 7000) {
            s.c.fail(check, "Retry-After: 7 not honoured (retry_after_ms " + std::to_string(r.retry_after_ms) + ")");
        }
        if (contains_secret(r.reason, s.secrets) || contains_secret(r.receipt, s.secrets)) {
            s.c.fail(check, "reason or receipt quotes a secret setting");
        }
    }
}

// 5. Every entry point from many threads at once, on one instance and on fresh ones.
void check_concurrency(Session& s) {
    const std::string& event_json = s.corpus.front().json;
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < s.options.threads; ++t) {
        threads.emplace_back([&s, &event_json, t] {
            for (unsigned i = 0; i < s.options.iterations_per_thread; ++i) {
                const size_t k = (t + i) % s.corpus.size();
                if (render(s.d, s.instance.instance, s.corpus[k], {}).fingerprint() != s.baseline[k]) {
                    s.c.fail("threads/render", "render gave a different request under concurrency");
                }
                const Classified r =
                    classify(s.d, s.instance.instance, event_json, s.answers[(t + i) % s.answers.size()]);
                if (!r.ok) s.c.fail("threads/classify", "classify failed under concurrency");
                if (i % 8 == 0) {
                    Created fresh = create(s.d, s.settings_text, s.host);
                    if (!fresh.ok)
                        s.c.fail("threads/create", "create failed under concurrency");
                    else
                        s.d.destroy(fresh.instance);
                }
            }
        });
    }
    for (auto& th : threads) th.join();
    s.c.ran(s.options.threads);
}

// 6. Nothing the plugin logged may contain a secret.
void check_logs(Session& s) {
    for (const auto& line : s.host.lines) {
        if (contains_secret(line, s.secrets)) {
            s.c.fail("log/no-secrets", "a log line quotes a secret setting");
            break;
        }
    }
    s.c.ran();
}

}  // namespace

Report run(const herald_plugin_descriptor& d, const Options& options) {
    Session s(d, options);
    if (!create_instance(s)) return s.c.take();
    check_required_settings(s);
    check_renders(s);
    check_classifications(s);
    check_concurrency(s);
    check_logs(s);
    d.destroy(s.instance.instance);
    return s.c.take();
}

}  // namespace herald::conformance
