#include "cli/emit_event.hpp"

#include <boost/json.hpp>

namespace herald::cli {
namespace json = boost::json;

namespace {

void put(json::object& obj, std::string_view key, const std::string& value) {
    if (!value.empty()) obj[key] = value;
}

}  // namespace

std::string build_emitted_event(const Args& args, const CiDefaults& ci, int64_t now_unix_ms) {
    const auto pick = [&args](std::string_view flag, const std::string& fallback) {
        return args.option(flag).value_or(fallback);
    };
    const std::string status = args.required("status");
    const std::string service = pick("service", ci.service);
    const std::string environment = pick("environment", ci.environment);
    const std::string run_id = pick("run-id", ci.run_id);

    json::object event;
    // The same run, attempt and status always give the same id: a retried send is a duplicate,
    // never a second notification.
    std::string id = service + "-" + environment + "-";
    id += run_id.empty() ? std::to_string(now_unix_ms) : run_id + (ci.run_attempt.empty() ? "" : "-" + ci.run_attempt);
    event["id"] = args.option("id").value_or(id + "-" + status);
    put(event, "service", service);
    put(event, "environment", environment);
    put(event, "status", status);
    put(event, "version", pick("version", ci.version));
    put(event, "team", pick("team", ""));
    put(event, "deployment_id", pick("deployment-id", ""));
    json::object commit;
    put(commit, "sha", pick("commit", ci.commit_sha));
    put(commit, "message", pick("commit-message", ci.commit_message));
    put(commit, "url", pick("commit-url", ci.commit_url));
    if (!commit.empty()) event["commit"] = std::move(commit);
    put(event, "triggered_by", pick("triggered-by", ci.triggered_by));
    json::object pipeline;
    put(pipeline, "url", pick("pipeline-url", ci.pipeline_url));
    put(pipeline, "name", pick("pipeline-name", ci.pipeline_name));
    put(pipeline, "run_id", run_id);
    if (!pipeline.empty()) event["pipeline"] = std::move(pipeline);
    if (status == "failed" || args.option("reason") || args.option("failure-stage")) {
        json::object failure;
        put(failure, "stage", pick("failure-stage", status == "failed" ? ci.failure_stage : ""));
        put(failure, "reason", pick("reason", ""));
        if (!failure.empty()) event["failure"] = std::move(failure);
    }
    if (args.option("rollback") || args.option("rollback-to")) {
        json::object rollback;
        put(rollback, "status", pick("rollback", ""));
        put(rollback, "to_version", pick("rollback-to", ""));
        event["rollback"] = std::move(rollback);
    }
    put(event, "started_at", pick("started-at", ci.started_at));
    put(event, "finished_at", pick("finished-at", ""));
    json::object labels;
    if (!ci.system.empty()) labels["ci"] = ci.system;
    for (const auto& label : args.options("label")) {
        const auto eq = label.find('=');
        if (eq == std::string::npos || eq == 0) throw UsageError("--label takes KEY=VALUE, not '" + label + "'");
        labels[label.substr(0, eq)] = label.substr(eq + 1);
    }
    if (!labels.empty()) event["labels"] = std::move(labels);
    return json::serialize(event);
}

}  // namespace herald::cli
