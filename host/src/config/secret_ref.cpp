#include "config/secret_ref.hpp"

#include <cstdlib>

#include "common/bounded_file.hpp"

namespace herald {
namespace {

bool valid_env_name(std::string_view name) {
    if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
    for (char c : name) {
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    }
    return true;
}

}  // namespace

std::optional<SecretRef> parse_secret_ref(std::string_view value, bool* malformed) {
    if (malformed != nullptr) *malformed = false;
    if (value.rfind("${", 0) != 0) return std::nullopt;
    auto bad = [&] {
        if (malformed != nullptr) *malformed = true;
        return std::nullopt;
    };
    if (value.back() != '}' || value.find('}') != value.size() - 1) return bad();
    const std::string_view inner = value.substr(2, value.size() - 3);
    if (inner.rfind("env:", 0) == 0 && valid_env_name(inner.substr(4))) {
        return SecretRef{SecretRef::Kind::env, std::string(inner.substr(4))};
    }
    if (inner.rfind("file:", 0) == 0 && inner.size() > 5) {
        return SecretRef{SecretRef::Kind::file, std::string(inner.substr(5))};
    }
    return bad();
}

bool has_embedded_ref(std::string_view value) {
    return value.find("${") != std::string_view::npos && !parse_secret_ref(value).has_value();
}

std::variant<std::string, std::string> resolve_secret(const SecretRef& ref, const std::filesystem::path& base_dir) {
    using Result = std::variant<std::string, std::string>;
    if (ref.kind == SecretRef::Kind::env) {
        const char* value = std::getenv(ref.target.c_str());
        if (value == nullptr) return Result(std::in_place_index<1>, ref.text() + ": environment variable is not set");
        if (*value == '\0') return Result(std::in_place_index<1>, ref.text() + ": environment variable is empty");
        return Result(std::in_place_index<0>, value);
    }
    std::filesystem::path path(ref.target);
    if (path.is_relative()) path = base_dir / path;
    auto read = read_bounded_file(path, kMaxSecretFileBytes);
    if (read.index() == 1) return Result(std::in_place_index<1>, ref.text() + ": " + std::get<1>(read));
    std::string content = std::move(std::get<0>(read));
    if (!content.empty() && content.back() == '\n') content.pop_back();
    if (!content.empty() && content.back() == '\r') content.pop_back();
    if (content.empty()) return Result(std::in_place_index<1>, ref.text() + ": file is empty");
    return Result(std::in_place_index<0>, std::move(content));
}

}  // namespace herald
