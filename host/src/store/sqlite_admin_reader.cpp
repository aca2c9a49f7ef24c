// The admin API's queries on a read-only SQLite connection of their own.
#include <memory>

#include "store/sql_queries.hpp"
#include "store/sqlite_db.hpp"

namespace herald {
namespace {

using sqlite::Db;
using sqlite::Stmt;

class SqliteRows final : public SqlRows {
 public:
    SqliteRows(Db& db, const std::string& sql) : stmt_(db, sql.c_str()) {}
    bool next() override { return stmt_.step(); }
    int64_t int64(int column) const override { return stmt_.int64(column); }
    std::string text(int column) const override { return stmt_.text(column); }
    Stmt& stmt() { return stmt_; }

 private:
    Stmt stmt_;
};

class SqliteQueries final : public SqlQueries {
 public:
    explicit SqliteQueries(const std::string& path) : db_(path, SQLITE_OPEN_READONLY) {}

    std::unique_ptr<SqlRows> query(const std::string& sql, const std::vector<SqlParam>& params) override {
        auto rows = std::make_unique<SqliteRows>(db_, sql);
        int index = 1;
        for (const auto& p : params) {
            if (const auto* i = std::get_if<int64_t>(&p)) {
                rows->stmt().bind(index, *i);
            } else if (const auto* s = std::get_if<std::string>(&p)) {
                rows->stmt().bind(index, *s);
            } else {
                rows->stmt().bind_null(index);
            }
            ++index;
        }
        return rows;
    }

 private:
    Db db_;
};

}  // namespace

std::unique_ptr<AdminReader> open_sqlite_admin_reader(const std::string& path) {
    return make_sql_admin_reader(std::make_unique<SqliteQueries>(path));
}

}  // namespace herald
