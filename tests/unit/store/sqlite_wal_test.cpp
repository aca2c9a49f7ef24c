// The SQLite store's write-ahead log stays bounded under a steady stream of commits: the
// background checkpoint alone never catches up with the last commit, so without the writer's own
// checkpoint the log would grow for as long as the stream lasts.
#include <gtest/gtest.h>

#include <filesystem>

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

}  // namespace
}  // namespace herald
