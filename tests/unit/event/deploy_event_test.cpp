#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "event/deploy_event.hpp"
#include "event/rfc3339.hpp"

namespace herald {
namespace {
namespace json = boost::json;

// A complete failed event; tests remove or change one thing at a time.
json::object failed_event() {
    return json::parse(R"({
      "id": "evt-1", "service": "payments", "environment": "production", "status": "failed",
      "commit": {"sha": "abc123", "message": "Fix rounding", "url": "https://git.example.com/c/abc123"},
      "triggered_by": "alice",
      "pipeline": {"url": "https://ci.example.com/run/7", "name": "deploy", "run_id": 7},
      "rollback": {"status": "succeeded", "to_version": "1.4.1"},
      "failure": {"stage": "health-check", "reason": "5xx rate above 2%"},
      "started_at": "2026-11-27T07:48:05Z", "finished_at": "2026-11-27T07:50:00.5+01:00",
      "labels": {"region": "eu-west-1"}
    })")
        .as_object();
}

std::vector<std::string> messages(const json::object& event) {
    std::vector<std::string> out;
    for (const auto& e : parse_deploy_event(json::serialize(event)).errors) out.push_back(e.message());
    return out;
}

using ::testing::ElementsAre;

TEST(DeployEvent, AcceptsACompleteFailedEvent) {
    const auto parsed = parse_deploy_event(json::serialize(failed_event()));
    ASSERT_TRUE(parsed.errors.empty()) << parsed.errors.front().message();
    const DeployEvent& e = *parsed.event;
    EXPECT_EQ(e.id, "evt-1");
    EXPECT_EQ(e.service, "payments");
    EXPECT_EQ(e.environment, "production");
    EXPECT_EQ(e.status, DeployStatus::failed);
    EXPECT_EQ(e.labels.at("region"), "eu-west-1");
    EXPECT_EQ(e.deployment_id, "payments/production/7");
}

TEST(DeployEvent, MinimalStartedEventNeedsOnlyTheFourCoreFields) {
    const auto parsed = parse_deploy_event(R"({"id":"e","service":"s","environment":"dev","status":"started"})");
    ASSERT_TRUE(parsed.errors.empty());
    EXPECT_EQ(parsed.event->deployment_id, "s/dev/e");
}

TEST(DeployEvent, ReportsEveryMissingRequiredField) {
    EXPECT_THAT(messages(json::object{}),
                ElementsAre("id: required", "service: required", "environment: required", "status: required"));
}

TEST(DeployEvent, FailedNeedsShaTriggeredByAndPipelineUrl) {
    json::object event = failed_event();
    event["commit"].as_object().erase("sha");
    event.erase("triggered_by");
    event["pipeline"].as_object().erase("url");
    EXPECT_THAT(messages(event), ElementsAre("commit.sha: required when status is \"failed\"",
                                             "triggered_by: required when status is \"failed\"",
                                             "pipeline.url: required when status is \"failed\""));
}

TEST(DeployEvent, FailedWithoutCommitOrPipelineObjectsNamesTheFields) {
    json::object event = failed_event();
    event.erase("commit");
    event.erase("pipeline");
    EXPECT_THAT(messages(event), ElementsAre("commit.sha: required when status is \"failed\"",
                                             "pipeline.url: required when status is \"failed\""));
}

TEST(DeployEvent, SucceededNeedsVersion) {
    EXPECT_THAT(messages({{"id", "e"}, {"service", "s"}, {"environment", "prod"}, {"status", "succeeded"}}),
                ElementsAre("version: required when status is \"succeeded\""));
}

TEST(DeployEvent, StatusMustBeKnown) {
    json::object event = failed_event();
    event["status"] = "exploded";
    EXPECT_THAT(messages(event),
                ElementsAre("status: must be one of \"started\", \"succeeded\", \"failed\", \"cancelled\""));
}

TEST(DeployEvent, TypesAreChecked) {
    json::object event = failed_event();
    event["service"] = 12;
    event["labels"] = json::object{{"region", 3}};
    event["commit"] = "abc";
    event["pipeline"].as_object()["run_id"] = json::array{};
    EXPECT_THAT(messages(event),
                ElementsAre("service: must be a string", "commit: must be an object",
                            "pipeline.run_id: must be a string or an integer", "labels.region: must be a string"));
}

TEST(DeployEvent, EmptyRequiredStringsAreRejected) {
    json::object event = failed_event();
    event["environment"] = "";
    EXPECT_THAT(messages(event), ElementsAre("environment: must not be empty"));
}

TEST(DeployEvent, RollbackStatusMustBeKnown) {
    json::object event = failed_event();
    event["rollback"].as_object()["status"] = "maybe";
    EXPECT_THAT(messages(event), ElementsAre("rollback.status: must be one of \"not_attempted\", \"in_progress\", "
                                             "\"succeeded\", \"failed\""));
}

TEST(DeployEvent, TimestampsMustBeRfc3339) {
    json::object event = failed_event();
    event["started_at"] = "2026-11-27 07:48";
    EXPECT_THAT(messages(event), ElementsAre("started_at: must be an RFC 3339 timestamp (e.g. 2026-11-27T07:48:05Z)"));
}

TEST(DeployEvent, UrlsMustBeHttpAndNameAHost) {
    const std::vector<std::pair<std::string, std::string>> refused = {{"javascript:alert(1)", "not a url"},
                                                                      {"https:///runs/9876", "http:commit/8c1f2e9"}};
    for (const auto& [pipeline_url, commit_url] : refused) {
        json::object event = failed_event();
        event["pipeline"].as_object()["url"] = pipeline_url;
        event["commit"].as_object()["url"] = commit_url;
        EXPECT_THAT(messages(event), ElementsAre("commit.url: must be an absolute http or https URL",
                                                 "pipeline.url: must be an absolute http or https URL"))
            << pipeline_url << ", " << commit_url;
    }
    json::object event = failed_event();
    event["pipeline"].as_object()["url"] = "https://%63i.example.com/runs/9876";  // an encoded host is a host
    event["commit"].as_object()["url"] = "https://[::1]:8443/commit/8c1f2e9";
    EXPECT_TRUE(messages(event).empty());
}

TEST(DeployEvent, SizeLimitsAreEnforcedInCharactersNotBytes) {
    json::object event = failed_event();
    event["failure"].as_object()["reason"] = std::string(64 * 1024, 'x');
    EXPECT_TRUE(messages(event).empty());
    std::string reason;
    for (int i = 0; i < 64 * 1024; ++i) reason += "\xC3\xA9";  // é: 2 bytes, 1 character
    event["failure"].as_object()["reason"] = reason;
    EXPECT_TRUE(messages(event).empty());
    event["failure"].as_object()["reason"] = reason + "x";
    EXPECT_THAT(messages(event), ElementsAre("failure.reason: must be at most 65536 characters"));
    event = failed_event();
    event["id"] = std::string(257, 'i');
    EXPECT_THAT(messages(event), ElementsAre("id: must be at most 256 characters"));
}

TEST(DeployEvent, LabelLimits) {
    json::object event = failed_event();
    json::object labels;
    for (int i = 0; i < 65; ++i) labels["k" + std::to_string(i)] = "v";
    event["labels"] = labels;
    EXPECT_THAT(messages(event), ElementsAre("labels: must have at most 64 entries"));
    event["labels"] = json::object{{std::string(64, 'k'), "v"}};
    EXPECT_THAT(messages(event), ElementsAre("labels." + std::string(64, 'k') +
                                             ": label names must be 1 to 63 "
                                             "characters"));
}

TEST(DeployEvent, IdMustNotHoldControlCharacters) {
    json::object event = failed_event();
    event["id"] = "a\nb";
    EXPECT_THAT(messages(event), ElementsAre("id: must not contain control characters"));
}

TEST(DeployEvent, MalformedJsonAndNonObjectsAreRejected) {
    EXPECT_EQ(parse_deploy_event("{").errors.at(0).rule.rfind("body is not valid JSON", 0), 0u);
    EXPECT_EQ(parse_deploy_event("[1]").errors.at(0).message(), "body must be a JSON object");
    EXPECT_EQ(parse_deploy_event("\"\xff\"").errors.at(0).rule.rfind("body is not valid JSON", 0), 0u);
}

TEST(DeployEvent, UnknownFieldsAreKeptAndDeploymentIdFilledIn) {
    json::object event = failed_event();
    event["x_custom"] = json::object{{"ticket", "OPS-1"}};
    const auto parsed = parse_deploy_event(json::serialize(event));
    ASSERT_TRUE(parsed.errors.empty());
    const json::object out = json::parse(parsed.event->json).as_object();
    EXPECT_EQ(out.at("x_custom").at("ticket").as_string(), "OPS-1");
    EXPECT_EQ(out.at("deployment_id").as_string(), "payments/production/7");
    EXPECT_EQ(out.at("pipeline").at("run_id").as_string(), "7");
}

TEST(DeployEvent, GivenDeploymentIdIsKept) {
    json::object event = failed_event();
    event["deployment_id"] = "dep-42";
    EXPECT_EQ(parse_deploy_event(json::serialize(event)).event->deployment_id, "dep-42");
}

TEST(Rfc3339, AcceptsValidForms) {
    for (const char* t : {"2026-11-27T07:48:05Z", "2026-11-27t07:48:05z", "2024-02-29T23:59:60Z",
                          "2026-01-01T00:00:00.123456+05:30", "2026-12-31T23:59:59-08:00"}) {
        EXPECT_TRUE(is_rfc3339_timestamp(t)) << t;
    }
}

TEST(Rfc3339, RejectsInvalidForms) {
    for (const char* t :
         {"2026-11-27", "2026-11-27T07:48:05", "2025-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-27T24:00:00Z",
          "2026-11-27T07:48:05.Z", "2026-11-27T07:48:05+0100", "2026-11-27T07:48:05Zjunk", ""}) {
        EXPECT_FALSE(is_rfc3339_timestamp(t)) << t;
    }
}

TEST(ParseSince, DurationsCountBackFromNow) {
    const int64_t now = 1'800'000'000'000;
    EXPECT_EQ(parse_since("90s", now), now - 90'000);
    EXPECT_EQ(parse_since("2d", now), now - 2 * 86'400'000LL);
    EXPECT_EQ(parse_since("1w", now), now - 7 * 86'400'000LL);
    EXPECT_EQ(parse_since("1700000000000", now), 1'700'000'000'000);
    EXPECT_EQ(parse_since("2026-11-27T00:00:00Z", now), rfc3339_to_unix_ms("2026-11-27T00:00:00Z"));
    EXPECT_EQ(parse_since("1013-11-27T10:00:00Z", now), 0) << "before the epoch: since the epoch";
}

TEST(ParseSince, DurationsReachingBeforeTheEpochMeanEverythingAndJunkIsRefused) {
    const int64_t now = 1'800'000'000'000;
    // 41442066041442 days would overflow int64_t milliseconds: it means "since the epoch".
    EXPECT_EQ(parse_since("41442066041442d", now), 0);
    EXPECT_EQ(parse_since("999999999999999w", now), 0);
    EXPECT_EQ(parse_since("100000d", now), 0);
    EXPECT_EQ(parse_since("1h", 0), 0);  // the CLI checks the form with a zero clock
    for (const char* junk : {"", "d", "1x", "1dd", "-1d"}) EXPECT_EQ(parse_since(junk, now), std::nullopt) << junk;
}

}  // namespace
}  // namespace herald
