// Findings about configuration files, reported as `file:line:column: severity: message`.
#pragma once

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace herald {

struct SourceMark {
    std::string file;
    int line = 0;    // 1-based; 0 when unknown
    int column = 0;  // 1-based; 0 when unknown
};

enum class Severity { error = 1, warning };

struct Finding {
    SourceMark at;
    Severity severity = Severity::error;
    std::string message;

    std::string text() const;
};

// Collects findings. A finding identical to an earlier one (same place, same message) is kept
// once, and each file keeps at most kMaxPerFile (the rest are counted and summarised), so a
// hostile file cannot turn one reload into a flood of log lines.
class Diagnostics {
 public:
    static constexpr size_t kMaxPerFile = 50;

    void error(const SourceMark& at, std::string message) { add(at, Severity::error, std::move(message)); }
    void warning(const SourceMark& at, std::string message) { add(at, Severity::warning, std::move(message)); }
    void add(const SourceMark& at, Severity severity, std::string message);

    bool has_errors() const;
    size_t error_count() const;
    const std::vector<Finding>& findings() const { return findings_; }
    // Findings ordered by file, line and column, with a closing line per file that had more.
    std::vector<Finding> sorted() const;

 private:
    std::vector<Finding> findings_;
    std::set<std::tuple<std::string, int, int, std::string>> seen_;
    std::map<std::string, size_t> per_file_;
    std::map<std::string, size_t> suppressed_;
    size_t suppressed_errors_ = 0;
};

}  // namespace herald
