// A C++ plugin for ABI 1.1 behaviour: it records render and destroy in a trace file (named by
// the HERALD_ZOO_TRACE environment variable) so a test can see their order, renders slowly when
// tracing, and names the setting it refuses.
#include <unistd.h>

#include <herald/plugin.hpp>

#include <cstdlib>
#include <fstream>
#include <string>

namespace {

void trace(const char* what) {
    if (const char* file = std::getenv("HERALD_ZOO_TRACE")) std::ofstream(file, std::ios::app) << what << "\n";
}

}  // namespace

class LifecycleChannel {
 public:
    static constexpr const char* name = "zoo-lifecycle";
    static constexpr const char* version = "0.0.1";
    static constexpr const char* description = "Records its lifecycle for the ABI tests";
    static constexpr std::array settings{
        herald::setting("url", HERALD_SETTING_STRING, 0, "\"https://hooks.example.com/default\"", "Where to post"),
        herald::setting("color", HERALD_SETTING_STRING, 0, nullptr, "Anything but red")};
    static constexpr herald_delivery_defaults delivery_defaults = herald::delivery_defaults({});

    LifecycleChannel(std::string_view settings_json, herald::Host) : settings_(settings_json) {
        if (settings_json.find("\"red\"") != std::string_view::npos) {
            throw herald::SettingsError("color", "red is not allowed");
        }
    }
    ~LifecycleChannel() { trace("destroy"); }

    herald::Request render(const herald::Event& event) const {
        trace("render-begin");
        if (std::getenv("HERALD_ZOO_TRACE") != nullptr) usleep(150'000);
        herald::Request r;
        r.url = "https://hooks.example.com/x";
        // Echo what the plugin was given, so tests can see merged defaults and the schema version.
        r.body = "{\"settings\":" + settings_ + ",\"schema_version\":" + std::to_string(event.schema_version) + "}";
        trace("render-end");
        return r;
    }
    herald::Classification classify(const herald::Event&, const herald::Response&) const {
        return herald::Classification::delivered();
    }

 private:
    std::string settings_;
};

HERALD_PLUGIN(LifecycleChannel)
