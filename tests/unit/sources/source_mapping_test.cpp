// Each source's webhook, replayed from the samples in tests/fixtures/sources/, mapped to a Herald
// event and validated by the same rules as POST /v1/events.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <iterator>
#include <map>

#include "event/deploy_event.hpp"
#include "sources/inbound.hpp"
#include "sources/json_paths.hpp"

namespace herald {
namespace {
namespace json = boost::json;

std::string fixture(const std::string& name) {
    std::ifstream in(std::string(HERALD_SOURCE_DIR) + "/tests/fixtures/sources/" + name, std::ios::binary);
    EXPECT_TRUE(in) << name;
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The delivery headers stored next to a sample.
std::map<std::string, std::string> sample_headers(const std::string& name) {
    const json::value all = json::parse(fixture("inbound-delivery-headers-examples.json"));
    std::map<std::string, std::string> out;
    for (const auto& [key, value] : all.at(name).at("headers").as_object()) {
        out[std::string(key)] = std::string(value.as_string());
    }
    return out;
}

struct Delivery {
    std::map<std::string, std::string> headers;
    std::string body;

    SourceMapping map(const SourceConfig& source) const {
        const auto lookup = [this](std::string_view name) -> std::string_view {
            for (const auto& [key, value] : headers) {
                if (key.size() == name.size() && std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
                        return std::tolower(a) == std::tolower(b);
                    })) {
                    return value;
                }
            }
            return {};
        };
        const auto ct = headers.find("Content-Type");
        return map_inbound(source, {lookup, ct == headers.end() ? "" : ct->second, body});
    }
};

Delivery sample(const std::string& name) { return {sample_headers(name), fixture(name)}; }

SourceConfig source_of(const std::string& kind) {
    SourceConfig s;
    s.name = kind;
    s.kind = kind;
    return s;
}

// Maps, requires an event, validates it with Herald's own parser and returns it as JSON.
json::object mapped_event(const SourceConfig& source, const Delivery& delivery) {
    const SourceMapping m = delivery.map(source);
    EXPECT_EQ(m.kind, SourceMapping::Kind::event) << m.field << ": " << m.message;
    const ParsedEvent parsed = parse_deploy_event(m.event_json);
    for (const auto& e : parsed.errors) ADD_FAILURE() << e.message() << " in " << m.event_json;
    return parsed.event ? json::parse(parsed.event->json).as_object() : json::object{};
}

TEST(GitHubSource, DeploymentStatusFailureBecomesAFailedEvent) {
    const json::object e = mapped_event(source_of("github"), sample("github-deployment_status-failure.json"));
    EXPECT_EQ(e.at("id"), "8ae1f0a4-cc78-11e3-81ab-4c9367dc0958");  // X-GitHub-Delivery
    EXPECT_EQ(e.at("service"), "Hello-World");
    EXPECT_EQ(e.at("environment"), "production");
    EXPECT_EQ(e.at("status"), "failed");
    EXPECT_EQ(e.at("commit").at("sha"), "f95f852bd8fca8fcc58a9a2d6c842781e32a215e");
    EXPECT_EQ(e.at("commit").at("url"),
              "https://github.com/Codertocat/Hello-World/commit/f95f852bd8fca8fcc58a9a2d6c842781e32a215e");
    EXPECT_EQ(e.at("triggered_by"), "Codertocat");
    // target_url and log_url are empty in GitHub's example: the deployments page stands in.
    EXPECT_EQ(e.at("pipeline").at("url"), "https://github.com/Codertocat/Hello-World/deployments");
    EXPECT_EQ(e.at("pipeline").at("run_id"), "145988746");
    EXPECT_EQ(e.at("deployment_id"), "github/Codertocat/Hello-World/145988746");
    EXPECT_EQ(e.at("finished_at"), "2019-05-15T15:20:55Z");
    EXPECT_EQ(e.at("labels").at("github.repository"), "Codertocat/Hello-World");
    EXPECT_EQ(e.at("labels").at("github.ref"), "master");
}

TEST(GitHubSource, DeploymentStatusSuccessCarriesAVersion) {
    const json::object e = mapped_event(source_of("github"), sample("github-deployment_status-success.json"));
    EXPECT_EQ(e.at("status"), "succeeded");
    EXPECT_EQ(e.at("version"), "f95f852bd8fc");
}

TEST(GitHubSource, ServicesMapRenamesTheRepository) {
    SourceConfig source = source_of("github");
    source.services["Codertocat/Hello-World"] = "hello-api";
    EXPECT_EQ(mapped_event(source, sample("github-deployment_status-success.json")).at("service"), "hello-api");
}

TEST(GitHubSource, StatesAreMappedAndInactiveIsIgnored) {
    Delivery d = sample("github-deployment_status-success.json");
    const std::map<std::string, std::string> expected = {
        {"error", "failed"}, {"pending", "started"}, {"in_progress", "started"}, {"queued", "started"}};
    for (const auto& [state, status] : expected) {
        json::value body = json::parse(d.body);
        body.at("deployment_status").as_object()["state"] = state;
        const Delivery changed{d.headers, json::serialize(body)};
        EXPECT_EQ(mapped_event(source_of("github"), changed).at("status"), json::value(status)) << state;
    }
    json::value body = json::parse(d.body);
    body.at("deployment_status").as_object()["state"] = "inactive";
    const SourceMapping m = Delivery{d.headers, json::serialize(body)}.map(source_of("github"));
    EXPECT_EQ(m.kind, SourceMapping::Kind::ignored);
    EXPECT_NE(m.message.find("inactive"), std::string::npos);
}

TEST(GitHubSource, PingAndOtherEventTypesAreNotEvents) {
    Delivery d = sample("github-deployment_status-success.json");
    d.headers["X-GitHub-Event"] = "ping";
    EXPECT_EQ(d.map(source_of("github")).kind, SourceMapping::Kind::ping);
    d.headers["X-GitHub-Event"] = "push";
    const SourceMapping m = d.map(source_of("github"));
    EXPECT_EQ(m.kind, SourceMapping::Kind::ignored);
    EXPECT_NE(m.message.find("'push'"), std::string::npos);
}

TEST(GitHubSource, UnmappablePayloadsNameTheMissingField) {
    Delivery d = sample("github-deployment_status-failure.json");
    json::value body = json::parse(d.body);
    body.at("deployment").as_object().erase("sha");
    SourceMapping m = Delivery{d.headers, json::serialize(body)}.map(source_of("github"));
    EXPECT_EQ(m.kind, SourceMapping::Kind::invalid);
    EXPECT_EQ(m.field, "deployment.sha");

    d.headers.erase("X-GitHub-Delivery");
    m = d.map(source_of("github"));
    EXPECT_EQ(m.kind, SourceMapping::Kind::invalid);
    EXPECT_EQ(m.field, "X-GitHub-Delivery");

    m = Delivery{sample_headers("github-deployment_status-failure.json"), "[1,2"}.map(source_of("github"));
    EXPECT_EQ(m.kind, SourceMapping::Kind::invalid);
}

TEST(GitHubSource, WorkflowRunOfADeployWorkflowBecomesAnEvent) {
    SourceConfig source = source_of("github");
    source.workflows["Deploy production"] = "production";
    const Delivery d{{{"X-GitHub-Event", "workflow_run"}, {"X-GitHub-Delivery", "wr-1"}},
                     fixture("github-workflow_run-failure.json")};
    const json::object e = mapped_event(source, d);
    EXPECT_EQ(e.at("service"), "payments-api");
    EXPECT_EQ(e.at("environment"), "production");
    EXPECT_EQ(e.at("status"), "failed");
    EXPECT_EQ(e.at("commit").at("message"), "Raise the payment timeout to 30s");
    EXPECT_EQ(e.at("pipeline").at("url"), "https://github.com/acme/payments-api/actions/runs/9876543210");
    EXPECT_EQ(e.at("failure").at("reason"), "workflow run concluded failure");

    // A workflow the source does not list (tests, linting) is not deploy news.
    EXPECT_EQ(d.map(source_of("github")).kind, SourceMapping::Kind::ignored);
}

// Found by the source_webhook fuzzer: a multibyte character across the cut made the version
// invalid UTF-8, so the mapped event was not valid JSON.
TEST(SourceFields, ShortShaNeverCutsACharacterInTwo) {
    EXPECT_EQ(sources::short_sha("bcbb5ec396a2c0f8", 8), "bcbb5ec3");
    EXPECT_EQ(sources::short_sha("bcbb5ec\u037c6a2c0f8", 8), "bcbb5ec");  // U+037C is 2 bytes, at bytes 7-8
    EXPECT_EQ(sources::short_sha("abc", 8), "abc");
}

TEST(GitLabSource, DeploymentFailedBecomesAFailedEvent) {
    const json::object e = mapped_event(source_of("gitlab"), sample("gitlab-deployment-failed.json"));
    EXPECT_EQ(e.at("id"), "6d2b3a91-5c0e-4f7a-8b1d-2e3f4a5b6c7d");  // X-Gitlab-Event-UUID
    EXPECT_EQ(e.at("service"), "test-deployment-webhooks");
    EXPECT_EQ(e.at("environment"), "staging");
    EXPECT_EQ(e.at("status"), "failed");
    // The full SHA comes from commit_url; the hook's short_sha is the version.
    EXPECT_EQ(e.at("commit").at("sha"), "279484c09fbe69ededfced8c1bb6e6d24616b468");
    EXPECT_EQ(e.at("version"), "279484c0");
    EXPECT_EQ(e.at("triggered_by"), "root");
    EXPECT_EQ(e.at("pipeline").at("url"), "http://10.126.0.2:3000/root/test-deployment-webhooks/-/jobs/796");
    EXPECT_EQ(e.at("finished_at"), "2021-04-28T21:50:00+02:00");
    EXPECT_EQ(e.at("deployment_id"), "gitlab/root/test-deployment-webhooks/15");
}

TEST(GitLabSource, DeploymentStatusesAreMapped) {
    const Delivery d = sample("gitlab-deployment-success.json");
    EXPECT_EQ(mapped_event(source_of("gitlab"), d).at("status"), "succeeded");
    for (const auto& [gitlab, herald] :
         std::map<std::string, std::string>{{"running", "started"}, {"canceled", "cancelled"}}) {
        json::value body = json::parse(d.body);
        body.as_object()["status"] = gitlab;
        EXPECT_EQ(mapped_event(source_of("gitlab"), {d.headers, json::serialize(body)}).at("status"),
                  json::value(herald));
    }
    json::value body = json::parse(d.body);
    body.as_object()["status"] = "blocked";
    EXPECT_EQ(Delivery({d.headers, json::serialize(body)}).map(source_of("gitlab")).kind, SourceMapping::Kind::ignored);
}

TEST(GitLabSource, PipelineWithADeployJobBecomesAnEvent) {
    const Delivery d{{{"X-Gitlab-Event", "Pipeline Hook"}, {"X-Gitlab-Event-UUID", "p-31"}},
                     fixture("gitlab-pipeline-failed.json")};
    const json::object e = mapped_event(source_of("gitlab"), d);
    EXPECT_EQ(e.at("service"), "payments-api");
    EXPECT_EQ(e.at("environment"), "production");
    EXPECT_EQ(e.at("status"), "failed");
    EXPECT_EQ(e.at("failure").at("stage"), "deploy");
    EXPECT_EQ(e.at("failure").at("reason"), "job deploy-production failed: script_failure");
    EXPECT_EQ(e.at("pipeline").at("url"), "https://gitlab.example.com/acme/payments-api/-/pipelines/31");
    EXPECT_EQ(e.at("started_at"), "2026-11-27T07:40:02Z");

    // Without a deploy job (no deploy stage, no environment) a pipeline is not deploy news.
    json::value body = json::parse(d.body);
    json::array& builds = body.at("builds").as_array();
    builds.erase(builds.begin());
    EXPECT_EQ(Delivery({d.headers, json::serialize(body)}).map(source_of("gitlab")).kind, SourceMapping::Kind::ignored);
}

TEST(GitLabSource, OtherHooksAreIgnoredAndAMissingIdIsRefused) {
    Delivery d = sample("gitlab-deployment-success.json");
    d.headers["X-Gitlab-Event"] = "Push Hook";
    EXPECT_EQ(d.map(source_of("gitlab")).kind, SourceMapping::Kind::ignored);
    d = sample("gitlab-deployment-success.json");
    d.headers.erase("X-Gitlab-Event-UUID");
    d.headers.erase("Idempotency-Key");
    EXPECT_EQ(d.map(source_of("gitlab")).field, "X-Gitlab-Event-UUID");
}

TEST(CdEventsSource, ServiceDeployedInBinaryModeBecomesASucceededEvent) {
    const json::object e = mapped_event(source_of("cdevents"), sample("cdevents-service-deployed.json"));
    EXPECT_EQ(e.at("id"), "/event/source/123#271069a8-fc18-44f1-b38f-9d70a1695819");
    EXPECT_EQ(e.at("service"), "mySubject123");
    EXPECT_EQ(e.at("environment"), "test123");
    EXPECT_EQ(e.at("status"), "succeeded");
    EXPECT_EQ(e.at("version"), "sha256:0b31b1c02ff458ad9b7b81cbdf8f028bd54699fa151f221d1e8de6817db93427");
    EXPECT_EQ(e.at("labels").at("cdevents.type"), "service.deployed");
}

// Found by the source_webhook fuzzer: "%8a" in a purl decoded to half a UTF-8 character.
TEST(CdEventsSource, APurlVersionThatDecodesToNonTextStaysEncoded) {
    Delivery d = sample("cdevents-service-deployed.json");
    const std::string from = "sha256%3A0b31b1c02ff458ad";
    const auto at = d.body.find(from);
    ASSERT_NE(at, std::string::npos);
    d.body.replace(at, from.size(), "sha256%3A0b31b1c02ff4%8ad");
    const json::object e = mapped_event(source_of("cdevents"), d);
    EXPECT_EQ(std::string(e.at("version").as_string()).substr(0, 25), "sha256%3A0b31b1c02ff4%8ad");
}

TEST(CdEventsSource, StructuredModeCarriesTheCdEventAsData) {
    const std::string cd = fixture("cdevents-service-deployed.json");
    const json::value inner = json::parse(cd);
    json::object envelope{{"specversion", "1.0"},
                          {"id", inner.at("context").at("id")},
                          {"source", inner.at("context").at("source")},
                          {"type", inner.at("context").at("type")},
                          {"datacontenttype", "application/json"},
                          {"data", inner}};
    SourceConfig source = source_of("cdevents");
    source.services["mySubject123"] = "myapp";
    const Delivery d{{{"Content-Type", "application/cloudevents+json; charset=utf-8"}}, json::serialize(envelope)};
    EXPECT_EQ(mapped_event(source, d).at("service"), "myapp");

    envelope["id"] = "another-id";
    const SourceMapping m = Delivery{d.headers, json::serialize(envelope)}.map(source);
    EXPECT_EQ(m.kind, SourceMapping::Kind::invalid);
    EXPECT_EQ(m.field, "id");
}

TEST(CdEventsSource, BinaryHeadersMustAgreeWithTheContext) {
    Delivery d = sample("cdevents-service-deployed.json");
    d.headers["ce-type"] = "dev.cdevents.service.removed.0.3.0";
    EXPECT_EQ(d.map(source_of("cdevents")).field, "ce-type");
    d = sample("cdevents-service-deployed.json");
    d.headers["ce-specversion"] = "0.3";
    EXPECT_EQ(d.map(source_of("cdevents")).field, "ce-specversion");
}

TEST(CdEventsSource, ServicePredicatesAndSpecVersions) {
    const Delivery d = sample("cdevents-service-deployed.json");
    for (const char* type : {"dev.cdevents.service.upgraded.0.3.0", "dev.cdevents.service.rolledback.0.3.0",
                             "dev.cdevents.service.removed.0.3.0", "dev.cdevents.service.deployed.0.2.0"}) {
        json::value body = json::parse(d.body);
        body.at("context").as_object()["type"] = type;
        body.at("context").as_object()["specversion"] = "0.4.1";
        std::map<std::string, std::string> headers = d.headers;
        headers["ce-type"] = type;
        const json::object e = mapped_event(source_of("cdevents"), {headers, json::serialize(body)});
        EXPECT_EQ(e.at("status"), "succeeded") << type;
        if (std::string_view(type).find("rolledback") != std::string_view::npos) {
            EXPECT_EQ(e.at("rollback").at("status"), "succeeded");
        }
    }
}

TEST(CdEventsSource, PipelineRunNeedsToKnowItsServiceAndCommit) {
    const Delivery d = sample("cdevents-pipelinerun-finished-failure.json");
    SourceMapping m = d.map(source_of("cdevents"));
    EXPECT_EQ(m.kind, SourceMapping::Kind::invalid);
    EXPECT_EQ(m.field, "customData.service");

    SourceConfig source = source_of("cdevents");
    source.pipelines["myPipeline"] = {"payments-api", "production"};
    m = d.map(source);
    EXPECT_EQ(m.field, "customData.commit.sha");  // a failure names the commit it deployed

    json::value body = json::parse(d.body);
    body.as_object()["customData"] = json::object{{"commit", {{"sha", "8c1f2e9"}}}, {"triggered_by", "alice"}};
    const json::object e = mapped_event(source, {d.headers, json::serialize(body)});
    EXPECT_EQ(e.at("service"), "payments-api");
    EXPECT_EQ(e.at("status"), "failed");
    EXPECT_EQ(e.at("triggered_by"), "alice");
    EXPECT_EQ(e.at("failure").at("reason"), "Something went wrong\nWith some more details");
    EXPECT_EQ(e.at("pipeline").at("url"), "https://www.example.com/mySubject123");
}

TEST(CdEventsSource, OtherEventTypesAreIgnoredAndBadTypesRefused) {
    Delivery d = sample("cdevents-service-deployed.json");
    json::value body = json::parse(d.body);
    body.at("context").as_object()["type"] = "dev.cdevents.artifact.packaged.0.2.0";
    d.headers.erase("ce-type");
    EXPECT_EQ(Delivery({d.headers, json::serialize(body)}).map(source_of("cdevents")).kind,
              SourceMapping::Kind::ignored);
    body.at("context").as_object()["type"] = "com.example.deployed";
    EXPECT_EQ(Delivery({d.headers, json::serialize(body)}).map(source_of("cdevents")).field, "context.type");
}

}  // namespace
}  // namespace herald
