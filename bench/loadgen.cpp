// Posts signed deploy events to Herald over keep-alive connections and prints acknowledgement
// throughput and latency. Closed loop (as fast as acks come) or paced (--rate).
//   herald_loadgen --port P --secret S [--concurrency N] [--seconds T | --count N] [--rate R]
//                  [--services K] [--prefix ID]
#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "common/sha256.hpp"

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
    std::string host = "127.0.0.1";
    std::string port = "8080";
    std::string secret;
    int concurrency = 1;
    double seconds = 10;
    long count = 0;
    double rate = 0;  // events/s over all connections; 0 = as fast as possible
    int services = 100;
    std::string prefix = "load";
};

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i], v = argv[i + 1];
        if (k == "--host")
            o.host = v;
        else if (k == "--port")
            o.port = v;
        else if (k == "--secret")
            o.secret = v;
        else if (k == "--concurrency")
            o.concurrency = std::stoi(v);
        else if (k == "--seconds")
            o.seconds = std::stod(v);
        else if (k == "--count")
            o.count = std::stol(v);
        else if (k == "--rate")
            o.rate = std::stod(v);
        else if (k == "--services")
            o.services = std::stoi(v);
        else if (k == "--prefix")
            o.prefix = v;
        else
            throw std::runtime_error("unknown option " + k);
    }
    return o;
}

double percentile(std::vector<double>& v, double p) {
    if (v.empty()) return 0;
    const size_t i = std::min(v.size() - 1, static_cast<size_t>(p / 100.0 * static_cast<double>(v.size())));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
    return v[i];
}

}  // namespace

int main(int argc, char** argv) {
    const Options o = parse(argc, argv);
    std::atomic<long> next{0};
    std::mutex mutex;
    std::vector<double> latencies_ms;
    std::map<int, long> statuses;
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));

    std::vector<std::thread> threads;
    for (int c = 0; c < o.concurrency; ++c) {
        threads.emplace_back([&, c] {
            std::vector<double> mine;
            std::map<int, long> my_statuses;
            try {
                net::io_context io;
                tcp::resolver resolver(io);
                beast::tcp_stream stream(io);
                stream.connect(resolver.resolve(o.host, o.port));
                stream.socket().set_option(tcp::no_delay(true));
                beast::flat_buffer buffer;
                while (true) {
                    const long n = next.fetch_add(1);
                    if (o.count > 0 ? n >= o.count : Clock::now() >= deadline) break;
                    if (o.rate > 0) {
                        const auto due = start + std::chrono::duration_cast<Clock::duration>(
                                                     std::chrono::duration<double>(static_cast<double>(n) / o.rate));
                        if (o.count == 0 && due >= deadline) break;
                        std::this_thread::sleep_until(due);
                    }
                    const std::string id = o.prefix + "-" + std::to_string(n);
                    const std::string body =
                        R"({"id":")" + id + R"(","service":"svc-)" + std::to_string(n % o.services) +
                        R"(","environment":"production","status":"failed","commit":{"sha":"9f2c1e7a4b3d"},)"
                        R"("triggered_by":"loadgen","pipeline":{"url":"https://ci.example.com/runs/)" +
                        std::to_string(n) + R"("},"failure":{"stage":"deploy","reason":"benchmark"}})";
                    http::request<http::string_body> req{http::verb::post, "/v1/events", 11};
                    req.set(http::field::host, o.host);
                    req.set(http::field::content_type, "application/json");
                    req.set("X-Herald-Signature-256", "sha256=" + herald::hmac_sha256_hex(o.secret, body));
                    req.keep_alive(true);
                    req.body() = body;
                    req.prepare_payload();
                    const auto sent = Clock::now();
                    http::write(stream, req);
                    http::response<http::string_body> res;
                    http::read(stream, buffer, res);
                    mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
                    my_statuses[static_cast<int>(res.result_int())] += 1;
                }
            } catch (const std::exception& e) {
                std::cerr << "connection " << c << ": " << e.what() << "\n";
            }
            std::lock_guard lock(mutex);
            latencies_ms.insert(latencies_ms.end(), mine.begin(), mine.end());
            for (const auto& [s, n] : my_statuses) statuses[s] += n;
        });
    }
    for (auto& t : threads) t.join();
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    const double total = static_cast<double>(latencies_ms.size());
    std::printf(
        "concurrency %d: %.0f requests in %.2f s = %.0f acks/s; latency ms p50 %.2f p90 %.2f p99 %.2f max %.2f;",
        o.concurrency, total, elapsed, total / elapsed, percentile(latencies_ms, 50), percentile(latencies_ms, 90),
        percentile(latencies_ms, 99), percentile(latencies_ms, 100));
    for (const auto& [s, n] : statuses) std::printf(" %d:%ld", s, n);
    std::printf("\n");
    return 0;
}
