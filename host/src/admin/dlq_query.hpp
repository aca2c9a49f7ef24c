// The dead-letter queue's query string: team, channel, since, after, limit, dry_run. Every value
// is checked, since a misread filter widens what a bulk operation touches.
#pragma once

#include <boost/url/params_view.hpp>
#include <string>
#include <variant>

#include "store/store.hpp"

namespace herald {

struct DlqQuery {
    DeadLetterFilter filter;
    bool dry_run = false;
};

// `for_replay`: the bulk replay's parameters (dry_run; no paging) instead of the listing's.
// The error names the parameter and what it accepts.
std::variant<DlqQuery, std::string> read_dlq_query(const boost::urls::params_view& params, bool for_replay);

}  // namespace herald
