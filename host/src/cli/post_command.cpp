// `herald post`: sends event files to a Herald intake, signed the way Herald checks them.
// Secrets come from environment variables, never from the command line (which `ps` shows).
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/http_call.hpp"
#include "common/sha256.hpp"

namespace herald::cli {
namespace {

std::string secret_from(const std::string& variable) {
    const char* value = std::getenv(variable.c_str());
    if (value == nullptr || *value == '\0') throw UsageError("environment variable " + variable + " is not set");
    return value;
}

}  // namespace

int post_command(const std::vector<std::string>& argv) {
    // Signed timestamps are the default: a captured request then replays only within the
    // source's window. --no-timestamp is for sources that predate them.
    const Args args(argv, {"url", "secret-env", "token-env", "source"}, {"timestamp", "no-timestamp"});
    if (args.positional().empty()) {
        throw UsageError(
            "usage: herald post --url URL (--secret-env NAME | --token-env NAME) [--source NAME] "
            "[--no-timestamp] FILE...");
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
        std::vector<std::string> headers = {"Content-Type: application/json"};
        if (auto source = args.option("source")) headers.push_back("X-Herald-Source: " + *source);
        if (secret_env) {
            std::string signed_text = body;
            if (!args.flag("no-timestamp")) {
                const std::string ts = std::to_string(std::time(nullptr));
                headers.push_back("X-Herald-Timestamp: " + ts);
                signed_text = ts + "." + body;
            }
            headers.push_back("X-Herald-Signature-256: sha256=" +
                              hmac_sha256_hex(secret_from(*secret_env), signed_text));
        } else {
            headers.push_back("Authorization: Bearer " + secret_from(*token_env));
        }
        const HttpReply reply = http_call("POST", url, body, headers, 15000);
        if (reply.status == 0) {
            std::cout << file << ": " << reply.error << "\n";
            ++failures;
            continue;
        }
        const long status = reply.status;
        const std::string& response = reply.body;
        std::cout << file << ": " << status << " " << response << "\n";
        if (status < 200 || status >= 300) ++failures;
    }
    return failures == 0 ? 0 : 1;
}

}  // namespace herald::cli
