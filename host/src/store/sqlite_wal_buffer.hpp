// An SQLite VFS that gathers a transaction's write-ahead-log frames in memory and writes them
// with one call when the commit syncs, instead of two small writes per page (a frame's header,
// then its page). On the writer's hot path that is ~20 system calls per commit saved.
//
// Durability is unchanged: the frames reach the file before the commit's sync, and the sync is
// before the commit becomes visible. That ordering holds only with `PRAGMA synchronous = FULL`
// (a sync at every commit), which is how the SQLite store opens its writer; a connection at a
// lower level must not use this VFS.
#pragma once

#include <cstdint>

namespace herald::sqlite {

// Registers the VFS on first use (thread-safe) and returns its name for sqlite3_open_v2.
const char* buffered_wal_vfs();

// Writes that reached the WAL file, and frame writes gathered into them, since the process
// started: how the tests see that the gathering happens.
struct WalBufferCounts {
    uint64_t file_writes = 0;
    uint64_t gathered_writes = 0;
};
WalBufferCounts wal_buffer_counts();

}  // namespace herald::sqlite
