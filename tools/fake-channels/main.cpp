// fake-channels: serve the channel look-alikes on 127.0.0.1 until SIGTERM.
//   fake-channels [--port N] [--port-file FILE]
#include <boost/asio/signal_set.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "fake_channels.hpp"

int main(int argc, char** argv) {
    unsigned short port = 0;
    std::string port_file;
    constexpr const char* kUsage =
        "usage: fake-channels [--port N] [--port-file FILE]\n"
        "Local stand-ins for Slack, Teams, PagerDuty and webhooks on 127.0.0.1, for tests and demos.\n";
    for (int i = 1; i < argc; i += 2) {
        const std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::cout << kUsage;
            return 0;
        }
        if (i + 1 >= argc) {
            std::cerr << kUsage;
            return 2;
        }
        if (arg == "--port")
            port = static_cast<unsigned short>(std::atoi(argv[i + 1]));
        else if (arg == "--port-file")
            port_file = argv[i + 1];
        else {
            std::cerr << kUsage;
            return 2;
        }
    }
    boost::asio::io_context io;
    herald::fake::FakeChannels handler(io);
    herald::HttpServerOptions options;
    options.address = "127.0.0.1";
    options.port = port;
    options.max_body_bytes = 4 * 1024 * 1024;
    herald::HttpServer server(io, options, handler);
    try {
        server.start();
    } catch (const std::exception& e) {
        std::cerr << "fake-channels: cannot listen on 127.0.0.1:" << port << ": " << e.what() << "\n";
        return 1;
    }
    std::cerr << "fake-channels: listening on 127.0.0.1:" << server.bound_port() << "\n";
    if (!port_file.empty()) {
        std::ofstream(port_file + ".tmp") << server.bound_port() << "\n";
        std::filesystem::rename(port_file + ".tmp", port_file);
    }
    boost::asio::signal_set signals(io, SIGTERM, SIGINT);
    signals.async_wait([&](auto, int) { io.stop(); });
    io.run();
    return 0;
}
