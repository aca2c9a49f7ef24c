// Secret references: `${env:NAME}` and `${file:PATH}`, resolved when config is loaded so
// secrets never sit in routing files.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace herald {

struct SecretRef {
    enum class Kind { env = 1, file } kind = Kind::env;
    std::string target;  // variable name or path as written

    std::string text() const { return std::string("${") + (kind == Kind::env ? "env:" : "file:") + target + "}"; }
};

// A whole-value reference, or nullopt when `value` is not one. Sets `malformed` when the value
// looks like a reference (starts with "${") but is not a valid one.
std::optional<SecretRef> parse_secret_ref(std::string_view value, bool* malformed = nullptr);

// True when `value` contains "${" anywhere but is not a whole reference (refs are whole-value only).
bool has_embedded_ref(std::string_view value);

// Secret files are small; anything larger is a mistake or an attack on the reader.
inline constexpr size_t kMaxSecretFileBytes = 64 * 1024;

// The secret's value, or an error message naming the reference (never a value).
// Relative file paths are taken from `base_dir`. One trailing newline is dropped from files.
// Files must be regular files of at most kMaxSecretFileBytes (read_bounded_file's rules).
std::variant<std::string, std::string> resolve_secret(const SecretRef& ref, const std::filesystem::path& base_dir);

}  // namespace herald
