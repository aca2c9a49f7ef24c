// Storage faults on the SQLite store end in a clear refusal and a recovery without restart. A
// full disk is tried on a real 4 MB filesystem (integration/store_faults_test.cpp); a read-only
// remount cannot be made under a process that holds the file open for writing (the kernel
// refuses it), and an I/O error cannot be made on demand, so both are injected here below
// SQLite, by a VFS that wraps the system's and fails writes (EROFS: SQLITE_IOERR_WRITE) or
// syncs (EIO: SQLITE_IOERR_FSYNC) while a fault is set.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <future>

#include "store/group_commit.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "unit/store/store_test_items.hpp"

namespace herald {
namespace {

using namespace std::chrono_literals;

enum class Fault { none, read_only, io_error };
std::atomic<Fault> g_fault{Fault::none};

// A file of the wrapping VFS: its methods, then the real file right after it.
struct FaultFile {
    sqlite3_file base;
    sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(this + 1); }
};
FaultFile* as_fault(sqlite3_file* f) { return reinterpret_cast<FaultFile*>(f); }
sqlite3_file* real(sqlite3_file* f) { return as_fault(f)->real(); }

int fault_close(sqlite3_file* f) { return real(f)->pMethods->xClose(real(f)); }
int fault_read(sqlite3_file* f, void* buf, int n, sqlite3_int64 at) {
    return real(f)->pMethods->xRead(real(f), buf, n, at);
}
int fault_write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 at) {
    if (g_fault.load() == Fault::read_only) return SQLITE_IOERR_WRITE;
    return real(f)->pMethods->xWrite(real(f), buf, n, at);
}
int fault_truncate(sqlite3_file* f, sqlite3_int64 size) {
    if (g_fault.load() == Fault::read_only) return SQLITE_IOERR_TRUNCATE;
    return real(f)->pMethods->xTruncate(real(f), size);
}
int fault_sync(sqlite3_file* f, int flags) {
    if (g_fault.load() == Fault::io_error) return SQLITE_IOERR_FSYNC;
    return real(f)->pMethods->xSync(real(f), flags);
}
int fault_size(sqlite3_file* f, sqlite3_int64* size) { return real(f)->pMethods->xFileSize(real(f), size); }
int fault_lock(sqlite3_file* f, int level) { return real(f)->pMethods->xLock(real(f), level); }
int fault_unlock(sqlite3_file* f, int level) { return real(f)->pMethods->xUnlock(real(f), level); }
int fault_reserved(sqlite3_file* f, int* out) { return real(f)->pMethods->xCheckReservedLock(real(f), out); }
int fault_control(sqlite3_file* f, int op, void* arg) { return real(f)->pMethods->xFileControl(real(f), op, arg); }
int fault_sector(sqlite3_file* f) { return real(f)->pMethods->xSectorSize(real(f)); }
int fault_device(sqlite3_file* f) { return real(f)->pMethods->xDeviceCharacteristics(real(f)); }
int fault_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
    return real(f)->pMethods->xShmMap(real(f), page, size, extend, out);
}
int fault_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
    return real(f)->pMethods->xShmLock(real(f), offset, n, flags);
}
void fault_shm_barrier(sqlite3_file* f) { real(f)->pMethods->xShmBarrier(real(f)); }
int fault_shm_unmap(sqlite3_file* f, int remove) { return real(f)->pMethods->xShmUnmap(real(f), remove); }
int fault_fetch(sqlite3_file* f, sqlite3_int64 at, int n, void** out) {
    return real(f)->pMethods->xFetch(real(f), at, n, out);
}
int fault_unfetch(sqlite3_file* f, sqlite3_int64 at, void* p) { return real(f)->pMethods->xUnfetch(real(f), at, p); }

const sqlite3_io_methods kFaultMethods = {3,
                                          fault_close,
                                          fault_read,
                                          fault_write,
                                          fault_truncate,
                                          fault_sync,
                                          fault_size,
                                          fault_lock,
                                          fault_unlock,
                                          fault_reserved,
                                          fault_control,
                                          fault_sector,
                                          fault_device,
                                          fault_shm_map,
                                          fault_shm_lock,
                                          fault_shm_barrier,
                                          fault_shm_unmap,
                                          fault_fetch,
                                          fault_unfetch};

sqlite3_vfs* g_system = nullptr;
sqlite3_vfs g_fault_vfs;

int fault_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
    FaultFile* f = as_fault(file);
    const int rc = g_system->xOpen(g_system, name, f->real(), flags, out_flags);
    f->base.pMethods = rc == SQLITE_OK && f->real()->pMethods != nullptr ? &kFaultMethods : nullptr;
    return rc;
}

