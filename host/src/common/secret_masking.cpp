#include "common/secret_masking.hpp"

namespace herald {

namespace {

void mask_all(std::string& text, const std::string& secret) {
    for (size_t pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + 4)) {
        text.replace(pos, secret.size(), "****");
    }
}

}  // namespace

std::string mask_secrets(std::string text, const std::vector<std::string>& secrets) {
    for (const auto& secret : secrets) {
        if (secret.size() < 4) continue;  // masking tiny strings would garble output without protecting anything
        mask_all(text, secret);
        // A webhook URL's secret is its path: an answer that echoes one long component of it
        // (a Slack token segment, say) must not show it either.
        if (secret.find("://") == std::string::npos) continue;
        size_t start = secret.find('/', secret.find("://") + 3);
        while (start != std::string::npos && start < secret.size()) {
            const size_t end = secret.find_first_of("/?&=#", start + 1);
            const std::string part =
                secret.substr(start + 1, (end == std::string::npos ? secret.size() : end) - start - 1);
            // Tokens are long and carry digits; plain words ("services", "workflows") do not.
            const bool token_like = part.size() >= 8 && part.find_first_of("0123456789") != std::string::npos;
            if (token_like) mask_all(text, part);
            start = end;
        }
    }
    return text;
}

}  // namespace herald
