// `herald post`: sends event files to a Herald intake, signed the way Herald checks them.
// Secrets come from environment variables, never from the command line (which `ps` shows).
#include <curl/curl.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "common/sha256.hpp"

namespace herald::cli {
namespace {

size_t append(char* data, size_t size, size_t n, void* out) {
    static_cast<std::string*>(out)->append(data, size * n);
    return size * n;
}

std::string secret_from(const std::string& variable) {
    const char* value = std::getenv(variable.c_str());
    if (value == nullptr || *value == '\0') throw UsageError("environment variable " + variable + " is not set");
    return value;
}

}  // namespace

int post_command(const std::vector<std::string>& argv) {
    const Args args(argv, {"url", "secret-env", "token-env", "source"}, {"timestamp"});
    if (args.positional().empty()) {
        throw UsageError(
            "usage: herald post --url URL (--secret-env NAME | --token-env NAME) [--source NAME] "
            "[--timestamp] FILE...");
    }
    std::string url = args.option("url").value_or("http://127.0.0.1:8080");
    while (!url.empty() && url.back() == '/') url.pop_back();
    if (url.size() < 11 || url.substr(url.size() - 10) != "/v1/events") url += "/v1/events";
    const auto secret_env = args.option("secret-env");
    const auto token_env = args.option("token-env");
    if (!secret_env && !token_env) throw UsageError("give --secret-env NAME (HMAC) or --token-env NAME (bearer)");

    int failures = 0;
    for (const auto& file : args.positional()) {
        std::ifstream in(file, std::ios::binary);
        if (!in) {
            std::cout << file << ": cannot read\n";
            ++failures;
            continue;
        }
        const std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
        headers = curl_slist_append(headers, "Expect:");
        if (auto source = args.option("source"))
            headers = curl_slist_append(headers, ("X-Herald-Source: " + *source).c_str());
        if (secret_env) {
            std::string signed_text = body;
            if (args.flag("timestamp")) {
                const std::string ts = std::to_string(std::time(nullptr));
                headers = curl_slist_append(headers, ("X-Herald-Timestamp: " + ts).c_str());
                signed_text = ts + "." + body;
            }
            const std::string signature = "sha256=" + hmac_sha256_hex(secret_from(*secret_env), signed_text);
            headers = curl_slist_append(headers, ("X-Herald-Signature-256: " + signature).c_str());
        } else {
            headers = curl_slist_append(headers, ("Authorization: Bearer " + secret_from(*token_env)).c_str());
        }
        std::string response;
        long status = 0;
        CURL* curl = curl_easy_init();
        curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 15000L);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &append);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
        const CURLcode rc = curl_easy_perform(curl);
        if (rc == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_cleanup(curl);
        curl_slist_free_all(headers);
        if (rc != CURLE_OK) {
            std::cout << file << ": " << curl_easy_strerror(rc) << "\n";
            ++failures;
            continue;
        }
        std::cout << file << ": " << status << " " << response << "\n";
        if (status < 200 || status >= 300) ++failures;
    }
    return failures == 0 ? 0 : 1;
}

}  // namespace herald::cli
