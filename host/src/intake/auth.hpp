// Authenticates an inbound request against the configured sources.
//
// hmac:   X-Herald-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>. With an optional
//         X-Herald-Timestamp: <unix seconds>, the HMAC covers "<timestamp>.<body>" and the
//         timestamp must be within the source's replay window. A source with
//         require_timestamp refuses signatures without one. Hex digits may be either case.
// bearer: Authorization: Bearer <secret>.
// none:   accepted only when a source says so explicitly.
// Several secrets per source are tried (key rotation); comparisons are constant-time.
// X-Herald-Source: <name> picks one source; otherwise every source is tried.
// github: X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body> (GitHub's scheme).
// gitlab: X-Gitlab-Token: <secret> (GitLab's shared token).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_model.hpp"
#include "sources/inbound.hpp"

namespace herald {

struct AuthOutcome {
    const SourceConfig* source = nullptr;  // set when authenticated
    std::string error;                     // why not, for the 401 body (never a secret)
};

// POST /v1/events: the `herald` sources (all, or the one X-Herald-Source names).
AuthOutcome authenticate(const std::vector<SourceConfig>& sources, const HeaderLookup& header, std::string_view body,
                         int64_t now_unix_seconds);

// POST /v1/sources/{name}: that one source, by its kind's scheme.
AuthOutcome authenticate_source(const SourceConfig& source, const HeaderLookup& header, std::string_view body,
                                int64_t now_unix_seconds);

}  // namespace herald
