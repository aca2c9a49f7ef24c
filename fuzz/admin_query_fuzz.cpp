// Fuzzes the admin API's request target and dead-letter query parsing.
#include <boost/url/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "admin/dlq_query.hpp"
#include "admin/events_query.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto url = boost::urls::parse_origin_form(std::string_view(reinterpret_cast<const char*>(data), size));
    if (!url) return 0;
    const auto events = herald::read_events_query(url->params(), 1'800'000'000'000);
    if (const auto* f = std::get_if<herald::EventListFilter>(&events)) {
        if (f->limit < 1 || f->limit > 1000 || f->before_seq < 0 || f->since_ms < 0) __builtin_trap();
    }
    for (const bool replay : {false, true}) {
        const auto query = herald::read_dlq_query(url->params(), replay);
        if (const auto* q = std::get_if<herald::DlqQuery>(&query)) {
            if (q->filter.limit < 1 || q->filter.after_id < 0) __builtin_trap();
        }
    }
    return 0;
}
