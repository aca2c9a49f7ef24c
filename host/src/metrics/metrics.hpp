// A small Prometheus registry: counters and histograms with labels, and gauges read at scrape
// time. Rendered in the text exposition format (HELP and TYPE for every family).
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace herald {

using Labels = std::vector<std::pair<std::string, std::string>>;

class MetricsRegistry {
 public:
    // Families must be declared before use; values are created per label set on first use.
    void counter(const std::string& name, const std::string& help);
    void histogram(const std::string& name, const std::string& help, std::vector<double> buckets);
    // A gauge whose samples are computed when scraped.
    void gauge(const std::string& name, const std::string& help,
               std::function<std::vector<std::pair<Labels, double>>()> read);

    // The family's name is looked up as given: a literal costs no string per call.
    void add(std::string_view name, const Labels& labels, double value = 1);
    void observe(std::string_view name, const Labels& labels, double value);

    std::string render() const;

 private:
    struct Histogram {
        std::vector<uint64_t> counts;  // per bucket (not cumulative)
        uint64_t count = 0;
        double sum = 0;
    };
    struct Family {
        std::string help;
        std::string type;
        std::vector<double> buckets;
        std::map<Labels, double> values;
        std::map<Labels, Histogram> histograms;
        std::function<std::vector<std::pair<Labels, double>>()> read;
    };
    mutable std::mutex mutex_;
    std::map<std::string, Family, std::less<>> families_;
};

}  // namespace herald
