// The outbound HTTP request a plugin renders and the response the transport brings back: plain
// owned values, shared by the plugin host, the dispatcher and the transport.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace herald {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
    std::string method;
    std::string url;
    HeaderList headers;
    std::string body;
    std::string rate_limit_key;  // requests sharing a key share a rate limit
    bool skip = false;           // nothing to send for this event
    bool follow_up = false;      // the plugin has another request for this delivery after this one
};

struct HttpResponse {
    int status_code = 0;
    HeaderList headers;
    std::string body;
};

}  // namespace herald
