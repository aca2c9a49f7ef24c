#include "sources/json_paths.hpp"

#include <boost/json/serialize.hpp>
#include <map>

#include "common/utf8_prefix.hpp"
#include "event/rfc3339.hpp"

namespace herald::sources {
namespace json = boost::json;

const json::value* at(const json::value& root, std::initializer_list<std::string_view> path) {
    const json::value* v = &root;
    for (auto key : path) {
        if (!v->is_object()) return nullptr;
        v = v->get_object().if_contains(key);
        if (v == nullptr) return nullptr;
    }
    return v;
}

std::string text_at(const json::value& root, std::initializer_list<std::string_view> path) {
    const json::value* v = at(root, path);
    if (v == nullptr) return {};
    if (v->is_string()) return std::string(v->get_string());
    if (v->is_int64() || v->is_uint64()) return json::serialize(*v);
    return {};
}

std::string first_of(std::initializer_list<std::string> candidates) {
    for (const auto& c : candidates) {
        if (!c.empty()) return c;
    }
    return {};
}

// A SHA is hex, but a sender's field can hold anything.
std::string short_sha(std::string_view sha, size_t n) { return std::string(utf8_prefix(sha, n)); }

std::string rfc3339_or_empty(std::string_view value) {
    return is_rfc3339_timestamp(value) ? std::string(value) : std::string();
}

void put_if(json::object& obj, std::string_view key, const std::string& value) {
    if (!value.empty()) obj[key] = value;
}

std::string mapped_service(const std::map<std::string, std::string>& services, const std::string& name) {
    const auto it = services.find(name);
    return it == services.end() ? name : it->second;
}

}  // namespace herald::sources
