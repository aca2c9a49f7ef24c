// A delivery looks up the receipt its destination's previous message left (a Slack thread, a
// PagerDuty incident). The SQLite store answers from memory for a destination that never had
// one, without a read transaction per delivery, and still finds every receipt it holds,
// including those of an earlier run.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "store/store.hpp"
#include "store_test_items.hpp"
#include "support/temp_dir.hpp"

namespace herald {
namespace {

// Writes a receipt row behind the store's back, as no Herald process ever does.
void insert_receipt_directly(const std::string& db_path, const std::string& destination_hash,
                             const std::string& deployment_id, const std::string& receipt) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 2000);
    const std::string sql = "INSERT INTO receipts (destination_hash, deployment_id, receipt) VALUES ('" +
                            destination_hash + "', '" + deployment_id + "', '" + receipt + "')";
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    const std::string message = error != nullptr ? error : "";
    sqlite3_free(error);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << message;
}

TEST(SqliteReceipts, ADestinationWithoutReceiptsIsAnsweredWithoutReadingTheStore) {
    test::TempDir dir;
    const std::string path = (dir.path() / "h.db").string();
    auto store = open_sqlite_store(path);
    const auto job = store->commit({test::item("e1", "api", DeployStatus::started, 1000)}, {})[0].jobs[0];
    insert_receipt_directly(path, job.target.destination_hash, job.deployment_id, "written-aside");
    // The store never wrote a receipt for this destination, so it does not look.
    EXPECT_EQ(store->reader()->receipt(job.target.destination_hash, job.deployment_id), std::nullopt);

    // Once it writes one itself, it reads the table for that destination.
    store->commit({}, {test::outcome(job, JobState::delivered, 1100, "ts-123")});
    EXPECT_EQ(store->reader()->receipt(job.target.destination_hash, job.deployment_id), "ts-123");
    EXPECT_EQ(store->reader()->receipt(job.target.destination_hash, "another-deployment"), std::nullopt);
}

TEST(SqliteReceipts, AReopenedStoreFindsTheReceiptsOfAnEarlierRun) {
    test::TempDir dir;
    const std::string path = (dir.path() / "h.db").string();
    OpenJob job;
    {
        auto store = open_sqlite_store(path);
        job = store->commit({test::item("e1", "api", DeployStatus::started, 1000)}, {})[0].jobs[0];
        store->commit({}, {test::outcome(job, JobState::delivered, 1100, "ts-123")});
    }
    insert_receipt_directly(path, "destination-of-an-older-release", "d-9", "ts-9");
    auto reopened = open_sqlite_store(path);
    EXPECT_EQ(reopened->reader()->receipt(job.target.destination_hash, job.deployment_id), "ts-123");
    EXPECT_EQ(reopened->reader()->receipt("destination-of-an-older-release", "d-9"), "ts-9");
}

}  // namespace
}  // namespace herald
