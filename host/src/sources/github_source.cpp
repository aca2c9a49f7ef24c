// GitHub webhooks -> Herald events. The field mapping is documented in docs/sources/github.md.
#include <boost/json.hpp>

#include "sources/inbound.hpp"
#include "sources/json_paths.hpp"

namespace herald {
namespace json = boost::json;
using sources::first_of;
using sources::put_if;
using sources::text_at;

namespace {

// deployment_status.state -> Herald status; empty for states that are not deploy news.
std::string status_of_deployment_state(std::string_view state) {
    if (state == "success") return "succeeded";
    if (state == "failure" || state == "error") return "failed";
    if (state == "pending" || state == "queued" || state == "in_progress" || state == "waiting") return "started";
    return {};  // inactive: a superseded deployment; unknown states are not an outcome
}

// workflow_run (action, conclusion) -> Herald status; empty when not deploy news.
std::string status_of_workflow_run(std::string_view action, std::string_view conclusion) {
    if (action == "in_progress") return "started";
    if (action != "completed") return {};
    if (conclusion == "success") return "succeeded";
    if (conclusion == "failure" || conclusion == "timed_out" || conclusion == "startup_failure") return "failed";
    if (conclusion == "cancelled") return "cancelled";
    return {};  // skipped, neutral, stale, action_required
}

json::object common_fields(const SourceConfig& source, const json::value& root, std::string_view delivery) {
    json::object event;
    event["id"] = delivery;
    // The repository's short name unless the source maps the full name to a service.
    const std::string full_name = text_at(root, {"repository", "full_name"});
    const auto mapped = source.services.find(full_name);
    event["service"] = mapped != source.services.end() ? mapped->second : text_at(root, {"repository", "name"});
    json::object labels;
    put_if(labels, "github.repository", text_at(root, {"repository", "full_name"}));
    event["labels"] = std::move(labels);
    return event;
}

SourceMapping deployment_status(const SourceConfig& source, const json::value& root, std::string_view delivery) {
    const std::string state = text_at(root, {"deployment_status", "state"});
    if (state.empty()) return SourceMapping::reject("deployment_status.state", "missing");
    const std::string status = status_of_deployment_state(state);
    if (status.empty()) return SourceMapping::ignore("deployment state '" + state + "' is not deploy news");
    const std::string sha = text_at(root, {"deployment", "sha"});
    if (sha.empty()) return SourceMapping::reject("deployment.sha", "missing");
    const std::string environment =
        first_of({text_at(root, {"deployment_status", "environment"}), text_at(root, {"deployment", "environment"})});
    if (environment.empty()) return SourceMapping::reject("deployment.environment", "missing");
    if (text_at(root, {"repository", "name"}).empty()) return SourceMapping::reject("repository.name", "missing");

    json::object event = common_fields(source, root, delivery);
    event["environment"] = environment;
    event["status"] = status;
    event["version"] = first_of({text_at(root, {"deployment", "payload", "version"}), sources::short_sha(sha)});
    const std::string repo_url = text_at(root, {"repository", "html_url"});
    json::object commit{{"sha", sha}};
    if (!repo_url.empty()) commit["url"] = repo_url + "/commit/" + sha;
    event["commit"] = std::move(commit);
    put_if(event, "triggered_by",
           first_of({text_at(root, {"deployment", "creator", "login"}), text_at(root, {"sender", "login"})}));
    json::object pipeline;
    put_if(
        pipeline, "url",
        first_of({text_at(root, {"deployment_status", "log_url"}), text_at(root, {"deployment_status", "target_url"}),
                  text_at(root, {"workflow_run", "html_url"}), repo_url.empty() ? "" : repo_url + "/deployments"}));
    pipeline["name"] = first_of({text_at(root, {"workflow", "name"}), "GitHub deployment"});
    put_if(pipeline, "run_id", text_at(root, {"deployment", "id"}));
    event["pipeline"] = std::move(pipeline);
    if (const std::string ref = text_at(root, {"deployment", "ref"}); !ref.empty()) {
        event["labels"].as_object()["github.ref"] = ref;
    }
    event["deployment_id"] = "github/" + text_at(root, {"repository", "full_name"}) + "/" +
                             first_of({text_at(root, {"deployment", "id"}), std::string(delivery)});
    if (status == "failed") {
        json::object failure{{"stage", first_of({text_at(root, {"deployment", "task"}), "deploy"})}};
        put_if(failure, "reason",
               first_of({text_at(root, {"deployment_status", "description"}), "deployment state: " + state}));
        event["failure"] = std::move(failure);
    }
    put_if(event, "started_at", sources::rfc3339_or_empty(text_at(root, {"deployment", "created_at"})));
    if (status != "started") {
        put_if(event, "finished_at", sources::rfc3339_or_empty(text_at(root, {"deployment_status", "created_at"})));
    }
    return {SourceMapping::Kind::event, json::serialize(event), {}, {}};
}

SourceMapping workflow_run(const SourceConfig& source, const json::value& root, std::string_view delivery) {
    const std::string name = text_at(root, {"workflow_run", "name"});
    if (name.empty()) return SourceMapping::reject("workflow_run.name", "missing");
    const auto listed = source.workflows.find(name);
    if (listed == source.workflows.end()) {
        return SourceMapping::ignore("workflow '" + name + "' is not one of the source's deploy workflows");
    }
    const std::string action = text_at(root, {"action"});
    const std::string conclusion = text_at(root, {"workflow_run", "conclusion"});
    const std::string status = status_of_workflow_run(action, conclusion);
    if (status.empty()) {
        return SourceMapping::ignore("workflow run " + action + (conclusion.empty() ? "" : " (" + conclusion + ")") +
                                     " is not deploy news");
    }
    const std::string sha = text_at(root, {"workflow_run", "head_sha"});
    if (sha.empty()) return SourceMapping::reject("workflow_run.head_sha", "missing");
    const std::string run_url = text_at(root, {"workflow_run", "html_url"});
    if (run_url.empty()) return SourceMapping::reject("workflow_run.html_url", "missing");
    if (text_at(root, {"repository", "name"}).empty()) return SourceMapping::reject("repository.name", "missing");

    json::object event = common_fields(source, root, delivery);
    event["environment"] = listed->second;
    event["status"] = status;
    event["version"] = sources::short_sha(sha);
    json::object commit{{"sha", sha}};
    put_if(commit, "message", text_at(root, {"workflow_run", "head_commit", "message"}));
    const std::string repo_url = text_at(root, {"repository", "html_url"});
    if (!repo_url.empty()) commit["url"] = repo_url + "/commit/" + sha;
    event["commit"] = std::move(commit);
    put_if(event, "triggered_by",
           first_of({text_at(root, {"workflow_run", "triggering_actor", "login"}),
                     text_at(root, {"workflow_run", "actor", "login"}), text_at(root, {"sender", "login"})}));
    json::object pipeline{{"url", run_url}, {"name", name}};
    put_if(pipeline, "run_id", text_at(root, {"workflow_run", "id"}));
    event["pipeline"] = std::move(pipeline);
    if (status == "failed") {
        event["failure"] = json::object{{"stage", name}, {"reason", "workflow run concluded " + conclusion}};
    }
    put_if(event, "started_at", sources::rfc3339_or_empty(text_at(root, {"workflow_run", "run_started_at"})));
    if (status != "started") {
        put_if(event, "finished_at", sources::rfc3339_or_empty(text_at(root, {"workflow_run", "updated_at"})));
    }
    return {SourceMapping::Kind::event, json::serialize(event), {}, {}};
}

}  // namespace

SourceMapping map_github(const SourceConfig& source, const InboundRequest& request) {
    const std::string_view event_type = request.header("X-GitHub-Event");
    if (event_type.empty()) return SourceMapping::reject("X-GitHub-Event", "header missing");
    if (event_type == "ping") return {SourceMapping::Kind::ping, {}, {}, "pong"};
    if (event_type != "deployment_status" && event_type != "workflow_run") {
        return SourceMapping::ignore("event type '" + std::string(event_type) +
                                     "' is not mapped (deployment_status and workflow_run are)");
    }
    const std::string_view delivery = request.header("X-GitHub-Delivery");
    if (delivery.empty()) return SourceMapping::reject("X-GitHub-Delivery", "header missing");
    boost::system::error_code ec;
    const json::value root = json::parse(request.body, ec);
    if (ec || !root.is_object()) return SourceMapping::reject("", "body is not a JSON object");
    return event_type == "deployment_status" ? deployment_status(source, root, delivery)
                                             : workflow_run(source, root, delivery);
}

}  // namespace herald
