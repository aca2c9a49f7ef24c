// Builds the event `herald emit` sends: flags first, then the CI system's environment.
#pragma once

#include <cstdint>
#include <string>

#include "cli/args.hpp"
#include "cli/ci_environment.hpp"

namespace herald::cli {

inline const std::set<std::string> kEmitOptions = {
    "status",     "service",        "environment",  "version",      "id",           "team",
    "commit",     "commit-message", "commit-url",   "triggered-by", "pipeline-url", "pipeline-name",
    "run-id",     "failure-stage",  "reason",       "rollback",     "rollback-to",  "label",
    "started-at", "finished-at",    "deployment-id"};

// The event as JSON (not yet validated: the caller runs Herald's own validation on it).
std::string build_emitted_event(const Args& args, const CiDefaults& ci, int64_t now_unix_ms);

}  // namespace herald::cli
