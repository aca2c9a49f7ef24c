// A C++ plugin whose every entry point throws: plugin.hpp must turn each throw into an error.
#include <herald/plugin.hpp>

#include <stdexcept>
#include <string>

class ThrowingChannel {
 public:
    static constexpr const char* name = "zoo-throwing";
    static constexpr const char* version = "0.0.1";
    static constexpr const char* description = "Throws from every entry point";
    static constexpr std::array settings{
        herald::setting("mode", HERALD_SETTING_STRING, 0, "\"throw-on-use\"", "throw-on-create or throw-on-use")};
    static constexpr herald_delivery_defaults delivery_defaults = herald::delivery_defaults({});

    ThrowingChannel(std::string_view settings_json, herald::Host) {
        if (settings_json.find("throw-on-create") != std::string_view::npos) {
            throw herald::SettingsError("mode: create was told to throw");
        }
    }
    herald::Request render(const herald::Event&) const { throw std::runtime_error("render exploded"); }
    herald::Classification classify(const herald::Event&, const herald::Response&) const { throw 42; }
};

HERALD_PLUGIN(ThrowingChannel)
