#include "metrics/metrics.hpp"

#include <cmath>
#include <sstream>

namespace herald {
namespace {

std::string escape_label(const std::string& value) {
    std::string out;
    for (char c : value) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string format_labels(const Labels& labels, const std::string& extra_key = {},
                          const std::string& extra_value = {}) {
    if (labels.empty() && extra_key.empty()) return {};
    std::string out = "{";
    const char* sep = "";
    for (const auto& [k, v] : labels) {
        out += sep + k + "=\"" + escape_label(v) + "\"";
        sep = ",";
    }
    if (!extra_key.empty()) out += sep + extra_key + "=\"" + extra_value + "\"";
    return out + "}";
}

std::string number(double v) {
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    std::ostringstream s;
    s.precision(15);
    s << v;
    return s.str();
}

}  // namespace

void MetricsRegistry::counter(const std::string& name, const std::string& help) {
    std::lock_guard lock(mutex_);
    families_[name] = Family{help, "counter", {}, {}, {}, {}};
}

void MetricsRegistry::histogram(const std::string& name, const std::string& help, std::vector<double> buckets) {
    std::lock_guard lock(mutex_);
    families_[name] = Family{help, "histogram", std::move(buckets), {}, {}, {}};
}

void MetricsRegistry::gauge(const std::string& name, const std::string& help,
                            std::function<std::vector<std::pair<Labels, double>>()> read) {
    std::lock_guard lock(mutex_);
    families_[name] = Family{help, "gauge", {}, {}, {}, std::move(read)};
}

void MetricsRegistry::add(std::string_view name, const Labels& labels, double value) {
    std::lock_guard lock(mutex_);
    auto it = families_.find(name);
    if (it != families_.end()) it->second.values[labels] += value;
}

void MetricsRegistry::observe(std::string_view name, const Labels& labels, double value) {
    std::lock_guard lock(mutex_);
    auto it = families_.find(name);
    if (it == families_.end()) return;
    Family& f = it->second;
    Histogram& h = f.histograms[labels];
    if (h.counts.empty()) h.counts.assign(f.buckets.size(), 0);
    for (size_t i = 0; i < f.buckets.size(); ++i) {
        if (value <= f.buckets[i]) {
            h.counts[i] += 1;
            break;
        }
    }
    h.count += 1;
    h.sum += value;
}

std::string MetricsRegistry::render() const {
    // Gauges are read outside the lock: their callbacks may take other locks.
    std::map<std::string, std::vector<std::pair<Labels, double>>> gauge_values;
    {
        std::vector<std::pair<std::string, std::function<std::vector<std::pair<Labels, double>>()>>> readers;
        {
            std::lock_guard lock(mutex_);
            for (const auto& [name, f] : families_) {
                if (f.read) readers.emplace_back(name, f.read);
            }
        }
        for (const auto& [name, read] : readers) gauge_values[name] = read();
    }
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& [name, f] : families_) {
        out += "# HELP " + name + " " + f.help + "\n# TYPE " + name + " " + f.type + "\n";
        if (f.type == "counter") {
            for (const auto& [labels, v] : f.values) out += name + format_labels(labels) + " " + number(v) + "\n";
        } else if (f.type == "gauge") {
            for (const auto& [labels, v] : gauge_values[name])
                out += name + format_labels(labels) + " " + number(v) + "\n";
        } else {
            for (const auto& [labels, h] : f.histograms) {
                uint64_t cumulative = 0;
                for (size_t i = 0; i < f.buckets.size(); ++i) {
                    cumulative += h.counts[i];
                    out += name + "_bucket" + format_labels(labels, "le", number(f.buckets[i])) + " " +
                           std::to_string(cumulative) + "\n";
                }
                out += name + "_bucket" + format_labels(labels, "le", "+Inf") + " " + std::to_string(h.count) + "\n";
                out += name + "_sum" + format_labels(labels) + " " + number(h.sum) + "\n";
                out += name + "_count" + format_labels(labels) + " " + std::to_string(h.count) + "\n";
            }
        }
    }
    return out;
}

}  // namespace herald
