// CDEvents (CloudEvents 1.0, binary or structured content mode) -> Herald events. The field
// mapping is documented in docs/sources/cdevents.md.
#include <boost/json.hpp>
#include <boost/url/pct_string_view.hpp>

#include <algorithm>

#include "common/sha256.hpp"
#include "sources/inbound.hpp"
#include "sources/json_paths.hpp"

namespace herald {
namespace json = boost::json;
using sources::at;
using sources::first_of;
using sources::put_if;
using sources::text_at;

namespace {

struct CdEventType {
    std::string subject;    // "service", "pipelinerun", ...
    std::string predicate;  // "deployed", "finished", ...
};

// "dev.cdevents.service.deployed.0.3.0" -> {service, deployed}; any event version is read the
// same way (the fields Herald uses did not change between spec 0.4 and 0.5).
std::optional<CdEventType> parse_type(std::string_view type) {
    constexpr std::string_view kPrefix = "dev.cdevents.";
    if (type.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
    type.remove_prefix(kPrefix.size());
    const auto dot = type.find('.');
    if (dot == std::string_view::npos) return std::nullopt;
    const auto dot2 = type.find('.', dot + 1);
    if (dot2 == std::string_view::npos) return std::nullopt;
    return CdEventType{std::string(type.substr(0, dot)), std::string(type.substr(dot + 1, dot2 - dot - 1))};
}

// The version of a package URL ("pkg:oci/myapp@sha256%3A0b31..." -> "sha256:0b31...").
std::string purl_version(const std::string& purl) {
    const auto at_sign = purl.rfind('@');
    if (at_sign == std::string::npos) return {};
    std::string_view version = std::string_view(purl).substr(at_sign + 1);
    version = version.substr(0, version.find_first_of("?#"));
    // Decoded only when that gives printable ASCII (versions are like "1.4.2" or "sha256:…"): a
    // decoded byte could be anything, including half a UTF-8 character.
    const auto decoded = boost::urls::make_pct_string_view(version);
    if (!decoded) return std::string(version);
    std::string text = decoded->decode();
    const bool plain = std::all_of(text.begin(), text.end(), [](char c) { return c > ' ' && c < 0x7f; });
    return plain ? text : std::string(version);
}

// CloudEvents ids are unique per source, so Herald's id names both.
std::string event_id(const std::string& source, const std::string& id) {
    std::string combined = source + "#" + id;
    return combined.size() <= 256 ? combined : "cdevents-" + sha256_hex(combined);
}

json::object base_event(const json::value& cd, const std::string& id, const CdEventType& type) {
    json::object event;
    event["id"] = id;
    json::object labels{{"cdevents.type", type.subject + "." + type.predicate}};
    put_if(labels, "cdevents.source", text_at(cd, {"context", "source"}));
    event["labels"] = std::move(labels);
    const std::string timestamp = sources::rfc3339_or_empty(text_at(cd, {"context", "timestamp"}));
    put_if(event, "finished_at", timestamp);
    put_if(event, "triggered_by", text_at(cd, {"customData", "triggered_by"}));
    return event;
}

SourceMapping service_event(const SourceConfig& source, const json::value& cd, const std::string& id,
                            const CdEventType& type) {
    if (type.predicate != "deployed" && type.predicate != "upgraded" && type.predicate != "rolledback" &&
        type.predicate != "removed") {
        return SourceMapping::ignore("service." + type.predicate + " is not deploy news");
    }
    const std::string subject_id = text_at(cd, {"subject", "id"});
    if (subject_id.empty()) return SourceMapping::reject("subject.id", "missing");
    const std::string environment = text_at(cd, {"subject", "content", "environment", "id"});
    if (environment.empty()) return SourceMapping::reject("subject.content.environment.id", "missing");
    const std::string artifact = text_at(cd, {"subject", "content", "artifactId"});
    std::string version = type.predicate == "removed" ? "removed" : purl_version(artifact);
    if (version.empty()) return SourceMapping::reject("subject.content.artifactId", "missing or has no @version");

    json::object event = base_event(cd, id, type);
    event["service"] = sources::mapped_service(source.services, subject_id);
    event["environment"] = environment;
    event["status"] = "succeeded";
    event["version"] = version;
    if (type.predicate == "rolledback") {
        event["rollback"] = json::object{{"status", "succeeded"}, {"to_version", version}};
    }
    const std::string sha =
        first_of({text_at(cd, {"customData", "commit", "sha"}), text_at(cd, {"customData", "sha"})});
    if (!sha.empty()) event["commit"] = json::object{{"sha", sha}};
    return {SourceMapping::Kind::event, json::serialize(event), {}, {}};
}

SourceMapping pipelinerun_finished(const SourceConfig& source, const json::value& cd, const std::string& id,
                                   const CdEventType& type) {
    const std::string outcome = text_at(cd, {"subject", "content", "outcome"});
    std::string status;
    if (outcome == "success") status = "succeeded";
    if (outcome == "failure" || outcome == "error") status = "failed";
    if (outcome == "cancel") status = "cancelled";
    if (status.empty())
        return SourceMapping::reject("subject.content.outcome", "must be success, failure, error or cancel");
    const std::string pipeline_name = text_at(cd, {"subject", "content", "pipelineName"});
    // A pipeline run names no service: customData says where it belongs, or the source's map.
    PipelineTarget target{text_at(cd, {"customData", "service"}), text_at(cd, {"customData", "environment"})};
    if (const auto it = source.pipelines.find(pipeline_name); it != source.pipelines.end()) {
        if (target.service.empty()) target.service = it->second.service;
        if (target.environment.empty()) target.environment = it->second.environment;
    }
    if (target.service.empty()) {
        return SourceMapping::reject("customData.service",
                                     "pipeline '" + pipeline_name +
                                         "' names no service: set customData.service or map the pipeline in the "
                                         "source's `pipelines`");
    }
    if (target.environment.empty()) {
        return SourceMapping::reject("customData.environment", "pipeline '" + pipeline_name + "' names no environment");
    }
    const std::string sha =
        first_of({text_at(cd, {"customData", "commit", "sha"}), text_at(cd, {"customData", "sha"})});
    if (status == "failed" && sha.empty()) {
        return SourceMapping::reject("customData.commit.sha", "a failed pipeline run needs the commit it deployed");
    }

    json::object event = base_event(cd, id, type);
    event["service"] = target.service;
    event["environment"] = target.environment;
    event["status"] = status;
    put_if(event, "version", first_of({text_at(cd, {"customData", "version"}), sources::short_sha(sha)}));
    if (!sha.empty()) event["commit"] = json::object{{"sha", sha}};
    if (!event.contains("triggered_by")) put_if(event, "triggered_by", text_at(cd, {"context", "source"}));
    json::object pipeline;
    put_if(pipeline, "url",
           first_of({text_at(cd, {"subject", "content", "uri"}), text_at(cd, {"subject", "content", "url"})}));
    put_if(pipeline, "name", pipeline_name);
    put_if(pipeline, "run_id", text_at(cd, {"subject", "id"}));
    event["pipeline"] = std::move(pipeline);
    if (status == "failed") {
        event["failure"] = json::object{
            {"stage", pipeline_name},
            {"reason", first_of({text_at(cd, {"subject", "content", "errors"}), "pipeline run outcome: " + outcome})}};
    }
    return {SourceMapping::Kind::event, json::serialize(event), {}, {}};
}

bool starts_with_ci(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (size_t i = 0; i < prefix.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
    }
    return true;
}

}  // namespace

SourceMapping map_cdevents(const SourceConfig& source, const InboundRequest& request) {
    boost::system::error_code ec;
    json::value body = json::parse(request.body, ec);
    if (ec || !body.is_object()) return SourceMapping::reject("", "body is not a JSON object");

    json::value cd;
    if (starts_with_ci(request.content_type, "application/cloudevents+json")) {
        // Structured mode: the CloudEvent's attributes and the CDEvent as `data`.
        if (text_at(body, {"specversion"}) != "1.0") return SourceMapping::reject("specversion", "must be \"1.0\"");
        const json::value* data = at(body, {"data"});
        if (data == nullptr || !data->is_object()) return SourceMapping::reject("data", "must hold the CDEvent object");
        cd = *data;
        for (const auto* attribute : {"id", "type", "source"}) {
            const std::string context_value = text_at(cd, {"context", attribute});
            if (!context_value.empty() && text_at(body, {attribute}) != context_value) {
                return SourceMapping::reject(attribute, std::string("differs from the CDEvent's context.") + attribute);
            }
        }
    } else {
        // Binary mode: ce-* headers and the CDEvent as the body (or a bare CDEvent).
        cd = std::move(body);
        const std::string_view spec = request.header("ce-specversion");
        if (!spec.empty() && spec != "1.0") return SourceMapping::reject("ce-specversion", "must be 1.0");
        for (const auto* attribute : {"id", "type", "source"}) {
            const std::string_view header = request.header(std::string("ce-") + attribute);
            if (!header.empty() && header != text_at(cd, {"context", attribute})) {
                return SourceMapping::reject(std::string("ce-") + attribute,
                                             std::string("differs from the CDEvent's context.") + attribute);
            }
        }
    }
    const std::string spec_version = text_at(cd, {"context", "specversion"});
    if (spec_version.empty()) return SourceMapping::reject("context.specversion", "missing");
    if (spec_version.rfind("0.", 0) != 0) {
        return SourceMapping::reject("context.specversion", "CDEvents " + spec_version + " is not supported (0.x is)");
    }
    const std::string type_text = text_at(cd, {"context", "type"});
    const auto type = parse_type(type_text);
    if (!type)
        return SourceMapping::reject("context.type", "must be a dev.cdevents.<subject>.<predicate>.<version> type");
    const std::string cd_id = text_at(cd, {"context", "id"});
    const std::string cd_source = text_at(cd, {"context", "source"});
    if (cd_id.empty()) return SourceMapping::reject("context.id", "missing");
    if (cd_source.empty()) return SourceMapping::reject("context.source", "missing");
    const std::string id = event_id(cd_source, cd_id);

    if (type->subject == "service") return service_event(source, cd, id, *type);
    if (type->subject == "pipelinerun" && type->predicate == "finished")
        return pipelinerun_finished(source, cd, id, *type);
    return SourceMapping::ignore(type_text + " is not deploy news");
}

}  // namespace herald
