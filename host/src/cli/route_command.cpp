#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <iterator>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/config_target.hpp"
#include "common/clock.hpp"

namespace herald::cli {
namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw UsageError("cannot read event file " + path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Prints what would be sent; false when it cannot be rendered (the command then fails).
bool print_request(const ChannelConfig& channel, const Destination& destination, const DeployEvent& event) {
    if (!channel.instance) {
        std::cout << "    cannot render: its settings hold secret references that could not be resolved here\n";
        return false;
    }
    RenderContext ctx;
    ctx.accepted_at_unix_ms = SystemClock::instance().now_unix_ms();
    ctx.team = destination.team;
    ctx.channel_name = channel.name;
    const auto rendered = channel.instance->render(event.json, ctx);
    if (const auto* error = std::get_if<std::string>(&rendered)) {
        std::cout << "    render error: " << mask_secrets(*error, channel.secret_values) << "\n";
        return false;
    }
    const HttpRequest& r = std::get<HttpRequest>(rendered);
    if (r.skip) {
        std::cout << "    (nothing to send for this event)\n";
        return true;
    }
    const auto& secrets = channel.secret_values;
    std::cout << "    " << r.method << " " << mask_secrets(r.url, secrets) << "\n";
    for (const auto& [name, value] : r.headers)
        std::cout << "    " << name << ": " << mask_secrets(value, secrets) << "\n";
    std::cout << "\n    " << mask_secrets(r.body, secrets) << "\n";
    return true;
}

int test(const Args& args) {
    const std::string config = args.required("config");
    const std::string event_file = args.required("event");
    LoadOptions options;
    options.secrets = SecretMode::lenient;
    options.allow_literal_secrets = args.flag("allow-literal-secrets");

    const auto parsed = parse_deploy_event(read_file(event_file));
    if (!parsed.errors.empty()) {
        for (const auto& e : parsed.errors) std::cout << event_file << ": error: " << e.message() << "\n";
        return 1;
    }
    Diagnostics d;
    const auto target = load_target(config, args.option("plugins"), options, d);
    if (d.has_errors()) {
        for (const auto& finding : d.sorted()) std::cout << finding.text() << "\n";
        std::cout << "route test: the config has errors (see herald config check)\n";
        return 1;
    }
    const DeployEvent& event = *parsed.event;
    const auto destinations = target->routing.route(event);
    if (args.flag("json")) {
        namespace json = boost::json;
        json::array out;
        for (const auto& dest : destinations) {
            out.push_back({{"team", dest.channel->team},
                           {"channel", dest.channel->name},
                           {"type", dest.channel->type},
                           {"fallback", dest.fallback},
                           {"reason", dest.reason}});
        }
        std::cout << json::serialize(json::object{{"event", event.id},
                                                  {"service", event.service},
                                                  {"environment", event.environment},
                                                  {"status", to_string(event.status)},
                                                  {"destinations", std::move(out)}})
                  << "\n";
        return 0;
    }
    std::cout << "event " << event.id << ": " << event.service << " " << to_string(event.status) << " in "
              << event.environment << " -> " << destinations.size()
              << (destinations.size() == 1 ? " destination" : " destinations") << "\n";
    bool all_rendered = true;
    for (const auto& dest : destinations) {
        const ChannelConfig& channel = *dest.channel;
        std::cout << "  " << channel.label() << " (" << channel.type << ")" << (dest.fallback ? " [fallback]" : "")
                  << ": " << dest.reason << "\n";
        if (args.flag("render")) all_rendered &= print_request(channel, dest, event);
    }
    if (destinations.empty()) std::cout << "  (no channel wants this event)\n";
    if (!all_rendered) std::cerr << "route test: some destinations could not be rendered\n";
    return all_rendered ? 0 : 1;
}

}  // namespace

int route_command(const std::vector<std::string>& argv) {
    if (argv.empty() || argv.front() != "test") throw UsageError("usage: herald route test --config PATH --event FILE");
    const std::vector<std::string> rest(argv.begin() + 1, argv.end());
    return test(Args(rest, {"config", "event", "plugins"}, {"render", "allow-literal-secrets", "json"}));
}

}  // namespace herald::cli
