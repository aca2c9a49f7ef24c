// A blocking HTTP client for tests: the CLI's libcurl helper, with a header lookup.
#pragma once

#include <strings.h>

#include <string>
#include <vector>

#include "cli/http_call.hpp"

namespace herald::test {

struct HttpResult : cli::HttpReply {
    std::string header(const std::string& name) const {
        for (const auto& [k, v] : headers) {
            if (strcasecmp(k.c_str(), name.c_str()) == 0) return v;
        }
        return {};
    }
};

inline HttpResult http_request(const std::string& method, const std::string& url, const std::string& body = {},
                               const std::vector<std::string>& headers = {}, long timeout_ms = 10000) {
    return HttpResult{cli::http_call(method, url, body, headers, timeout_ms)};
}

}  // namespace herald::test
