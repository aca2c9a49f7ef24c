// Work sharing and shared rate limits for replicas on one PostgreSQL database (shared_work.hpp).
#pragma once

#include <memory>
#include <string>

#include "store/shared_work.hpp"

namespace herald::pg {

// A replica's id: unique per process start (host name, pid and random bits).
std::string new_replica_id();

std::unique_ptr<WorkSharing> make_work_sharing(const std::string& url, const std::string& replica_id,
                                               const WorkSharingOptions& options);
std::unique_ptr<RateLimits> make_rate_limits(const std::string& url);

}  // namespace herald::pg
