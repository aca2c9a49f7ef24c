// `herald post`: sends event files (or standard input, `-`) to a Herald intake, signed the way
// Herald checks them, retrying while Herald is unreachable or busy.
#include <fstream>
#include <iostream>
#include <iterator>

#include "cli/commands.hpp"
#include "cli/event_sender.hpp"

namespace herald::cli {

int post_command(const std::vector<std::string>& argv) {
    const Args args(argv, kSendOptions, kSendFlags);
    if (args.positional().empty()) throw UsageError("give one or more event files, or - for standard input");
    const SendOptions options = read_send_options(args);

    int failures = 0;
    for (const auto& file : args.positional()) {
        std::string body;
        if (file == "-") {
            body.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
        } else {
            std::ifstream in(file, std::ios::binary);
            if (!in) {
                std::cerr << "herald: " << file << ": cannot read\n";
                ++failures;
                continue;
            }
            body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        }
        if (!send_event(options, file == "-" ? "stdin" : file, body, sleep_for)) ++failures;
    }
    return failures == 0 ? 0 : 1;
}

}  // namespace herald::cli
