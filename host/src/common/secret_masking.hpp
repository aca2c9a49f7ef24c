// Keeps resolved secrets out of everything Herald prints or stores about a delivery: error
// messages, response excerpts, logs.
#pragma once

#include <string>
#include <vector>

namespace herald {

// Replaces each secret value in `text` with "****"; for secret URLs, their long token-like path
// parts too (an answer may echo one part of a webhook URL).
std::string mask_secrets(std::string text, const std::vector<std::string>& secrets);

}  // namespace herald
