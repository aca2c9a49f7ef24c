#include <boost/json.hpp>
#include <herald/conformance.hpp>

namespace herald::conformance {
namespace {

namespace json = boost::json;

json::object full_failure() {
    return json::parse(R"({
      "id": "conf-failed-1", "deployment_id": "checkout/production/981",
      "service": "checkout", "environment": "production", "status": "failed",
      "version": "2.14.0",
      "commit": {"sha": "9f2c1e7a4b3d5e6f708192a3b4c5d6e7f8091a2b", "message": "Raise connection pool size",
                 "url": "https://git.example.com/shop/checkout/commit/9f2c1e7"},
      "triggered_by": "alice@example.com",
      "pipeline": {"url": "https://ci.example.com/shop/checkout/runs/981", "name": "deploy-production", "run_id": "981"},
      "rollback": {"status": "succeeded", "to_version": "2.13.4"},
      "failure": {"stage": "health-check", "reason": "p99 latency above 800 ms for 5 minutes"},
      "started_at": "2026-11-27T07:40:00Z", "finished_at": "2026-11-27T07:48:05Z",
      "labels": {"region": "eu-west-1", "cluster": "prod-a"}
    })")
        .as_object();
}

}  // namespace

std::vector<CorpusEvent> event_corpus() {
    std::vector<CorpusEvent> corpus;
    auto add = [&](std::string name, const json::object& event, bool recovery = false) {
        corpus.push_back({std::move(name), json::serialize(event), recovery});
    };

    const json::object failed = full_failure();
    add("failed", failed);

    json::object succeeded = failed;
    succeeded["id"] = "conf-succeeded-1";
    succeeded["status"] = "succeeded";
    succeeded.erase("failure");
    succeeded.erase("rollback");
    add("succeeded", succeeded);
    add("recovered", succeeded, true);

    json::object started = failed;
    started["status"] = "started";
    started.erase("failure");
    started.erase("rollback");
    started.erase("finished_at");
    add("started", started);

    json::object cancelled = started;
    cancelled["status"] = "cancelled";
    add("cancelled", cancelled);

    add("minimal-started",
        json::object{
            {"id", "m1"}, {"deployment_id", "s/e/m1"}, {"service", "s"}, {"environment", "e"}, {"status", "started"}});
    add("minimal-succeeded", json::object{{"id", "m2"},
                                          {"deployment_id", "s/e/m2"},
                                          {"service", "s"},
                                          {"environment", "e"},
                                          {"status", "succeeded"},
                                          {"version", "1"}});
    add("minimal-failed", json::object{{"id", "m3"},
                                       {"deployment_id", "s/e/m3"},
                                       {"service", "s"},
                                       {"environment", "e"},
                                       {"status", "failed"},
                                       {"commit", {{"sha", "abc"}}},
                                       {"triggered_by", "ci"},
                                       {"pipeline", {{"url", "https://ci.example.com/1"}}}});

    json::object unicode = failed;
    unicode["service"] = "zahlungsdienst-äöü-支付-🚀";
    unicode["failure"].as_object()["reason"] =
        "Ошибка: 数据库连接失败 — «timeout» <script>&amp; \"quotes\" \\ \n\ttabs";
    unicode["commit"].as_object()["message"] =
        "Fix 💥 when name has emoji 👩‍👩‍👧‍👦 and RTL עברית";
    add("unicode", unicode);

    json::object long_reason = failed;
    std::string reason;
    while (reason.size() < 10 * 1024) reason += "Stack frame at com.example.checkout.Payment.process(Payment.java:42) ";
    long_reason["failure"].as_object()["reason"] = reason;
    add("10kb-failure-reason", long_reason);

    json::object huge = failed;
    std::string text;
    while (text.size() < 64 * 1024) text += "é€𝄞 ";
    huge["failure"].as_object()["reason"] = text;
    huge["commit"].as_object()["message"] = text;
    huge["service"] = std::string(1024, 's');
    huge["environment"] = std::string(1024, 'e');
    huge["triggered_by"] = std::string(1024, 't');
    huge["failure"].as_object()["stage"] = std::string(1024, 'g');
    add("limits-at-maximum", huge);

    json::object labelled = failed;
    json::object labels;
    for (int i = 0; i < 64; ++i) labels["label-" + std::to_string(i)] = std::string(256, 'v');
    labelled["labels"] = labels;
    labelled["x_unknown_field"] = json::object{{"nested", json::array{1, 2, 3}}};
    add("labels-and-unknown-fields", labelled);

    for (const char* rollback : {"not_attempted", "in_progress", "failed"}) {
        json::object e = failed;
        e["rollback"] = json::object{{"status", rollback}};
        add(std::string("rollback-") + rollback, e);
    }
    return corpus;
}

}  // namespace herald::conformance
