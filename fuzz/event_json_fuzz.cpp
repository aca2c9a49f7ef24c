// Fuzzes the event contract's parser: any body a pipeline (or an attacker) can post.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "event/deploy_event.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto parsed = herald::parse_deploy_event(std::string_view(reinterpret_cast<const char*>(data), size));
    // A parse either yields an event or names at least one problem, never both or neither.
    if (parsed.event.has_value() == !parsed.errors.empty()) __builtin_trap();
    return 0;
}
