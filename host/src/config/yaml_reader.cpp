#include "config/yaml_reader.hpp"

#include <algorithm>

namespace herald {

SourceMark mark_of(const std::string& file, const YAML::Node& node) {
    const YAML::Mark m = node.Mark();
    if (m.line < 0) return {file, 0, 0};
    return {file, m.line + 1, m.column + 1};
}

YAML::Node child(const YAML::Node& node, std::string_view key) {
    if (node.IsDefined() && node.IsMap()) {
        const YAML::Node value = node[std::string(key)];
        if (value.IsDefined()) return value;
    }
    return YAML::Node(YAML::NodeType::Undefined);
}

namespace {

size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            const size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = up;
        }
    }
    return row[b.size()];
}

std::string describe(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Map:
            return "a mapping";
        case YAML::NodeType::Sequence:
            return "a list";
        case YAML::NodeType::Null:
            return "empty";
        default:
            return "'" + node.Scalar() + "'";
    }
}

}  // namespace

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
    std::string best;
    size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
    for (const auto& c : candidates) {
        const size_t d = edit_distance(word, c);
        if (d < best_distance) {
            best_distance = d;
            best = c;
        }
    }
    return best;
}

MapReader::MapReader(const YAML::Node& node, std::string file, Diagnostics& diagnostics, std::string what)
    : node_(node), file_(std::move(file)), diagnostics_(diagnostics), what_(std::move(what)) {
    if (!node_.IsMap()) {
        diagnostics_.error(mark_of(file_, node_), what_ + " must be a mapping, not " + describe(node_));
        ok_ = false;
    }
}

void MapReader::allow_only(std::initializer_list<std::string_view> allowed) {
    allow_only(std::vector<std::string_view>(allowed), {});
}

void MapReader::allow_only(const std::vector<std::string_view>& allowed, std::string_view owner) {
    if (!ok_) return;
    std::vector<std::string> names(allowed.begin(), allowed.end());
    for (const auto& entry : node_) {
        const std::string key = entry.first.Scalar();
        if (std::find(names.begin(), names.end(), key) != names.end()) continue;
        std::string message = owner.empty() ? "unknown key '" + key + "' in " + what_
                                            : "'" + key + "' is not a setting of " + std::string(owner);
        if (const std::string hint = did_you_mean(key, names); !hint.empty())
            message += "; did you mean '" + hint + "'?";
        diagnostics_.error(mark_of(file_, entry.first), message);
    }
}

bool MapReader::has(std::string_view key) const { return ok_ && node_[std::string(key)].IsDefined(); }

YAML::Node MapReader::node(std::string_view key) const {
    return ok_ ? child(node_, key) : YAML::Node(YAML::NodeType::Undefined);
}

SourceMark MapReader::mark(std::string_view key) const {
    const YAML::Node n = node(key);
    return n.IsDefined() ? mark_of(file_, n) : mark_of(file_, node_);
}

SourceMark MapReader::key_mark(std::string_view key) const {
    if (ok_) {
        for (const auto& entry : node_) {
            if (entry.first.Scalar() == key) return mark_of(file_, entry.first);
        }
    }
    return mark_of(file_, node_);
}

std::optional<std::string> MapReader::string(std::string_view key, bool required) {
    const YAML::Node n = node(key);
    if (!n.IsDefined() || n.IsNull()) {
        if (required && ok_)
            diagnostics_.error(self_mark(), "missing required key '" + std::string(key) + "' in " + what_);
        return std::nullopt;
    }
    if (!n.IsScalar()) {
        diagnostics_.error(mark_of(file_, n), std::string(key) + ": must be a string, not " + describe(n));
        return std::nullopt;
    }
    return n.Scalar();
}

std::optional<long long> MapReader::integer(std::string_view key, long long min, long long max) {
    const YAML::Node n = node(key);
    if (!n.IsDefined() || n.IsNull()) return std::nullopt;
    long long value = 0;
    if (!n.IsScalar() || !YAML::convert<long long>::decode(n, value)) {
        diagnostics_.error(mark_of(file_, n), std::string(key) + ": must be an integer, not " + describe(n));
        return std::nullopt;
    }
    if (value < min || value > max) {
        diagnostics_.error(mark_of(file_, n), std::string(key) + ": must be between " + std::to_string(min) + " and " +
                                                  std::to_string(max));
        return std::nullopt;
    }
    return value;
}

std::optional<double> MapReader::number(std::string_view key, double min, double max) {
    const YAML::Node n = node(key);
    if (!n.IsDefined() || n.IsNull()) return std::nullopt;
    double value = 0;
    if (!n.IsScalar() || !YAML::convert<double>::decode(n, value)) {
        diagnostics_.error(mark_of(file_, n), std::string(key) + ": must be a number, not " + describe(n));
        return std::nullopt;
    }
    if (!(value >= min && value <= max)) {
        diagnostics_.error(mark_of(file_, n), std::string(key) + ": out of range");
        return std::nullopt;
    }
    return value;
}

std::optional<bool> MapReader::boolean(std::string_view key) {
    const YAML::Node n = node(key);
    if (!n.IsDefined() || n.IsNull()) return std::nullopt;
    bool value = false;
    if (!n.IsScalar() || !YAML::convert<bool>::decode(n, value)) {
        diagnostics_.error(mark_of(file_, n), std::string(key) + ": must be true or false, not " + describe(n));
        return std::nullopt;
    }
    return value;
}

std::optional<std::vector<std::string>> MapReader::string_list(std::string_view key) {
    const YAML::Node n = node(key);
    if (!n.IsDefined() || n.IsNull()) return std::nullopt;
    if (n.IsScalar()) return std::vector<std::string>{n.Scalar()};
    if (!n.IsSequence()) {
        diagnostics_.error(mark_of(file_, n), std::string(key) + ": must be a list of strings");
        return std::nullopt;
    }
    std::vector<std::string> out;
    for (const auto& item : n) {
        if (!item.IsScalar()) {
            diagnostics_.error(mark_of(file_, item), std::string(key) + ": items must be strings");
            continue;
        }
        out.push_back(item.Scalar());
    }
    return out;
}

}  // namespace herald
