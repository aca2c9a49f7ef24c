// The buffered-WAL VFS writes a commit's frames to the log with one call, and what it holds back
// is never lost or seen early: every commit is complete for another connection and after a
// reopen, however large it is.
#include <gtest/gtest.h>

#include <string>

#include "store/sqlite_db.hpp"
#include "store/sqlite_wal_buffer.hpp"
#include "support/temp_dir.hpp"

namespace herald::sqlite {
namespace {

// The store's writer settings, and a table to fill.
void set_up_like_the_writer(Db& db) {
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = FULL");
    db.exec("PRAGMA wal_autocheckpoint = 0");
    db.exec("CREATE TABLE rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
}

void insert_rows(Db& db, int first, int count, size_t bytes) {
    Stmt insert(db, "INSERT INTO rows (id, body) VALUES (?, ?)");
    db.exec("BEGIN IMMEDIATE");
    for (int i = first; i < first + count; ++i) {
        insert.bind(1, int64_t{i}).bind(2, std::string(bytes, static_cast<char>('a' + i % 26))).run();
    }
    db.exec("COMMIT");
}

int64_t count_rows(const std::string& path) {
    Db reader(path, SQLITE_OPEN_READONLY);  // the default VFS, as the store's readers use
    Stmt count(reader, "SELECT COUNT(*), SUM(LENGTH(body)) FROM rows");
    count.step();
    return count.int64(0);
}

std::string integrity(const std::string& path) {
    Db db(path, SQLITE_OPEN_READONLY);
    Stmt check(db, "PRAGMA integrity_check");
    check.step();
    return check.text(0);
}

TEST(SqliteWalBuffer, ACommitsFramesReachTheLogInOneWrite) {
    test::TempDir dir;
    const std::string path = (dir.path() / "w.db").string();
    Db db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, buffered_wal_vfs());
    set_up_like_the_writer(db);

    const WalBufferCounts before = wal_buffer_counts();
    insert_rows(db, 0, 40, 1000);  // about ten pages: twenty frame writes (header, page)
    const WalBufferCounts after = wal_buffer_counts();
    EXPECT_EQ(after.file_writes - before.file_writes, 1u);
    EXPECT_GE(after.gathered_writes - before.gathered_writes, 20u);
    EXPECT_EQ(count_rows(path), 40);  // and a reader sees the whole commit at once
}

TEST(SqliteWalBuffer, ACommitLargerThanTheBufferIsWrittenWhole) {
    test::TempDir dir;
    const std::string path = (dir.path() / "w.db").string();
    {
        Db db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, buffered_wal_vfs());
        set_up_like_the_writer(db);
        insert_rows(db, 0, 1500, 2000);  // 3 MB: the 128 KB buffer fills many times over
        EXPECT_EQ(count_rows(path), 1500);
        db.exec("UPDATE rows SET body = 'changed' WHERE id % 2 = 0");  // frames rewritten
        insert_rows(db, 1500, 10, 100);
        EXPECT_EQ(count_rows(path), 1510);
    }
    EXPECT_EQ(count_rows(path), 1510);  // after the last connection closed and checkpointed
    EXPECT_EQ(integrity(path), "ok");
}

TEST(SqliteWalBuffer, ADatabaseWithoutPowerSafeOverwriteWritesItsLogThrough) {
    // SQLite then pads a commit to a sector boundary with a sync part-way through a frame; the
    // rest of that frame must not wait in the buffer while readers see the commit.
    test::TempDir dir;
    const std::string path = (dir.path() / "w.db").string();
    Db db("file:" + path + "?psow=0", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI, buffered_wal_vfs());
    set_up_like_the_writer(db);
    const WalBufferCounts before = wal_buffer_counts();
    insert_rows(db, 0, 40, 1000);
    EXPECT_EQ(wal_buffer_counts().gathered_writes, before.gathered_writes);
    EXPECT_EQ(count_rows(path), 40);
}

}  // namespace
}  // namespace herald::sqlite
