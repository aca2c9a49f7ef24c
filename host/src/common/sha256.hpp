#pragma once

#include <array>
#include <string>
#include <string_view>

namespace herald {

using Sha256Digest = std::array<unsigned char, 32>;

// SHA-256 (OpenSSL), raw and as lower-case hex.
Sha256Digest sha256(std::string_view data);
std::string sha256_hex(std::string_view data);

// Lower-case hex HMAC-SHA256 (OpenSSL).
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

// Constant-time equality of two strings (their lengths are not secret).
bool constant_time_equal(std::string_view a, std::string_view b);
bool constant_time_equal(const Sha256Digest& a, const Sha256Digest& b);

}  // namespace herald
