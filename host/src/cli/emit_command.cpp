// `herald emit`: one line in a deploy step reports the deploy. The event is built from flags and
// the CI system's environment, checked with Herald's own validation, then sent like `herald post`.
#include <chrono>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/emit_event.hpp"
#include "cli/event_sender.hpp"
#include "event/deploy_event.hpp"

namespace herald::cli {

int emit_command(const std::vector<std::string>& argv) {
    std::set<std::string> options = kEmitOptions;
    options.insert(kSendOptions.begin(), kSendOptions.end());
    std::set<std::string> flags = kSendFlags;
    flags.insert("print");
    const Args args(argv, options, flags);
    if (!args.positional().empty()) throw UsageError("unexpected argument '" + args.positional().front() + "'");

    const auto now_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    const std::string body = build_emitted_event(args, ci_defaults(process_env), now_ms);
    const ParsedEvent parsed = parse_deploy_event(body);
    if (!parsed.errors.empty()) {
        std::cerr << "herald: the event is not valid, nothing was sent:\n";
        for (const auto& e : parsed.errors) std::cerr << "  " << e.message() << "\n";
        std::cerr << "(flags override the CI environment; see herald emit --help)\n";
        return 1;
    }
    if (args.flag("print")) {
        std::cout << body << "\n";
        return 0;
    }
    return send_event(read_send_options(args), "event " + parsed.event->id, body, sleep_for) ? 0 : 1;
}

}  // namespace herald::cli
