#include "config/config_reading.hpp"
#include <algorithm>

#include "common/bounded_file.hpp"
#include "config/config_loader.hpp"

namespace herald {

YAML::Node load_yaml_file(const std::filesystem::path& file, Diagnostics& diagnostics, size_t max_bytes) {
    auto content = read_bounded_file(file, max_bytes);
    if (content.index() == 1) {
        const std::string& why = std::get<1>(content);
        diagnostics.error({file.string(), 0, 0}, why.substr(std::min(why.size(), file.string().size() + 2)));
        return YAML::Node(YAML::NodeType::Undefined);
    }
    try {
        return YAML::Load(std::get<0>(content));
    } catch (const YAML::ParserException& e) {
        diagnostics.error({file.string(), e.mark.line + 1, e.mark.column + 1}, "YAML syntax: " + e.msg);
    } catch (const YAML::Exception& e) {
        diagnostics.error({file.string(), e.mark.line + 1, e.mark.column + 1}, "YAML: " + e.msg);
    }
    return YAML::Node(YAML::NodeType::Undefined);
}

void check_version(MapReader& map) {
    if (!map.ok()) return;
    if (!map.has("version")) {
        map.diagnostics().error(map.self_mark(), "missing required key 'version' (this Herald reads version " +
                                                     std::to_string(kConfigVersion) + ")");
        return;
    }
    const auto version = map.integer("version", 0, 1000);
    if (version && *version != kConfigVersion) {
        map.diagnostics().error(map.mark("version"), "unsupported version " + std::to_string(*version) +
                                                         "; this Herald reads version " +
                                                         std::to_string(kConfigVersion));
    }
}

std::optional<DeliveryOverrides> read_delivery_overrides(const YAML::Node& node, const std::string& file,
                                                         Diagnostics& diagnostics) {
    if (!node.IsDefined() || node.IsNull()) return DeliveryOverrides{};
    MapReader map(node, file, diagnostics, "delivery");
    if (!map.ok()) return std::nullopt;
    map.allow_only({"max_retries", "initial_backoff_ms", "max_backoff_ms", "give_up_after_ms", "rate_per_second",
                    "burst", "rate_limit_key"});
    DeliveryOverrides o;
    auto u32 = [&](const char* key, long long min, long long max) -> std::optional<uint32_t> {
        if (auto v = map.integer(key, min, max)) return static_cast<uint32_t>(*v);
        return std::nullopt;
    };
    o.max_retries = u32("max_retries", 0, 100);
    o.initial_backoff_ms = u32("initial_backoff_ms", 1, 3'600'000);
    o.max_backoff_ms = u32("max_backoff_ms", 1, 86'400'000);
    o.give_up_after_ms = u32("give_up_after_ms", 0, 7 * 86'400'000LL);
    o.burst = u32("burst", 1, 100'000);
    o.rate_per_second = map.number("rate_per_second", 0, 1'000'000);
    o.rate_limit_key = map.string("rate_limit_key");
    return o;
}

EventFilter read_event_filter(MapReader& map, std::set<DeployStatus> default_statuses) {
    EventFilter filter;
    filter.statuses = std::move(default_statuses);
    if (auto statuses = map.string_list("statuses")) {
        filter.statuses.clear();
        const std::vector<std::string> names = {"started", "succeeded", "failed", "cancelled", "*"};
        bool all = false;
        for (const auto& s : *statuses) {
            if (s == "*") {
                all = true;
            } else if (auto status = parse_deploy_status(s)) {
                filter.statuses.insert(*status);
            } else {
                std::string message =
                    "statuses: unknown status '" + s + "' (started, succeeded, failed, cancelled or *)";
                if (auto hint = did_you_mean(s, names); !hint.empty()) message += "; did you mean '" + hint + "'?";
                map.diagnostics().error(map.mark("statuses"), message);
            }
        }
        if (all) filter.statuses.clear();
    }
    if (auto envs = map.string_list("environments")) filter.environments = *envs;
    if (auto rollback = map.string_list("rollback")) {
        const std::vector<std::string> names = {"none", "not_attempted", "in_progress", "succeeded", "failed"};
        for (const auto& r : *rollback) {
            if (std::find(names.begin(), names.end(), r) != names.end()) {
                filter.rollback.insert(r);
                continue;
            }
            std::string message =
                "rollback: unknown rollback status '" + r + "' (none, not_attempted, in_progress, succeeded, failed)";
            if (auto hint = did_you_mean(r, names); !hint.empty()) message += "; did you mean '" + hint + "'?";
            map.diagnostics().error(map.mark("rollback"), message);
        }
    }
    const YAML::Node labels = map.node("labels");
    if (labels.IsDefined() && !labels.IsNull()) {
        if (!labels.IsMap()) {
            map.diagnostics().error(mark_of(map.file(), labels), "labels: must map label names to patterns");
        } else {
            for (const auto& entry : labels) {
                if (!entry.second.IsScalar()) {
                    map.diagnostics().error(mark_of(map.file(), entry.second),
                                            "labels." + entry.first.Scalar() + ": must be a string pattern");
                    continue;
                }
                filter.labels.push_back({entry.first.Scalar(), entry.second.Scalar()});
            }
        }
    }
    return filter;
}

bool valid_config_name(std::string_view name) {
    if (name.empty() || name.size() > 100) return false;
    for (char c : name) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')) return false;
    }
    return true;
}

}  // namespace herald
