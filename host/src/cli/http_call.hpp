// One blocking HTTP call for the CLI commands (libcurl).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace herald::cli {

struct HttpReply {
    long status = 0;  // 0 when there was no answer
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string error;  // why there was no answer
};

HttpReply http_call(const std::string& method, const std::string& url, const std::string& body,
                    const std::vector<std::string>& headers, long timeout_ms);

}  // namespace herald::cli
