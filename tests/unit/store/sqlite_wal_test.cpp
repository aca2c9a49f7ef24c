// The SQLite store's write-ahead log stays bounded under a steady stream of commits: the
// background checkpoint alone never catches up with the last commit, so without the writer's own
// checkpoint the log would grow for as long as the stream lasts.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "store/store.hpp"
#include "store_test_items.hpp"
#include "support/temp_dir.hpp"

namespace herald {
namespace {

// On tmpfs where there is one: the test is about the log's size, not the disk's sync rate.
std::filesystem::path fast_parent() {
    std::error_code ec;
    return std::filesystem::is_directory("/dev/shm", ec) ? std::filesystem::path("/dev/shm")
                                                         : std::filesystem::temp_directory_path();
}

TEST(SqliteWal, StaysBoundedUnderASteadyStreamOfCommits) {
    test::TempDir dir(fast_parent());
    const auto path = dir.path() / "h.db";
    auto store = open_sqlite_store(path.string());
    const auto wal = std::filesystem::path(path.string() + "-wal");
    // 2,000 commits of an event with two jobs, and the outcome of the previous commit's jobs:
    // several pages each, over 15,000 frames (60 MB) in all.
    uintmax_t largest = 0;
    std::vector<OpenJob> previous;
    for (int i = 0; i < 2000; ++i) {
        std::vector<JobUpdate> updates;
        for (const auto& job : previous) updates.push_back(test::outcome(job, JobState::delivered, 1000 + i));
        const auto outcomes = store->commit({test::item("e" + std::to_string(i), "svc-" + std::to_string(i % 50),
                                                        DeployStatus::failed, 1000 + i, {"deploys", "alerts"})},
                                            updates);
        store->after_commit();
        previous = outcomes.at(0).jobs;
        largest = std::max(largest, std::filesystem::file_size(wal));
    }
    // 4,000 frames of 4 KB (plus their headers) before the writer checkpoints; a margin for the
    // commit that crosses the line. Unbounded, this stream leaves a WAL of over 60 MB.
    EXPECT_LT(largest, 20u * 1024 * 1024) << "the WAL grew to " << largest << " bytes";
    EXPECT_EQ(store->open_jobs().size(), 2u);  // only the last commit's jobs are still open
}

// How far the log has been copied into the database, from the WAL-index file's own header
// (https://sqlite.org/walformat.html): mxFrame at byte 16, nBackfill at byte 96, native order.
struct WalIndex {
    uint32_t frames = 0;      // mxFrame: valid frames in the log
    uint32_t backfilled = 0;  // nBackfill: frames already copied into the database
};
WalIndex read_wal_index(const std::filesystem::path& shm) {
    std::ifstream in(shm, std::ios::binary);
    WalIndex index;
    in.seekg(16);
    in.read(reinterpret_cast<char*>(&index.frames), sizeof index.frames);
    in.seekg(96);
    in.read(reinterpret_cast<char*>(&index.backfilled), sizeof index.backfilled);
    return index;
}

// The checkpoint thread copies the log into the database, so the writer's own checkpoint (past
// 4,000 frames) is left with a remainder, not the whole log. Here the writer stays below that
// line, so only the checkpoint thread can copy anything.
TEST(SqliteWal, TheCheckpointThreadCopiesTheLogIntoTheDatabase) {
    test::TempDir dir(fast_parent());
    const auto path = dir.path() / "h.db";
    auto store = open_sqlite_store(path.string());
    for (int i = 0; i < 300; ++i) {
        store->commit({test::item("e" + std::to_string(i), "svc-" + std::to_string(i % 50), DeployStatus::failed,
                                  1000 + i, {"deploys", "alerts"})},
                      {});
        store->after_commit();
    }
    // ~1,600 frames in all, so the writer never reaches its own 4,000. (The thread may catch up
    // during the loop and the log start over; it then still holds the last commits' frames.)
    const auto shm = std::filesystem::path(path.string() + "-shm");
    const auto copied_all = [&] {
        const WalIndex index = read_wal_index(shm);
        return index.frames > 0 && index.backfilled == index.frames;
    };
    // Bounded: the thread also runs once a second without being asked.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!copied_all() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const WalIndex later = read_wal_index(shm);
    EXPECT_EQ(later.backfilled, later.frames) << "copied " << later.backfilled << " of " << later.frames << " frames";
}

}  // namespace
}  // namespace herald
