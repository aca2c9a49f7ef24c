// The read-only web view on the admin listener (/ui/): static assets built into the binary,
// which read the admin API with the admin token the user enters. The assets hold no data, so
// they are served without the token; every API call needs it.
#pragma once

#include <optional>

#include "http/http_server.hpp"

namespace herald {

// The answer for /ui and /ui/…, or nullopt for any other path.
std::optional<HttpResponseMessage> web_view_asset(const HttpRequestMessage& request);

// A state-changing request sent by a browser from another site (a page elsewhere posting to
// the admin listener) is refused: Sec-Fetch-Site other than same-origin or none, or an Origin
// that is not this listener. Command-line clients send neither header and are unaffected.
std::optional<HttpResponseMessage> cross_site_refusal(const HttpRequestMessage& request);

}  // namespace herald
