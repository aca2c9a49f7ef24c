// GitLab webhooks -> Herald events. The field mapping is documented in docs/sources/gitlab.md.
#include <boost/json.hpp>

#include "sources/inbound.hpp"
#include "sources/json_paths.hpp"

namespace herald {
namespace json = boost::json;
using sources::at;
using sources::first_of;
using sources::put_if;
using sources::text_at;

namespace {

std::string status_of(std::string_view gitlab_status) {
    if (gitlab_status == "running") return "started";
    if (gitlab_status == "success") return "succeeded";
    if (gitlab_status == "failed") return "failed";
    if (gitlab_status == "canceled") return "cancelled";
    return {};  // created, pending, blocked, skipped, manual...: not an outcome
}

// GitLab writes "2021-04-28 21:50:00 +0200" and "2016-08-12 15:23:28 UTC"; Herald takes RFC 3339.
std::string rfc3339_from_gitlab(std::string_view text) {
    if (text.size() < 19 || text[10] != ' ') return sources::rfc3339_or_empty(text);
    std::string out(text.substr(0, 19));
    out[10] = 'T';
    std::string_view zone = text.substr(19);
    while (!zone.empty() && zone.front() == ' ') zone.remove_prefix(1);
    if (zone == "UTC" || zone == "Z") {
        out += 'Z';
    } else if (zone.size() == 5 && (zone[0] == '+' || zone[0] == '-')) {
        out += std::string(zone.substr(0, 3)) + ":" + std::string(zone.substr(3));
    } else {
        return {};
    }
    return sources::rfc3339_or_empty(out);
}

// The project's path (last segment of path_with_namespace) unless the source maps the full path.
std::string service_of(const SourceConfig& source, const json::value& root) {
    const std::string full_path = text_at(root, {"project", "path_with_namespace"});
    if (const auto it = source.services.find(full_path); it != source.services.end()) return it->second;
    const auto slash = full_path.rfind('/');
    return first_of(
        {slash == std::string::npos ? full_path : full_path.substr(slash + 1), text_at(root, {"project", "name"})});
}

json::object labels_of(const json::value& root) {
    json::object labels;
    put_if(labels, "gitlab.project", text_at(root, {"project", "path_with_namespace"}));
    return labels;
}

SourceMapping deployment(const SourceConfig& source, const json::value& root, std::string id) {
    const std::string gitlab_status = text_at(root, {"status"});
    if (gitlab_status.empty()) return SourceMapping::reject("status", "missing");
    const std::string status = status_of(gitlab_status);
    if (status.empty()) return SourceMapping::ignore("deployment status '" + gitlab_status + "' is not deploy news");
    const std::string environment = text_at(root, {"environment"});
    if (environment.empty()) return SourceMapping::reject("environment", "missing");
    const std::string service = service_of(source, root);
    if (service.empty()) return SourceMapping::reject("project.path_with_namespace", "missing");
    // The hook carries only the short SHA; the full one ends commit_url.
    const std::string commit_url = text_at(root, {"commit_url"});
    std::string sha = text_at(root, {"short_sha"});
    if (const auto slash = commit_url.rfind('/'); slash != std::string::npos && commit_url.size() - slash > 8)
        sha = commit_url.substr(slash + 1);
    if (sha.empty()) return SourceMapping::reject("short_sha", "missing");

    json::object event;
    event["id"] = id;
    event["service"] = service;
    event["environment"] = environment;
    event["status"] = status;
    event["version"] = first_of({text_at(root, {"short_sha"}), sources::short_sha(sha, 8)});
    json::object commit{{"sha", sha}};
    put_if(commit, "message", text_at(root, {"commit_title"}));
    put_if(commit, "url", commit_url);
    event["commit"] = std::move(commit);
    put_if(event, "triggered_by", first_of({text_at(root, {"user", "username"}), text_at(root, {"user", "name"})}));
    const std::string project_url = text_at(root, {"project", "web_url"});
    json::object pipeline;
    put_if(pipeline, "url",
           first_of({text_at(root, {"deployable_url"}), project_url.empty() ? "" : project_url + "/-/environments"}));
    pipeline["name"] = "GitLab deployment";
    put_if(pipeline, "run_id", text_at(root, {"deployable_id"}));
    event["pipeline"] = std::move(pipeline);
    event["deployment_id"] = "gitlab/" + text_at(root, {"project", "path_with_namespace"}) + "/" +
                             first_of({text_at(root, {"deployment_id"}), id});
    if (status == "failed") event["failure"] = json::object{{"stage", "deploy"}, {"reason", "deployment failed"}};
    if (status != "started") put_if(event, "finished_at", rfc3339_from_gitlab(text_at(root, {"status_changed_at"})));
    event["labels"] = labels_of(root);
    return {SourceMapping::Kind::event, json::serialize(event), {}, {}};
}

SourceMapping pipeline(const SourceConfig& source, const json::value& root, std::string id) {
    const json::value* builds = at(root, {"builds"});
    const json::object* deploy_job = nullptr;
    const json::object* failed_job = nullptr;
    if (builds != nullptr && builds->is_array()) {
        for (const auto& b : builds->get_array()) {
            if (!b.is_object()) continue;
            const std::string stage = text_at(b, {"stage"});
            const bool deploys = !text_at(b, {"environment", "name"}).empty() ||
                                 std::find(source.deploy_stages.begin(), source.deploy_stages.end(), stage) !=
                                     source.deploy_stages.end();
            if (deploys && deploy_job == nullptr) deploy_job = &b.get_object();
            if (text_at(b, {"status"}) == "failed" && failed_job == nullptr) failed_job = &b.get_object();
        }
    }
    if (deploy_job == nullptr) return SourceMapping::ignore("pipeline has no deploy job");
    const std::string gitlab_status = text_at(root, {"object_attributes", "status"});
    if (gitlab_status.empty()) return SourceMapping::reject("object_attributes.status", "missing");
    const std::string status = status_of(gitlab_status);
    if (status.empty()) return SourceMapping::ignore("pipeline status '" + gitlab_status + "' is not deploy news");
    const json::value deploy(*deploy_job);
    const std::string environment = text_at(deploy, {"environment", "name"});
    if (environment.empty())
        return SourceMapping::reject("builds[].environment.name", "the deploy job names no environment");
    const std::string sha = first_of({text_at(root, {"object_attributes", "sha"}), text_at(root, {"commit", "id"})});
    if (sha.empty()) return SourceMapping::reject("object_attributes.sha", "missing");
    const std::string service = service_of(source, root);
    if (service.empty()) return SourceMapping::reject("project.path_with_namespace", "missing");
    const std::string pipeline_id = text_at(root, {"object_attributes", "id"});
    const std::string project_url = text_at(root, {"project", "web_url"});

    json::object event;
    event["id"] = id;
    event["service"] = service;
    event["environment"] = environment;
    event["status"] = status;
    event["version"] = sources::short_sha(sha, 8);
    json::object commit{{"sha", sha}};
    put_if(commit, "message", text_at(root, {"commit", "message"}));
    put_if(commit, "url", text_at(root, {"commit", "url"}));
    event["commit"] = std::move(commit);
    put_if(event, "triggered_by", first_of({text_at(root, {"user", "username"}), text_at(root, {"user", "name"})}));
    json::object run;
    put_if(run, "url",
           first_of({text_at(root, {"object_attributes", "url"}),
                     project_url.empty() || pipeline_id.empty() ? "" : project_url + "/-/pipelines/" + pipeline_id}));
    run["name"] = first_of({text_at(root, {"object_attributes", "name"}), "GitLab pipeline"});
    put_if(run, "run_id", pipeline_id);
    event["pipeline"] = std::move(run);
    if (status == "failed") {
        const json::value failed = failed_job != nullptr ? json::value(*failed_job) : deploy;
        std::string reason = "job " + text_at(failed, {"name"}) + " failed";
        if (const std::string why = text_at(failed, {"failure_reason"}); !why.empty()) reason += ": " + why;
        event["failure"] = json::object{{"stage", text_at(failed, {"stage"})}, {"reason", reason}};
    }
    put_if(event, "started_at", rfc3339_from_gitlab(text_at(root, {"object_attributes", "created_at"})));
    if (status != "started") {
        put_if(event, "finished_at", rfc3339_from_gitlab(text_at(root, {"object_attributes", "finished_at"})));
    }
    event["labels"] = labels_of(root);
    return {SourceMapping::Kind::event, json::serialize(event), {}, {}};
}

}  // namespace

SourceMapping map_gitlab(const SourceConfig& source, const InboundRequest& request) {
    const std::string_view event_type = request.header("X-Gitlab-Event");
    if (event_type.empty()) return SourceMapping::reject("X-Gitlab-Event", "header missing");
    if (event_type != "Deployment Hook" && event_type != "Pipeline Hook") {
        return SourceMapping::ignore("event type '" + std::string(event_type) +
                                     "' is not mapped (Deployment Hook and Pipeline Hook are)");
    }
    // Stable across GitLab's retries of one event.
    const std::string id(
        first_of({std::string(request.header("X-Gitlab-Event-UUID")), std::string(request.header("Idempotency-Key"))}));
    if (id.empty()) return SourceMapping::reject("X-Gitlab-Event-UUID", "header missing");
    boost::system::error_code ec;
    const json::value root = json::parse(request.body, ec);
    if (ec || !root.is_object()) return SourceMapping::reject("", "body is not a JSON object");
    return event_type == "Deployment Hook" ? deployment(source, root, id) : pipeline(source, root, id);
}

}  // namespace herald
