// Findings about configuration files, reported as `file:line:column: severity: message`.
#pragma once

#include <string>
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

class Diagnostics {
 public:
    void error(const SourceMark& at, std::string message) { add(at, Severity::error, std::move(message)); }
    void warning(const SourceMark& at, std::string message) { add(at, Severity::warning, std::move(message)); }
    void add(const SourceMark& at, Severity severity, std::string message) {
        findings_.push_back({at, severity, std::move(message)});
    }

    bool has_errors() const;
    size_t error_count() const;
    const std::vector<Finding>& findings() const { return findings_; }
    // Findings ordered by file, line and column.
    std::vector<Finding> sorted() const;

 private:
    std::vector<Finding> findings_;
};

}  // namespace herald
