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

bool Diagnostics::has_errors() const { return error_count() > 0; }

size_t Diagnostics::error_count() const {
    return static_cast<size_t>(std::count_if(findings_.begin(), findings_.end(),
                                             [](const Finding& f) { return f.severity == Severity::error; }));
}

std::vector<Finding> Diagnostics::sorted() const {
    std::vector<Finding> out = findings_;
    std::stable_sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) {
        return std::tie(a.at.file, a.at.line, a.at.column) < std::tie(b.at.file, b.at.line, b.at.column);
    });
    return out;
}

}  // namespace herald
