// A PostgreSQL connection over libpq: statements with text parameters, results read by column,
// every failure a StoreError whose text never shows the connection's password.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.hpp"

namespace herald::pg {

// A parameter: a value as text, or SQL NULL.
using Param = std::optional<std::string>;

inline Param param(int64_t v) { return std::to_string(v); }
inline Param param(std::string_view v) { return std::string(v); }
inline Param null_param() { return std::nullopt; }

class Result {
 public:
    explicit Result(PGresult* result) : result_(result, &PQclear) {}
    int rows() const { return PQntuples(result_.get()); }
    bool is_null(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }
    std::string text(int row, int column) const {
        return std::string(PQgetvalue(result_.get(), row, column),
                           static_cast<size_t>(PQgetlength(result_.get(), row, column)));
    }
    int64_t int64(int row, int column) const;
    // Rows an INSERT, UPDATE or DELETE changed.
    int64_t affected() const;

 private:
    std::unique_ptr<PGresult, decltype(&PQclear)> result_;
};

class Connection {
 public:
    // Connects; throws StoreError naming the host and database, never the password.
    explicit Connection(const std::string& url);
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Runs SQL without parameters (several statements allowed).
    void exec(const std::string& sql);
    // Runs one statement with $1… parameters.
    Result query(const std::string& sql, const std::vector<Param>& params = {});
    // The same for a read outside a transaction: when the connection turns out to be lost (the
    // server restarted since the last statement), it reconnects and runs the statement once more.
    Result read(const std::string& sql, const std::vector<Param>& params = {});

    // After the server restarted or the network dropped, a connection is lost: the next
    // statement reconnects first (and throws StoreError while the server is unreachable).
    // generation() counts reconnections, so a caller can restore session state (locks).
    uint64_t generation() const { return generation_; }

    PGconn* handle() { return conn_.get(); }

 private:
    Result checked(PGresult* raw);
    void reconnect_if_lost();
    uint64_t generation_ = 0;

    std::string where_;  // host:port/database, for messages
    std::unique_ptr<PGconn, decltype(&PQfinish)> conn_;
};

// Runs `body` in a transaction: COMMIT when it returns, ROLLBACK when it throws (rethrown).
template <typename Body>
auto in_transaction(Connection& c, Body&& body) {
    c.exec("BEGIN");
    try {
        if constexpr (std::is_void_v<decltype(body())>) {
            body();
            c.exec("COMMIT");
        } else {
            auto out = body();
            c.exec("COMMIT");
            return out;
        }
    } catch (...) {
        try {
            c.exec("ROLLBACK");
        } catch (...) {
            // The original error is the one worth reporting.
        }
        throw;
    }
}

// "host:port/database" of a connection URL, for messages and logs (no user, no password).
std::string describe_url(const std::string& url);

}  // namespace herald::pg
