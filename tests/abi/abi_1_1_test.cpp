// ABI 1.1: a plugin writes only inside the host's struct_size, sees the event schema version
// and the merged setting defaults, names the setting it refuses, and is destroyed only after
// every call on it has returned.
#include <gtest/gtest.h>
#include <herald/plugin.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <thread>

#include "config/channel_settings.hpp"
#include "plugin_host/channel_instance.hpp"
#include "support/temp_dir.hpp"

namespace herald {
namespace {

const std::filesystem::path kZoo = HERALD_TEST_ZOO_DIR;

const PluginRegistry& zoo() {
    static const PluginRegistry registry = PluginRegistry::load_directory(kZoo);
    return registry;
}

const LoadedPlugin& lifecycle() {
    const LoadedPlugin* p = zoo().find("zoo-lifecycle");
    if (p == nullptr) throw std::runtime_error("zoo-lifecycle did not load");
    return *p;
}

// A create result as a 1.0 host knows it, inside a larger buffer whose tail must stay intact.
TEST(Abi11, PluginWritesNothingPastAnOlderHostsStructSize) {
    constexpr size_t kOldSize = offsetof(herald_create_result, error_setting);  // 1.0's size
    alignas(herald_create_result) unsigned char buffer[sizeof(herald_create_result) + 32];
    std::memset(buffer, 0xAB, sizeof buffer);
    std::memset(buffer, 0, kOldSize);
    auto* result = reinterpret_cast<herald_create_result*>(buffer);
    result->struct_size = kOldSize;
    const std::string settings = R"({"color":"red"})";
    lifecycle().descriptor.create({settings.data(), settings.size()}, nullptr, result);
    EXPECT_EQ(result->status, HERALD_STATUS_ERROR);
    EXPECT_EQ(std::string(result->error.data, result->error.size), "color: red is not allowed");
    for (size_t i = kOldSize; i < sizeof buffer; ++i) {
        ASSERT_EQ(buffer[i], 0xAB) << "byte " << i << " past the host's struct_size was written";
    }
    if (result->owner != nullptr) lifecycle().descriptor.release(result->owner);
}

TEST(Abi11, RefusedSettingIsNamed) {
    std::string setting;
    auto created = ChannelInstance::create(lifecycle(), R"({"color":"red"})", SystemClock::instance(), &setting);
    ASSERT_TRUE(std::holds_alternative<std::string>(created));
    EXPECT_EQ(setting, "color");
}

TEST(Abi11, PluginSeesTheSchemaVersionAndMergedDefaults) {
    Diagnostics d;
    const YAML::Node node = YAML::Load("color: blue");
    LoadOptions options;
    const ChannelSettings settings = read_channel_settings(node, {}, "team.yaml", lifecycle(), ".", options, {}, d);
    ASSERT_TRUE(settings.ok);
    auto created = ChannelInstance::create(lifecycle(), settings.json);
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<ChannelInstance>>(created));
    auto rendered = std::get<std::unique_ptr<ChannelInstance>>(created)->render(R"({"id":"x"})", {});
    ASSERT_TRUE(std::holds_alternative<HttpRequest>(rendered));
    const std::string body = std::get<HttpRequest>(rendered).body;
    EXPECT_NE(body.find(R"("url":"https://hooks.example.com/default")"), std::string::npos) << body;
    EXPECT_NE(body.find(R"("schema_version":1)"), std::string::npos) << body;
}

TEST(Abi11, DestroyWaitsForCallsInProgress) {
    test::TempDir dir;
    const auto trace = dir.path() / "trace";
    setenv("HERALD_ZOO_TRACE", trace.c_str(), 1);
    auto created = ChannelInstance::create(lifecycle(), R"({"color":"blue"})");
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<ChannelInstance>>(created));
    auto instance = std::move(std::get<std::unique_ptr<ChannelInstance>>(created));
    const ChannelInstance* raw = instance.get();
    std::thread renderer([raw] { (void)raw->render(R"({"id":"x"})", {}); });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // render is under way (it takes 150 ms)
    instance.reset();                                            // destroy, from another thread
    renderer.join();
    unsetenv("HERALD_ZOO_TRACE");
    std::ifstream in(trace);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    EXPECT_EQ(lines, (std::vector<std::string>{"render-begin", "render-end", "destroy"}));
}

}  // namespace
}  // namespace herald
