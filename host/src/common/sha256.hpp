#pragma once

#include <string>
#include <string_view>

namespace herald {

// Lower-case hex SHA-256 (OpenSSL).
std::string sha256_hex(std::string_view data);

// Lower-case hex HMAC-SHA256 (OpenSSL).
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

// Constant-time equality of two strings (their lengths are not secret).
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace herald
