// Stable, reviewable JSON text for golden files (two-space indent, keys in given order).
#pragma once

#include <boost/json.hpp>
#include <string>

namespace herald::test {

inline void pretty_print(const boost::json::value& v, std::string& out, int indent = 0) {
    const std::string pad(static_cast<size_t>(indent + 2), ' ');
    const std::string close_pad(static_cast<size_t>(indent), ' ');
    if (v.is_object()) {
        const auto& obj = v.get_object();
        if (obj.empty()) {
            out += "{}";
            return;
        }
        out += "{\n";
        bool first = true;
        for (const auto& [key, value] : obj) {
            if (!first) out += ",\n";
            first = false;
            out += pad + boost::json::serialize(boost::json::string(key)) + ": ";
            pretty_print(value, out, indent + 2);
        }
        out += "\n" + close_pad + "}";
    } else if (v.is_array()) {
        const auto& arr = v.get_array();
        if (arr.empty()) {
            out += "[]";
            return;
        }
        out += "[\n";
        for (size_t i = 0; i < arr.size(); ++i) {
            if (i > 0) out += ",\n";
            out += pad;
            pretty_print(arr[i], out, indent + 2);
        }
        out += "\n" + close_pad + "]";
    } else {
        out += boost::json::serialize(v);
    }
}

inline std::string pretty(const boost::json::value& v) {
    std::string out;
    pretty_print(v, out);
    return out + "\n";
}

}  // namespace herald::test
