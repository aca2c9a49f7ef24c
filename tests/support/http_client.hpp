// A blocking HTTP client for tests, on libcurl's easy interface.
#pragma once

#include <curl/curl.h>

#include <string>
#include <utility>
#include <vector>

namespace herald::test {

struct HttpResult {
    long status = 0;  // 0: no response (connection refused, reset, timeout)
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string error;

    std::string header(const std::string& name) const {
        for (const auto& [k, v] : headers) {
            if (strcasecmp(k.c_str(), name.c_str()) == 0) return v;
        }
        return {};
    }
};

inline size_t collect_body(char* data, size_t size, size_t n, void* out) {
    static_cast<std::string*>(out)->append(data, size * n);
    return size * n;
}

inline size_t collect_header(char* data, size_t size, size_t n, void* out) {
    std::string line(data, size * n);
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
        std::string value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
        while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
        static_cast<HttpResult*>(out)->headers.emplace_back(line.substr(0, colon), value);
    }
    return size * n;
}

inline HttpResult http_request(const std::string& method, const std::string& url, const std::string& body = {},
                               const std::vector<std::string>& headers = {}, long timeout_ms = 10000) {
    HttpResult result;
    CURL* curl = curl_easy_init();
    curl_slist* list = nullptr;
    for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
    list = curl_slist_append(list, "Expect:");
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
    if (method == "POST" || method == "PUT") {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &collect_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &result.body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &collect_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &result);
    const CURLcode rc = curl_easy_perform(curl);
    if (rc == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result.status);
    else
        result.error = curl_easy_strerror(rc);
    curl_slist_free_all(list);
    curl_easy_cleanup(curl);
    return result;
}

}  // namespace herald::test
