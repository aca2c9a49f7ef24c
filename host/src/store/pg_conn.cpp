#include "store/pg_conn.hpp"

#include <charconv>

namespace herald::pg {

int64_t Result::int64(int row, int column) const {
    if (is_null(row, column)) return 0;
    const char* text = PQgetvalue(result_.get(), row, column);
    int64_t v = 0;
    std::from_chars(text, text + PQgetlength(result_.get(), row, column), v);
    return v;
}

int64_t Result::affected() const {
    const char* text = PQcmdTuples(result_.get());
    int64_t v = 0;
    std::from_chars(text, text + std::char_traits<char>::length(text), v);
    return v;
}

std::string describe_url(const std::string& url) {
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
    if (options == nullptr) {
        if (error != nullptr) PQfreemem(error);
        return "(an unparsable PostgreSQL URL)";
    }
    std::string host = "localhost", port = "5432", db;
    for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
        if (o->val == nullptr) continue;
        const std::string_view key = o->keyword;
        if (key == "host" || key == "hostaddr") host = o->val;
        if (key == "port") port = o->val;
        if (key == "dbname") db = o->val;
    }
    PQconninfoFree(options);
    return host + ":" + port + "/" + db;
}

}  // namespace herald::pg

std::string herald::describe_postgres_url(const std::string& url) { return pg::describe_url(url); }

namespace herald::pg {
namespace {

// libpq's messages end with a newline and may span lines; one line reads better in a log.
std::string one_line(const char* message) {
    std::string out = message != nullptr ? message : "";
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    for (char& c : out) {
        if (c == '\n') c = ' ';
    }
    return out;
}

}  // namespace

Connection::Connection(const std::string& url) : where_(describe_url(url)), conn_(PQconnectdb(url.c_str()), &PQfinish) {
    if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK) {
        throw StoreError("PostgreSQL at " + where_ + ": " +
                         (conn_ ? one_line(PQerrorMessage(conn_.get())) : std::string("out of memory")));
    }
    // Quiet notices (e.g. "relation already exists, skipping") instead of writing them to stderr.
    PQsetNoticeProcessor(
        conn_.get(), [](void*, const char*) {}, nullptr);
}

Result Connection::checked(PGresult* raw) {
    Result r(raw);
    const ExecStatusType status = raw != nullptr ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return r;
    const std::string message =
        raw != nullptr ? one_line(PQresultErrorMessage(raw)) : one_line(PQerrorMessage(conn_.get()));
    const char* state = raw != nullptr ? PQresultErrorField(raw, PG_DIAG_SQLSTATE) : nullptr;
    throw StoreError("PostgreSQL at " + where_ + ": " + (message.empty() ? std::string("no answer") : message) +
                     (state != nullptr ? " (SQLSTATE " + std::string(state) + ")" : ""));
}

void Connection::reconnect_if_lost() {
    if (PQstatus(conn_.get()) == CONNECTION_OK) return;
    PQreset(conn_.get());
    if (PQstatus(conn_.get()) != CONNECTION_OK) {
        throw StoreError("PostgreSQL at " + where_ + " is unreachable: " + one_line(PQerrorMessage(conn_.get())));
    }
    ++generation_;
}

void Connection::exec(const std::string& sql) {
    reconnect_if_lost();
    checked(PQexec(conn_.get(), sql.c_str()));
}

Result Connection::query(const std::string& sql, const std::vector<Param>& params) {
    reconnect_if_lost();
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
    return checked(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                                nullptr, nullptr, 0));
}

Result Connection::read(const std::string& sql, const std::vector<Param>& params) {
    try {
        return query(sql, params);
    } catch (const StoreError&) {
        if (PQstatus(conn_.get()) == CONNECTION_OK) throw;
        return query(sql, params);  // reconnects first
    }
}

}  // namespace herald::pg
