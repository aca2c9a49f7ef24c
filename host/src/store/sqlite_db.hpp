// Thin RAII over the SQLite C API: a connection and prepared statements with typed binding.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "store/store.hpp"

namespace herald::sqlite {

class Db {
 public:
    // `vfs` names a registered SQLite VFS; null is the default one.
    Db(const std::string& path, int flags, const char* vfs = nullptr);
    ~Db();
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;

    void exec(const char* sql);
    sqlite3* handle() const { return db_; }
    [[noreturn]] void fail(const std::string& what) const;

 private:
    sqlite3* db_ = nullptr;
};

class Stmt {
 public:
    Stmt(Db& db, const char* sql);
    ~Stmt();
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;

    // Binding is 1-based, as in SQLite.
    Stmt& bind(int index, int64_t value);
    Stmt& bind(int index, std::string_view value);  // copied: the value may go away at once
    // Read in place, without a copy: `value` must stay alive and unchanged until the statement is
    // reset (run() resets it). For the writer's hot statements, whose values outlive the call.
    Stmt& bind_in_place(int index, std::string_view value);
    Stmt& bind_null(int index);

    bool step();  // true while a row is available; throws StoreError on failure
    void run();   // steps to completion
    void reset();

    int64_t int64(int column) const { return sqlite3_column_int64(stmt_, column); }
    std::string text(int column) const;
    bool is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

 private:
    Db& db_;
    sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace herald::sqlite
