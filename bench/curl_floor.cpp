// libcurl's own cost per delivery, with nothing of Herald around it: keep-alive POSTs of a
// webhook-sized body through one multi handle driven by libcurl's own loop (curl_multi_poll), the
// leanest way to run it. Prints deliveries per second and this process's CPU per delivery.
//   herald_curl_floor --url URL [--concurrency N] [--seconds T] [--body-bytes B]
#include <curl/curl.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "process_cpu.hpp"

namespace {

struct Options {
    std::string url;
    int concurrency = 64;
    double seconds = 5;
    size_t body_bytes = 400;  // about what the webhook plugin posts for the benchmark's events
};

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string key = argv[i], value = argv[i + 1];
        if (key == "--url")
            o.url = value;
        else if (key == "--concurrency")
            o.concurrency = std::atoi(value.c_str());
        else if (key == "--seconds")
            o.seconds = std::atof(value.c_str());
        else if (key == "--body-bytes")
            o.body_bytes = static_cast<size_t>(std::atol(value.c_str()));
        else {
            std::fprintf(stderr, "herald_curl_floor: unknown option %s\n", key.c_str());
            std::exit(2);
        }
    }
    if (o.url.empty() || o.concurrency < 1 || o.seconds <= 0) {
        std::fprintf(stderr, "usage: herald_curl_floor --url URL [--concurrency N] [--seconds T] [--body-bytes B]\n");
        std::exit(2);
    }
    return o;
}

size_t discard(char*, size_t size, size_t count, void*) { return size * count; }

// One transfer slot: its handle is reused, so its connection is kept alive between deliveries.
struct Slot {
    CURL* easy = nullptr;
    std::string body;
};

// Per delivery the body changes, so it is handed over again, as a dispatcher would.
void start(CURLM* multi, Slot& slot, const Options& options, curl_slist* headers) {
    curl_easy_setopt(slot.easy, CURLOPT_URL, options.url.c_str());
    curl_easy_setopt(slot.easy, CURLOPT_POSTFIELDS, slot.body.data());
    curl_easy_setopt(slot.easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(slot.body.size()));
    curl_easy_setopt(slot.easy, CURLOPT_HTTPHEADER, headers);
    curl_multi_add_handle(multi, slot.easy);
}

}  // namespace

int main(int argc, char** argv) {
    const Options options = parse(argc, argv);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM* multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, 256L);
    curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
    headers = curl_slist_append(headers, "Expect:");

    std::vector<Slot> slots(static_cast<size_t>(options.concurrency));
    for (auto& slot : slots) {
        slot.easy = curl_easy_init();
        slot.body = "{\"text\":\"" + std::string(options.body_bytes > 11 ? options.body_bytes - 11 : 0, 'x') + "\"}";
        curl_easy_setopt(slot.easy, CURLOPT_USERAGENT, "herald-curl-floor");
        curl_easy_setopt(slot.easy, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(slot.easy, CURLOPT_TIMEOUT_MS, 10000L);
        curl_easy_setopt(slot.easy, CURLOPT_WRITEFUNCTION, &discard);
        curl_easy_setopt(slot.easy, CURLOPT_PRIVATE, &slot);
        start(multi, slot, options, headers);
    }

    using Clock = std::chrono::steady_clock;
    const auto began = Clock::now();
    const auto deadline = began + std::chrono::duration<double>(options.seconds);
    const double cpu_before = herald::bench::process_cpu_seconds();
    long delivered = 0, failed = 0;
    int running = 0;
    bool more = true;
    while (more) {
        curl_multi_perform(multi, &running);
        int queued = 0;
        while (CURLMsg* message = curl_multi_info_read(multi, &queued)) {
            if (message->msg != CURLMSG_DONE) continue;
            Slot* slot = nullptr;
            curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &slot);
            long status = 0;
            curl_easy_getinfo(message->easy_handle, CURLINFO_RESPONSE_CODE, &status);
            (message->data.result == CURLE_OK && status >= 200 && status < 300 ? delivered : failed)++;
            curl_multi_remove_handle(multi, message->easy_handle);
            if (Clock::now() < deadline) start(multi, *slot, options, headers);
        }
        more = running > 0 || Clock::now() < deadline;
        if (running > 0) curl_multi_poll(multi, nullptr, 0, 100, nullptr);
    }
    const double cpu = herald::bench::process_cpu_seconds() - cpu_before;
    const double wall = std::chrono::duration<double>(Clock::now() - began).count();

    std::printf(
        "curl floor: %ld deliveries in %.2f s = %.0f/s at %d concurrent; %.1f us of CPU per delivery; %ld failed\n",
        delivered, wall, static_cast<double>(delivered) / wall, options.concurrency,
        delivered > 0 ? cpu / static_cast<double>(delivered) * 1e6 : 0.0, failed);
    for (auto& slot : slots) curl_easy_cleanup(slot.easy);
    curl_slist_free_all(headers);
    curl_multi_cleanup(multi);
    curl_global_cleanup();
    return delivered > 0 && failed == 0 ? 0 : 1;
}
