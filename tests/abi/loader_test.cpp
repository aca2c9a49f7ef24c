#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <variant>

#include "plugin_host/channel_instance.hpp"
#include "plugin_host/plugin_registry.hpp"
#include "support/run_process.hpp"

namespace herald {
namespace {

const std::filesystem::path kZoo = HERALD_TEST_ZOO_DIR;

std::string refusal_for(const PluginRegistry& registry, const std::string& file) {
    for (const auto& r : registry.refusals()) {
        if (r.file.filename() == file) return r.reason;
    }
    return "(not refused)";
}

class LoaderTest : public ::testing::Test {
 protected:
    static void SetUpTestSuite() { registry_ = new PluginRegistry(PluginRegistry::load_directory(kZoo)); }
    static PluginRegistry* registry_;
};
PluginRegistry* LoaderTest::registry_ = nullptr;

TEST_F(LoaderTest, LoadsTheGoodPlugins) {
    ASSERT_NE(registry_->find("zoo-good"), nullptr);
    ASSERT_NE(registry_->find("zoo-clang"), nullptr);
    ASSERT_NE(registry_->find("zoo-throwing"), nullptr);
    const LoadedPlugin& good = *registry_->find("zoo-good");
    EXPECT_EQ(good.version, "0.0.1");
    EXPECT_EQ(good.abi_major, HERALD_PLUGIN_ABI_MAJOR);
    ASSERT_EQ(good.settings.size(), 1u);
    EXPECT_STREQ(good.settings[0].name, "url");
    EXPECT_EQ(good.settings[0].flags, HERALD_SETTING_REQUIRED | HERALD_SETTING_SECRET);
    EXPECT_EQ(good.delivery_defaults.max_retries, 3u);
    EXPECT_EQ(good.delivery_defaults.max_body_bytes, 65536u);
    EXPECT_EQ(registry_->plugins().size(), 5u);            // good, clang, throwing, lifecycle, old-minor
    ASSERT_NE(registry_->find("zoo-old-minor"), nullptr);  // a 1.0 plugin loads in the 1.1 host
    EXPECT_EQ(registry_->find("zoo-old-minor")->abi_minor, 0);
}

TEST_F(LoaderTest, RefusesEachBrokenPluginWithItsReason) {
    EXPECT_EQ(refusal_for(*registry_, "wrong_major.so"), "plugin ABI major 2, this host speaks ABI 1");
    EXPECT_EQ(refusal_for(*registry_, "small_struct.so"),
              "descriptor struct_size 16 is smaller than ABI 1.0's " +
                  std::to_string(offsetof(herald_plugin_descriptor, release) + sizeof(void*)));
    EXPECT_EQ(refusal_for(*registry_, "missing_function.so"), "descriptor is missing function 'render'");
    EXPECT_EQ(refusal_for(*registry_, "empty_name.so"), "plugin has an empty name");
    EXPECT_EQ(refusal_for(*registry_, "null_descriptor.so"), "entry symbol returned no descriptor");
    EXPECT_EQ(refusal_for(*registry_, "no_entry.so"), "missing entry symbol 'herald_plugin_entry'");
    EXPECT_EQ(refusal_for(*registry_, "bad_setting.so"), "setting 'bad' has unknown type 99");
    EXPECT_EQ(refusal_for(*registry_, "zz_duplicate.so"),
              "duplicate plugin name 'zoo-good' (already loaded from " + (kZoo / "good.so").string() + ")");
    EXPECT_EQ(refusal_for(*registry_, "not_a_library.so").rfind("cannot load: ", 0), 0u);
    EXPECT_EQ(registry_->refusals().size(), 9u);
}

TEST_F(LoaderTest, ClangBuiltPluginRendersThroughGccBuiltHost) {
    // The file really is clang's work: clang stamps its name into .comment.
    std::ifstream in(kZoo / "clang_built.so", std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(bytes.find("clang version"), std::string::npos);

    auto created = ChannelInstance::create(*registry_->find("zoo-clang"), "{}");
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<ChannelInstance>>(created));
    const auto& channel = std::get<std::unique_ptr<ChannelInstance>>(created);
    auto rendered = channel->render("{}", RenderContext{});
    ASSERT_TRUE(std::holds_alternative<HttpRequest>(rendered));
    const auto& request = std::get<HttpRequest>(rendered);
    EXPECT_EQ(request.method, "POST");
    EXPECT_EQ(request.body, R"({"text":"hello"})");
    ASSERT_EQ(request.headers.size(), 1u);
    EXPECT_EQ(request.headers[0].first, "Content-Type");
    auto classified = channel->classify("{}", HttpResponse{200, {}, "ok"});
    ASSERT_TRUE(std::holds_alternative<Classification>(classified));
    EXPECT_EQ(std::get<Classification>(classified).outcome, HERALD_OUTCOME_DELIVERED);
}

TEST_F(LoaderTest, ThrowingPluginFunctionsBecomeErrorResults) {
    const LoadedPlugin& plugin = *registry_->find("zoo-throwing");
    auto refused = ChannelInstance::create(plugin, R"({"mode":"throw-on-create"})");
    ASSERT_TRUE(std::holds_alternative<std::string>(refused));
    EXPECT_EQ(std::get<std::string>(refused), "mode: create was told to throw");

    auto created = ChannelInstance::create(plugin, "{}");
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<ChannelInstance>>(created));
    const auto& channel = std::get<std::unique_ptr<ChannelInstance>>(created);
    auto rendered = channel->render("{}", RenderContext{});
    ASSERT_TRUE(std::holds_alternative<std::string>(rendered));
    EXPECT_EQ(std::get<std::string>(rendered), "render exploded");
    auto classified = channel->classify("{}", HttpResponse{500, {}, ""});
    ASSERT_TRUE(std::holds_alternative<std::string>(classified));
    EXPECT_EQ(std::get<std::string>(classified), "unknown exception");
}

TEST(PluginListCommand, ListsGoodPluginsAndRefusesBrokenOnesWithExitStatusOne) {
    const auto result = test::run_process(std::string(HERALD_BINARY) + " plugin list --dir " + kZoo.string());
    EXPECT_EQ(result.exit_status, 1);
    EXPECT_NE(result.output.find("zoo-good\t0.0.1\tABI 1.2\tgood.so"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("zoo-old-minor\t0.0.1\tABI 1.0\told_minor.so"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("zoo-clang\t0.0.1"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("refused: " + (kZoo / "wrong_major.so").string() +
                                 ": plugin ABI major 2, this host speaks ABI 1"),
              std::string::npos)
        << result.output;
}

TEST(PluginListCommand, ExitsZeroWhenEveryPluginLoads) {
    const auto result = test::run_process(std::string(HERALD_BINARY) + " plugin list --dir " + HERALD_PLUGIN_DIR);
    EXPECT_EQ(result.exit_status, 0) << result.output;
    EXPECT_EQ(result.output.find("refused"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace herald