// Installs the wrapping VFS as SQLite's default for one test.
class FaultyDisk {
 public:
    FaultyDisk() {
        g_system = sqlite3_vfs_find(nullptr);
        g_fault_vfs = *g_system;
        g_fault_vfs.zName = "herald-faults";
        g_fault_vfs.szOsFile = static_cast<int>(sizeof(FaultFile)) + g_system->szOsFile;
        g_fault_vfs.xOpen = fault_open;
        g_fault_vfs.pNext = nullptr;
        sqlite3_vfs_register(&g_fault_vfs, 1);
        g_fault.store(Fault::none);
    }
    ~FaultyDisk() {
        g_fault.store(Fault::none);
        sqlite3_vfs_unregister(&g_fault_vfs);
        sqlite3_vfs_register(g_system, 1);
    }
};

GroupCommitter::Result submit_and_wait(GroupCommitter& committer, IngestItem it) {
    std::promise<GroupCommitter::Result> done;
    auto result = done.get_future();
    committer.submit(std::move(it), [&](GroupCommitter::Result r) { done.set_value(std::move(r)); });
    return result.get();
}

class SqliteFaults : public ::testing::TestWithParam<Fault> {};

TEST_P(SqliteFaults, AreRefusedThenRecoveredFromWithoutRestartAndLoseNothingAcknowledged) {
    FaultyDisk disk;
    test::TempDir dir;
    const auto path = (dir.path() / "herald.db").string();
    {
        auto store = open_sqlite_store(path);
        GroupCommitter committer(*store, 64, 100ms);
        committer.start();
        ASSERT_TRUE(std::holds_alternative<IngestOutcome>(
            submit_and_wait(committer, test::item("before", "api", DeployStatus::failed, 1000))));

        g_fault.store(GetParam());
        const auto refused = submit_and_wait(committer, test::item("during", "api", DeployStatus::failed, 2000));
        ASSERT_TRUE(std::holds_alternative<std::string>(refused)) << "a commit that could not be written succeeded";
        EXPECT_NE(std::get<std::string>(refused).find("disk I/O error"), std::string::npos)
            << std::get<std::string>(refused);
        EXPECT_FALSE(committer.healthy());
        std::this_thread::sleep_for(400ms);  // several probes, all failing
        EXPECT_FALSE(committer.healthy()) << "a probe succeeded while the fault lasted";

        // The fault is gone; nothing is submitted: the writer's probe notices by itself.
        g_fault.store(Fault::none);
        EXPECT_TRUE(test::wait_until([&] { return committer.healthy(); }, 5s));
        ASSERT_TRUE(std::holds_alternative<IngestOutcome>(
            submit_and_wait(committer, test::item("after", "api", DeployStatus::failed, 3000))));
        committer.stop();
    }
    // Opened again: the acknowledged events are there, the refused one is not.
    auto reader = open_sqlite_store(path)->admin_reader();
    EXPECT_TRUE(reader->event_by_id("before").has_value());
    EXPECT_TRUE(reader->event_by_id("after").has_value());
    EXPECT_FALSE(reader->event_by_id("during").has_value());
}

// The store keeps each service's last status in memory once read; a commit that is refused
// must not leave its event counted in the failing streak.
TEST_P(SqliteFaults, ARefusedFailureIsNotCountedInTheFailingStreak) {
    FaultyDisk disk;
    test::TempDir dir;
    auto store = open_sqlite_store((dir.path() / "herald.db").string());
    GroupCommitter committer(*store, 64, 100ms);
    committer.start();
    ASSERT_TRUE(std::holds_alternative<IngestOutcome>(
        submit_and_wait(committer, test::item("first", "api", DeployStatus::failed, 1000))));
    g_fault.store(GetParam());
    ASSERT_TRUE(std::holds_alternative<std::string>(
        submit_and_wait(committer, test::item("refused", "api", DeployStatus::failed, 2000))));
    g_fault.store(Fault::none);
    ASSERT_TRUE(test::wait_until([&] { return committer.healthy(); }, 5s));
    ASSERT_TRUE(std::holds_alternative<IngestOutcome>(
        submit_and_wait(committer, test::item("second", "api", DeployStatus::failed, 3000))));
    const auto recovered = submit_and_wait(committer, test::item("fixed", "api", DeployStatus::succeeded, 4000));
    ASSERT_TRUE(std::holds_alternative<IngestOutcome>(recovered));
    const RecoveryContext& recovery = std::get<IngestOutcome>(recovered).recovery;
    EXPECT_TRUE(recovery.is_recovery);
    EXPECT_EQ(recovery.failures_before, 2u) << "the refused failure was counted";
    EXPECT_EQ(recovery.failing_since_ms, 1000);
    committer.stop();
}

INSTANTIATE_TEST_SUITE_P(Faults, SqliteFaults, ::testing::Values(Fault::read_only, Fault::io_error),
                         [](const auto& param_info) {
                             return param_info.param == Fault::read_only ? "read_only" : "io_error";
                         });

}  // namespace
}  // namespace herald
