// Typed, position-aware reading of YAML mappings: every problem becomes a Finding at the node
// it concerns, and unknown keys get a "did you mean" for near misses.
#pragma once

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostics.hpp"

namespace herald {

SourceMark mark_of(const std::string& file, const YAML::Node& node);

// node[key] for a mapping, or a valid Undefined node when it is absent: yaml-cpp's own lookup
// returns an invalid node there, which throws on the first type query.
YAML::Node child(const YAML::Node& node, std::string_view key);

// The closest candidate within edit distance 2 (or a third of the word), or empty.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

class MapReader {
 public:
    // Reports an error (and reads nothing) when `node` is not a mapping.
    MapReader(const YAML::Node& node, std::string file, Diagnostics& diagnostics, std::string what);

    // Reports every key not in `allowed`, with a suggestion.
    void allow_only(std::initializer_list<std::string_view> allowed);
    // The same, naming what the key is not a setting of (e.g. "a github source").
    void allow_only(const std::vector<std::string_view>& allowed, std::string_view owner);

    bool ok() const { return ok_; }
    bool has(std::string_view key) const;
    YAML::Node node(std::string_view key) const;
    SourceMark mark(std::string_view key) const;  // of the value (or the map when absent)
    SourceMark key_mark(std::string_view key) const;
    SourceMark self_mark() const { return mark_of(file_, node_); }

    std::optional<std::string> string(std::string_view key, bool required = false);
    std::optional<long long> integer(std::string_view key, long long min, long long max);
    std::optional<double> number(std::string_view key, double min, double max);
    std::optional<bool> boolean(std::string_view key);
    // A scalar or a sequence of scalars; a single scalar becomes a one-element list.
    std::optional<std::vector<std::string>> string_list(std::string_view key);

    const std::string& file() const { return file_; }
    Diagnostics& diagnostics() { return diagnostics_; }

 private:
    YAML::Node node_;
    std::string file_;
    Diagnostics& diagnostics_;
    std::string what_;
    bool ok_ = true;
};

}  // namespace herald
