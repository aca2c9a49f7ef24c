// Fuzzes message templates: a team's routing file (a pull request) supplies them, and the
// dispatcher renders them for every event, so no template may crash or hang the host.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "message/message_renderer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view source(reinterpret_cast<const char*>(data), size);
    static const std::vector<boost::json::object> samples = [] {
        std::vector<boost::json::object> out;
        for (const auto& s : herald::sample_events()) out.push_back(herald::template_data(s.event, {}));
        return out;
    }();
    const herald::TemplateCheck check = herald::check_template(source, samples);
    for (const auto use : {herald::TemplateUse::text, herald::TemplateUse::url}) {
        try {
            herald::render_template(source, use, samples.front());
            // A template the check refuses never renders.
            if (!check.error.empty()) __builtin_trap();
        } catch (const herald::TemplateError&) {
            if (check.error.empty()) __builtin_trap();  // and one it accepts always does
        }
    }
    return 0;
}
