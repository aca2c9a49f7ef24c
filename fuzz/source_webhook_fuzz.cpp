// Fuzzes the GitHub, GitLab and CDEvents adapters with arbitrary bodies under each event type
// they map: no crash, and whatever they call an event is a JSON object for the event parser.
#include <boost/json/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string_view>

#include "event/deploy_event.hpp"
#include "sources/inbound.hpp"

namespace {

struct Case {
    const char* kind;
    std::map<std::string_view, std::string_view> headers;
    std::string_view content_type;
};

const Case kCases[] = {
    {"github", {{"X-GitHub-Event", "deployment_status"}, {"X-GitHub-Delivery", "d-1"}}, "application/json"},
    {"github", {{"X-GitHub-Event", "workflow_run"}, {"X-GitHub-Delivery", "d-2"}}, "application/json"},
    {"gitlab", {{"X-Gitlab-Event", "Deployment Hook"}, {"X-Gitlab-Event-UUID", "u-1"}}, "application/json"},
    {"gitlab", {{"X-Gitlab-Event", "Pipeline Hook"}, {"X-Gitlab-Event-UUID", "u-2"}}, "application/json"},
    {"cdevents", {{"ce-specversion", "1.0"}}, "application/json"},
    {"cdevents", {}, "application/cloudevents+json"},
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    for (const Case& c : kCases) {
        herald::SourceConfig source;
        source.name = c.kind;
        source.kind = c.kind;
        source.workflows["Deploy production"] = "production";
        source.pipelines["myPipeline"] = {"payments-api", "production"};
        const auto header = [&c](std::string_view name) -> std::string_view {
            const auto it = c.headers.find(name);
            return it == c.headers.end() ? std::string_view() : it->second;
        };
        const herald::SourceMapping m = herald::map_inbound(source, {header, c.content_type, body});
        if (m.kind != herald::SourceMapping::Kind::event) continue;
        boost::system::error_code ec;
        const auto parsed = boost::json::parse(m.event_json, ec);
        if (ec || !parsed.is_object()) __builtin_trap();
        herald::parse_deploy_event(m.event_json);
    }
    return 0;
}
