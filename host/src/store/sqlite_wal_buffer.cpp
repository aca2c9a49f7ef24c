#include "store/sqlite_wal_buffer.hpp"

#include <sqlite3.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <unordered_map>

namespace herald::sqlite {
namespace {

// The most the unix VFS writes in one call (128 KiB - 1; it fails a larger write as "disk
// full"): 31 frames of a 4 KB page. A larger commit is written in several pieces.
constexpr int kBufferBytes = 0x1ffff;
// Room for the file of the VFS underneath: the default when a file is opened, which need not be
// the one at registration (a test may install a fault-injecting VFS over the system's).
constexpr int kRealFileBytes = 2048;

struct BufferedFile {
    sqlite3_file base;
    sqlite3_file* real;           // the default VFS's file, in the same allocation, after this
    bool gathers;                 // a write-ahead log
    const char* log_name;         // a database's: its log's name
    char* buffer;                 // allocated on the first write
    sqlite3_int64 buffer_offset;  // where buffer[0] goes in the file
    int buffered;                 // bytes held
};

sqlite3_vfs buffered_vfs;
std::atomic<uint64_t> file_writes{0};
std::atomic<uint64_t> gathered_writes{0};

// Whether a database's log may gather, by the log's name as SQLite passes it to xOpen (the
// same pointer sqlite3_filename_wal gives for the database's name). Without power-safe
// overwrite on the database (the unix VFS's default; `psow=0` in a URI turns it off) SQLite
// pads a commit to a sector boundary and syncs part-way through a frame, so the rest of that
// frame would be held back from readers: such a log is written through.
std::mutex logs_mutex;
std::unordered_map<const char*, bool> logs;  // while the database is open

void remember_log(const char* wal_name, bool may_gather) {
    if (wal_name == nullptr) return;
    std::lock_guard lock(logs_mutex);
    logs[wal_name] = may_gather;
}

void forget_log(const char* wal_name) {
    std::lock_guard lock(logs_mutex);
    logs.erase(wal_name);
}

bool log_may_gather(const char* wal_name) {
    std::lock_guard lock(logs_mutex);
    const auto it = logs.find(wal_name);
    return it != logs.end() && it->second;  // a database not opened through this VFS: write through
}

BufferedFile* buffered(sqlite3_file* file) { return reinterpret_cast<BufferedFile*>(file); }
const sqlite3_io_methods& real_methods(BufferedFile* f) { return *f->real->pMethods; }

int write_through(BufferedFile* f, const void* data, int amount, sqlite3_int64 offset) {
    if (f->gathers) file_writes.fetch_add(1, std::memory_order_relaxed);
    return real_methods(f).xWrite(f->real, data, amount, offset);
}

int flush(BufferedFile* f) {
    if (f->buffered == 0) return SQLITE_OK;
    const int amount = f->buffered;
    f->buffered = 0;  // on failure the transaction fails, and its frames are not wanted
    return write_through(f, f->buffer, amount, f->buffer_offset);
}

int x_close(sqlite3_file* file) {
    auto* f = buffered(file);
    const int flushed = flush(f);
    const int closed = real_methods(f).xClose(f->real);
    sqlite3_free(f->buffer);
    f->buffer = nullptr;
    if (f->log_name != nullptr) forget_log(f->log_name);
    return flushed != SQLITE_OK ? flushed : closed;
}

int x_read(sqlite3_file* file, void* data, int amount, sqlite3_int64 offset) {
    auto* f = buffered(file);
    if (const int rc = flush(f); rc != SQLITE_OK) return rc;
    return real_methods(f).xRead(f->real, data, amount, offset);
}

// Appends to the gathered run when the write continues it; anything else (the log's header, a
// frame rewritten in place) writes the run out first, so writes reach the file in order.
int x_write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
    auto* f = buffered(file);
    if (!f->gathers) return write_through(f, data, amount, offset);
    if (f->buffered > 0 && offset == f->buffer_offset + f->buffered && f->buffered + amount <= kBufferBytes) {
        std::memcpy(f->buffer + f->buffered, data, static_cast<size_t>(amount));
        f->buffered += amount;
        gathered_writes.fetch_add(1, std::memory_order_relaxed);
        return SQLITE_OK;
    }
    if (const int rc = flush(f); rc != SQLITE_OK) return rc;
    if (f->buffer == nullptr) f->buffer = static_cast<char*>(sqlite3_malloc(kBufferBytes));
    if (f->buffer == nullptr || amount > kBufferBytes) return write_through(f, data, amount, offset);
    std::memcpy(f->buffer, data, static_cast<size_t>(amount));
    f->buffer_offset = offset;
    f->buffered = amount;
    gathered_writes.fetch_add(1, std::memory_order_relaxed);
    return SQLITE_OK;
}

int x_truncate(sqlite3_file* file, sqlite3_int64 size) {
    auto* f = buffered(file);
    if (const int rc = flush(f); rc != SQLITE_OK) return rc;
    return real_methods(f).xTruncate(f->real, size);
}

int x_sync(sqlite3_file* file, int flags) {
    auto* f = buffered(file);
    if (const int rc = flush(f); rc != SQLITE_OK) return rc;
    return real_methods(f).xSync(f->real, flags);
}

int x_file_size(sqlite3_file* file, sqlite3_int64* size) {
    auto* f = buffered(file);
    if (const int rc = flush(f); rc != SQLITE_OK) return rc;
    return real_methods(f).xFileSize(f->real, size);
}

int x_lock(sqlite3_file* file, int level) { return real_methods(buffered(file)).xLock(buffered(file)->real, level); }
int x_unlock(sqlite3_file* file, int level) {
    return real_methods(buffered(file)).xUnlock(buffered(file)->real, level);
}
int x_check_reserved_lock(sqlite3_file* file, int* out) {
    return real_methods(buffered(file)).xCheckReservedLock(buffered(file)->real, out);
}

int x_file_control(sqlite3_file* file, int op, void* arg) {
    auto* f = buffered(file);
    if (const int rc = flush(f); rc != SQLITE_OK) return rc;
    return real_methods(f).xFileControl(f->real, op, arg);
}

int x_sector_size(sqlite3_file* file) { return real_methods(buffered(file)).xSectorSize(buffered(file)->real); }
int x_device_characteristics(sqlite3_file* file) {
    return real_methods(buffered(file)).xDeviceCharacteristics(buffered(file)->real);
}

// The shared-memory wal-index and memory mapping belong to the database file: passed through.
int x_shm_map(sqlite3_file* file, int page, int size, int extend, void volatile** out) {
    return real_methods(buffered(file)).xShmMap(buffered(file)->real, page, size, extend, out);
}
int x_shm_lock(sqlite3_file* file, int offset, int n, int flags) {
    return real_methods(buffered(file)).xShmLock(buffered(file)->real, offset, n, flags);
}
void x_shm_barrier(sqlite3_file* file) { real_methods(buffered(file)).xShmBarrier(buffered(file)->real); }
int x_shm_unmap(sqlite3_file* file, int delete_flag) {
    return real_methods(buffered(file)).xShmUnmap(buffered(file)->real, delete_flag);
}
int x_fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
    auto* f = buffered(file);
    if (const int rc = flush(f); rc != SQLITE_OK) return rc;
    return real_methods(f).xFetch(f->real, offset, amount, out);
}
int x_unfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
    return real_methods(buffered(file)).xUnfetch(buffered(file)->real, offset, page);
}

