// Small readers for the deep, loosely typed JSON that CI systems send.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>

namespace herald::sources {

// The value at `path` (object keys), or nullptr when any step is missing or not an object.
const boost::json::value* at(const boost::json::value& root, std::initializer_list<std::string_view> path);

// The string at `path`; numbers are printed; empty when absent, null or another type.
std::string text_at(const boost::json::value& root, std::initializer_list<std::string_view> path);

// The first non-empty argument.
std::string first_of(std::initializer_list<std::string> candidates);

// The first `n` characters of a commit SHA, the length people recognise.
std::string short_sha(std::string_view sha, size_t n = 12);

// `value` when it is an RFC 3339 timestamp, else empty (a sender's odd timestamp is dropped,
// not a reason to refuse the deploy news).
std::string rfc3339_or_empty(std::string_view value);

// Sets `key` in `obj` only when `value` is non-empty.
void put_if(boost::json::object& obj, std::string_view key, const std::string& value);

// `services[name]` when the source maps it, else `name`.
std::string mapped_service(const std::map<std::string, std::string>& services, const std::string& name);

}  // namespace herald::sources
