// The smallest useful channel: POSTs the event JSON unchanged to a URL. It uses only
// plugin.hpp, so it needs nothing but a C++20 compiler and the installed plugin API.
#include <herald/plugin.hpp>

class EchoChannel {
 public:
    static constexpr const char* name = "echo";
    static constexpr const char* version = "0.1.0";
    static constexpr const char* description = "POSTs the raw event JSON to a URL";
    static constexpr std::array settings{herald::setting("url", HERALD_SETTING_STRING,
                                                         HERALD_SETTING_REQUIRED | HERALD_SETTING_SECRET, nullptr,
                                                         "Where to POST the event")};
    static constexpr herald_delivery_defaults delivery_defaults =
        herald::delivery_defaults({.max_retries = 3, .max_body_bytes = 1024 * 1024});

    EchoChannel(std::string_view settings_json, herald::Host) {
        // Settings arrive as a JSON object; this plugin needs one string, found without a parser.
        const std::string_view key = "\"url\":\"";
        const auto start = settings_json.find(key);
        if (start == std::string_view::npos) throw herald::SettingsError("url: required");
        const auto end = settings_json.find('"', start + key.size());
        url_ = std::string(settings_json.substr(start + key.size(), end - start - key.size()));
        if (url_.rfind("http://", 0) != 0 && url_.rfind("https://", 0) != 0) {
            throw herald::SettingsError("url: must be an http or https URL");
        }
    }

    herald::Request render(const herald::Event& event) const {
        herald::Request request;
        request.url = url_;
        request.headers.emplace_back("Content-Type", "application/json");
        request.body = std::string(event.json);
        return request;
    }

    herald::Classification classify(const herald::Event&, const herald::Response& r) const {
        if (r.status_code >= 200 && r.status_code < 300) return herald::Classification::delivered();
        if (r.status_code == 408 || r.status_code == 429 || r.status_code >= 500) {
            const auto after = r.header("Retry-After");
            return herald::Classification::retry("HTTP " + std::to_string(r.status_code),
                                                 after ? std::stoll(std::string(*after)) * 1000 : -1);
        }
        return herald::Classification::rejected("HTTP " + std::to_string(r.status_code));
    }

 private:
    std::string url_;
};

HERALD_PLUGIN(EchoChannel)