const sqlite3_io_methods buffered_methods = {
    3,
    x_close,
    x_read,
    x_write,
    x_truncate,
    x_sync,
    x_file_size,
    x_lock,
    x_unlock,
    x_check_reserved_lock,
    x_file_control,
    x_sector_size,
    x_device_characteristics,
    x_shm_map,
    x_shm_lock,
    x_shm_barrier,
    x_shm_unmap,
    x_fetch,
    x_unfetch,
};

int x_open(sqlite3_vfs* /*vfs*/, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
    auto* f = buffered(file);
    file->pMethods = nullptr;
    f->real = reinterpret_cast<sqlite3_file*>(f + 1);
    f->real->pMethods = nullptr;
    f->gathers = (flags & SQLITE_OPEN_WAL) != 0;
    f->log_name = nullptr;
    f->buffer = nullptr;
    f->buffer_offset = 0;
    f->buffered = 0;
    sqlite3_vfs* real_vfs = sqlite3_vfs_find(nullptr);
    if (real_vfs == nullptr || real_vfs == &buffered_vfs || real_vfs->szOsFile > kRealFileBytes) return SQLITE_CANTOPEN;
    const int rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out_flags);
    if (rc != SQLITE_OK) {
        if (f->real->pMethods != nullptr) f->real->pMethods->xClose(f->real);
        return rc;
    }
    if (f->real->pMethods->iVersion < 3) {  // the default VFS on every platform Herald builds for
        f->real->pMethods->xClose(f->real);
        return SQLITE_CANTOPEN;
    }
    if ((flags & SQLITE_OPEN_MAIN_DB) != 0 && name != nullptr) {
        f->log_name = sqlite3_filename_wal(name);
        const int device = f->real->pMethods->xDeviceCharacteristics(f->real);
        remember_log(f->log_name, (device & SQLITE_IOCAP_POWERSAFE_OVERWRITE) != 0);
    }
    if (f->gathers) f->gathers = log_may_gather(name);
    file->pMethods = &buffered_methods;
    return SQLITE_OK;
}

}  // namespace

const char* buffered_wal_vfs() {
    static std::once_flag registered;
    std::call_once(registered, [] {
        buffered_vfs = *sqlite3_vfs_find(nullptr);  // the other methods are the default VFS's own
        buffered_vfs.pNext = nullptr;
        buffered_vfs.zName = "herald-buffered-wal";
        buffered_vfs.szOsFile = static_cast<int>(sizeof(BufferedFile)) + kRealFileBytes;
        buffered_vfs.xOpen = x_open;
        sqlite3_vfs_register(&buffered_vfs, 0);
    });
    return buffered_vfs.zName;
}

WalBufferCounts wal_buffer_counts() {
    return {file_writes.load(std::memory_order_relaxed), gathered_writes.load(std::memory_order_relaxed)};
}

}  // namespace herald::sqlite
