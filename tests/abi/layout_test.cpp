// Pins the ABI v1 layout on this platform: a change here is an ABI change. Fields added in a
// minor version sit after every field of the version before (offsets of 1.0 fields never move).
#include <gtest/gtest.h>
#include <herald/plugin.h>

#include <openssl/evp.h>
#include <cstddef>
#include <fstream>
#include <iterator>
#include <sstream>

static_assert(sizeof(void*) == 8, "layout pins are for LP64 platforms");
static_assert(sizeof(herald_str) == 16 && sizeof(herald_header) == 32);
static_assert(offsetof(herald_plugin_descriptor, struct_size) == 0);
static_assert(offsetof(herald_plugin_descriptor, abi_major) == 4);
static_assert(offsetof(herald_plugin_descriptor, abi_minor) == 6);
static_assert(offsetof(herald_plugin_descriptor, name) == 8);
static_assert(offsetof(herald_plugin_descriptor, settings) == 32);
static_assert(offsetof(herald_plugin_descriptor, delivery_defaults) == 48);
static_assert(offsetof(herald_plugin_descriptor, create) == 56);
static_assert(offsetof(herald_plugin_descriptor, release) == 88);
static_assert(sizeof(herald_plugin_descriptor) == 96);
static_assert(sizeof(herald_setting_desc) == 40);
static_assert(sizeof(herald_delivery_defaults) == 40);
static_assert(offsetof(herald_delivery_defaults, rate_per_second) == 24);
static_assert(sizeof(herald_host_services) == 32);
static_assert(offsetof(herald_event, json) == 8);
static_assert(offsetof(herald_event, schema_version) == 24);  // 1.1
static_assert(sizeof(herald_event) == 32);
static_assert(offsetof(herald_event_context, previous_receipt) == 32);
static_assert(offsetof(herald_event_context, message_json) == 80);  // 1.2
static_assert(offsetof(herald_event_context, step) == 96);          // 1.2
static_assert(sizeof(herald_event_context) == 104);
static_assert(offsetof(herald_render_result, method) == 24);
static_assert(offsetof(herald_render_result, owner) == 112);
static_assert(offsetof(herald_render_result, follow_up) == 120);  // 1.2
static_assert(sizeof(herald_render_result) == 128);
static_assert(sizeof(herald_response) == 40);
static_assert(offsetof(herald_classification, reason) == 24);
static_assert(sizeof(herald_classification) == 64);
static_assert(offsetof(herald_create_result, owner) == 32);
static_assert(offsetof(herald_create_result, error_setting) == 40);  // 1.1
static_assert(sizeof(herald_create_result) == 56);

namespace {

std::string sha256_hex(const std::string& data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < length; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 0xF];
    }
    return out;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

// plugin_h.lock lists "MAJOR.MINOR sha256" for every released header. Editing plugin.h means
// bumping the version and adding a line; a version may never name two different headers.
TEST(PluginHeader, ChangesOnlyWithAVersionBump) {
    const std::string version = std::to_string(HERALD_PLUGIN_ABI_MAJOR) + "." + std::to_string(HERALD_PLUGIN_ABI_MINOR);
    const std::string hash = sha256_hex(read_file(HERALD_PLUGIN_HEADER));
    std::istringstream lock(read_file(HERALD_PLUGIN_HEADER_LOCK));
    std::string locked_version, locked_hash;
    bool found = false;
    while (lock >> locked_version >> locked_hash) {
        if (locked_version == version) {
            EXPECT_FALSE(found) << "version " << version << " is listed twice in plugin_h.lock";
            found = true;
            EXPECT_EQ(locked_hash, hash) << "plugin.h changed without an ABI version bump: raise "
                                            "HERALD_PLUGIN_ABI_MINOR (additive) or _MAJOR (breaking) and add a "
                                            "line to tests/abi/plugin_h.lock";
        }
    }
    EXPECT_TRUE(found) << "plugin_h.lock has no line for ABI " << version << " (sha256 " << hash << ")";
}
