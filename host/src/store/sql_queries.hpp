// What the admin API's read-only queries need from a database, so one AdminReader serves both
// stores: run a statement with $1… parameters and read its rows by column. SQLite binds $N by
// the order of first appearance, so the same text works on both when parameters first appear in
// numeric order.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "store/store.hpp"

namespace herald {

using SqlParam = std::variant<std::monostate, int64_t, std::string>;

class SqlRows {
 public:
    virtual ~SqlRows() = default;
    virtual bool next() = 0;  // moves to the next row; false after the last
    virtual int64_t int64(int column) const = 0;
    virtual std::string text(int column) const = 0;
};

class SqlQueries {
 public:
    virtual ~SqlQueries() = default;
    // Throws StoreError.
    virtual std::unique_ptr<SqlRows> query(const std::string& sql, const std::vector<SqlParam>& params = {}) = 0;
};

// The admin API's queries over either store.
std::unique_ptr<AdminReader> make_sql_admin_reader(std::unique_ptr<SqlQueries> db);

}  // namespace herald
