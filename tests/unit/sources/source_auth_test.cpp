// Each source kind's own authentication scheme, with signatures computed here.
#include <gtest/gtest.h>

#include <map>

#include "common/sha256.hpp"
#include "intake/auth.hpp"

namespace herald {
namespace {

const std::string kGitHubTestSecret = "It's a Secret to Everybody";

struct Headers {
    std::map<std::string, std::string> values;
    HeaderLookup lookup() const {
        return [this](std::string_view name) -> std::string_view {
            const auto it = values.find(std::string(name));
            return it == values.end() ? std::string_view() : std::string_view(it->second);
        };
    }
};

SourceConfig source(const std::string& kind, SourceAuth auth, std::vector<std::string> secrets) {
    SourceConfig s;
    s.name = kind + "-hooks";
    s.kind = kind;
    s.auth = auth;
    s.secrets = std::move(secrets);
    return s;
}

TEST(SourceAuth, GitHubTestVectorFromItsDocumentation) {
    const std::string expected = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    EXPECT_EQ(hmac_sha256_hex(kGitHubTestSecret, "Hello, World!"), expected);
    // Again with the key's context kept, and after other keys have taken every kept context.
    EXPECT_EQ(hmac_sha256_hex(kGitHubTestSecret, "Hello, World!"), expected);
    for (int i = 0; i < 5; ++i) hmac_sha256_hex("other-key-" + std::to_string(i), "x");
    EXPECT_EQ(hmac_sha256_hex(kGitHubTestSecret, "Hello, World!"), expected);
}

TEST(SourceAuth, Sha256KnownVectorWithTheThreadsContextReused) {
    const std::string expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";  // FIPS 180-2
    EXPECT_EQ(sha256_hex("abc"), expected);
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256_hex("abc"), expected);
}

TEST(SourceAuth, GitHubSignatureOverTheBodyWithAnyRotatedSecret) {
    const SourceConfig github = source("github", SourceAuth::hmac, {"old-secret", kGitHubTestSecret});
    const std::string body = R"({"action":"created"})";
    Headers h{{{"X-Hub-Signature-256", "sha256=" + hmac_sha256_hex(kGitHubTestSecret, body)}}};
    EXPECT_EQ(authenticate_source(github, h.lookup(), body, 0).source, &github);

    // Herald's own header does not authenticate a GitHub source.
    Headers herald_style{{{"X-Herald-Signature-256", "sha256=" + hmac_sha256_hex(kGitHubTestSecret, body)}}};
    AuthOutcome out = authenticate_source(github, herald_style.lookup(), body, 0);
    EXPECT_EQ(out.source, nullptr);
    EXPECT_EQ(out.error, "missing credentials: X-Hub-Signature-256");

    Headers wrong{{{"X-Hub-Signature-256", "sha256=" + hmac_sha256_hex("not-the-secret", body)}}};
    out = authenticate_source(github, wrong.lookup(), body, 0);
    EXPECT_EQ(out.source, nullptr);
    EXPECT_EQ(out.error, "invalid credentials");

    Headers tampered{{{"X-Hub-Signature-256", "sha256=" + hmac_sha256_hex(kGitHubTestSecret, body)}}};
    EXPECT_EQ(authenticate_source(github, tampered.lookup(), body + " ", 0).source, nullptr);
}

TEST(SourceAuth, GitLabTokenHeader) {
    const SourceConfig gitlab = source("gitlab", SourceAuth::bearer, {"example-secret-token"});
    Headers good{{{"X-Gitlab-Token", "example-secret-token"}}};
    EXPECT_EQ(authenticate_source(gitlab, good.lookup(), "{}", 0).source, &gitlab);
    Headers wrong{{{"X-Gitlab-Token", "example-secret-tokeN"}}};
    EXPECT_EQ(authenticate_source(gitlab, wrong.lookup(), "{}", 0).source, nullptr);
    Headers bearer{{{"Authorization", "Bearer example-secret-token"}}};
    const AuthOutcome out = authenticate_source(gitlab, bearer.lookup(), "{}", 0);
    EXPECT_EQ(out.source, nullptr);
    EXPECT_EQ(out.error, "missing credentials: X-Gitlab-Token");
}

TEST(SourceAuth, CdEventsUsesHeraldsSchemeWithTimestamps) {
    SourceConfig cd = source("cdevents", SourceAuth::hmac, {"cd-secret"});
    cd.replay_window_s = 300;
    const std::string body = R"({"context":{}})";
    const int64_t now = 1'800'000'000;
    Headers fresh{
        {{"X-Herald-Timestamp", std::to_string(now)},
         {"X-Herald-Signature-256", "sha256=" + hmac_sha256_hex("cd-secret", std::to_string(now) + "." + body)}}};
    EXPECT_EQ(authenticate_source(cd, fresh.lookup(), body, now).source, &cd);
    EXPECT_EQ(authenticate_source(cd, fresh.lookup(), body, now + 301).error,
              "X-Herald-Timestamp is outside the replay window");

    // A herald-kind source is not reached through /v1/events by a cdevents source's secret.
    std::vector<SourceConfig> sources{cd};
    EXPECT_EQ(authenticate(sources, fresh.lookup(), body, now).source, nullptr);
}

}  // namespace
}  // namespace herald
