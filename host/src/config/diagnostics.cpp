#include "config/diagnostics.hpp"

#include <algorithm>
#include <tuple>

namespace herald {

std::string Finding::text() const {
    std::string out = at.file;
    if (at.line > 0) out += ":" + std::to_string(at.line) + ":" + std::to_string(at.column);
    out += severity == Severity::error ? ": error: " : ": warning: ";
    return out + message;
}

void Diagnostics::add(const SourceMark& at, Severity severity, std::string message) {
    if (!seen_.emplace(at.file, at.line, at.column, message).second) return;
    if (++per_file_[at.file] > kMaxPerFile) {
        ++suppressed_[at.file];
        if (severity == Severity::error) ++suppressed_errors_;
        return;
    }
    findings_.push_back({at, severity, std::move(message)});
}

bool Diagnostics::has_errors() const { return error_count() > 0; }

size_t Diagnostics::error_count() const {
    return suppressed_errors_ +
           static_cast<size_t>(std::count_if(findings_.begin(), findings_.end(),
                                             [](const Finding& f) { return f.severity == Severity::error; }));
}

std::vector<Finding> Diagnostics::sorted() const {
    std::vector<Finding> out = findings_;
    std::stable_sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) {
        return std::tie(a.at.file, a.at.line, a.at.column) < std::tie(b.at.file, b.at.line, b.at.column);
    });
    for (const auto& [file, count] : suppressed_) {
        out.push_back(
            {{file, 0, 0}, Severity::warning, std::to_string(count) + " more findings in this file not shown"});
    }
    return out;
}

}  // namespace herald
