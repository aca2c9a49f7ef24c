// Storage faults end in a clear refusal and a recovery without restart: the store on a 4 MB
// filesystem that fills up, then gets its space back.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <fstream>

#include "support/serve_harness.hpp"

namespace herald {
namespace {

using namespace std::chrono_literals;
using test::ServeHarness;

// A 4 MB tmpfs, unmounted at the end. Needs CAP_SYS_ADMIN (CI runs as root).
class SmallFilesystem {
 public:
    explicit SmallFilesystem(std::filesystem::path at) : at_(std::move(at)) {
        std::filesystem::create_directories(at_);
        mounted_ = mount("tmpfs", at_.c_str(), "tmpfs", 0, "size=4m") == 0;
    }
    ~SmallFilesystem() {
        if (mounted_) umount2(at_.c_str(), MNT_DETACH);
    }
    bool mounted() const { return mounted_; }

 private:
    std::filesystem::path at_;
    bool mounted_ = false;
};

// Writes until the filesystem is full; returns the filler's path.
std::filesystem::path fill(const std::filesystem::path& dir) {
    const auto filler = dir / "filler";
    std::ofstream out(filler, std::ios::binary);
    const std::string chunk(64 * 1024, 'x');
    for (int i = 0; i < 200 && out; ++i)
        out.write(chunk.data(), static_cast<std::streamsize>(chunk.size())), out.flush();
    return filler;
}

TEST(StoreFaults, AFullDiskIsRefusedWith503AndRecoveredFromWithoutRestart) {
    ServeHarness h;
    SmallFilesystem fs(h.dir() / "data");
    if (!fs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs CAP_SYS_ADMIN)";
    h.set_storage_path(h.dir() / "data" / "herald.db");
    h.team("web", "version: 1\nteam: web\nservices: [web]\n");
    h.write_host_config();
    h.start_herald();
    std::vector<std::string> acknowledged;
    ASSERT_EQ(h.post(test::failed_event("before-full", "nobody")).status, 202);
    acknowledged.push_back("before-full");

    const auto filler = fill(h.dir() / "data");
    int refused = 0;
    test::HttpResult last;
    for (int i = 0; i < 500 && refused == 0; ++i) {
        const std::string id = "while-full-" + std::to_string(i);
        last = h.post(test::failed_event(id, "nobody", "production",
                                         R"(,"failure":{"reason":")" + std::string(2000, 'r') + R"("})"));
        if (last.status == 202) acknowledged.push_back(id);
        if (last.status == 503) ++refused;
    }
    ASSERT_EQ(refused, 1) << "the disk never filled up";
    EXPECT_FALSE(last.header("Retry-After").empty());
    const auto not_ready = test::http_request("GET", h.intake_url("/readyz"));
    EXPECT_EQ(not_ready.status, 503);
    EXPECT_NE(not_ready.body.find("store"), std::string::npos) << not_ready.body;

    // Space is back; nothing is posted and no delivery is pending: the host notices by itself.
    std::filesystem::remove(filler);
    EXPECT_TRUE(test::wait_until([&] { return test::http_request("GET", h.intake_url("/readyz")).status == 200; }, 10s))
        << h.herald_log();
    EXPECT_EQ(h.post(test::failed_event("after-recovery", "nobody")).status, 202);
    acknowledged.push_back("after-recovery");

    // Every acknowledged event has its delivery (to the fallback channel, nobody owns "nobody").
    std::set<std::string> stored;
    for (const auto& job : h.jobs()) stored.insert(job.event_id);
    for (const auto& id : acknowledged) EXPECT_EQ(stored.count(id), 1u) << id << " was acknowledged but is not stored";
}

}  // namespace
}  // namespace herald
