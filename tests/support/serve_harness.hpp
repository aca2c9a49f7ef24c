// Runs the real `herald serve` and the fake channels as processes, with a real config written
// into a temporary directory, for integration and end-to-end tests. Only 127.0.0.1 is used.
#pragma once

#include <sqlite3.h>

#include <boost/json.hpp>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <sstream>

#include "common/sha256.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace herald::test {

namespace json = boost::json;

inline const std::string kSourceSecret = "test-source-secret";

struct JobRow {
    int64_t id = 0;
    std::string event_id, team, channel, state, dead_reason, last_error;
    int64_t attempts = 0;
    int64_t accepted_at_ms = 0, updated_at_ms = 0;
};

inline std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline std::string failed_event(const std::string& id, const std::string& service,
                                const std::string& env = "production", const std::string& extra = "") {
    return R"({"id":")" + id + R"(","service":")" + service + R"(","environment":")" + env +
           R"(","status":"failed","commit":{"sha":"abc123"},"triggered_by":"ci","pipeline":{"url":"https://ci.example.com/r/1"})" +
           extra + "}";
}

inline std::string succeeded_event(const std::string& id, const std::string& service,
                                   const std::string& env = "production") {
    return R"({"id":")" + id + R"(","service":")" + service + R"(","environment":")" + env +
           R"(","status":"succeeded","version":"1.0.1"})";
}

class ServeHarness {
 public:
    ServeHarness() {
        const auto port_file = dir_.path() / "fake.port";
        fake_.start({HERALD_FAKE_CHANNELS, "--port", "0", "--port-file", port_file.string()},
                    (dir_.path() / "fake.log").string());
        if (!wait_until([&] { return std::filesystem::exists(port_file); }, std::chrono::seconds(10))) {
            throw std::runtime_error("fake-channels did not start");
        }
        fake_base_ = "http://127.0.0.1:" + trim(read_text(port_file));
    }

    ~ServeHarness() {
        for (auto& r : replicas_) {
            if (r) r->process.stop();
        }
        herald_.stop();
        fake_.stop();
    }

    const std::filesystem::path& dir() const { return dir_.path(); }
    std::string fake_url(const std::string& path) const { return fake_base_ + path; }

    // A secret file holding `value`, as a ${file:...} reference for the config.
    std::string secret(const std::string& name, const std::string& value) {
        const auto file = dir_.write("secrets/" + name, value);
        return "${file:" + file.string() + "}";
    }

    void team(const std::string& name, const std::string& yaml) { dir_.write("routing/" + name + ".yaml", yaml); }

    void write_host_config(const std::string& extra = "") {
        dir_.write(
            "herald.yaml",
            "version: 1\nlisteners:\n  intake:\n    address: 127.0.0.1\n    port: " + std::to_string(intake_port_) +
                "\n"
                "  admin:\n    address: 127.0.0.1\n    port: 0\n" +
                admin_token_line_ +
                (storage_block_.empty() ? "storage:\n  path: " + storage_path().string() : storage_block_) +
                "\nsources:\n  - name: ci\n    auth: hmac\n" + source_extra_ + "    secrets:\n      - " +
                secret("source", kSourceSecret) +
                "\n  - name: bot\n    auth: bearer\n"
                "    secrets:\n      - " +
                secret("bearer", "test-bearer-token") + "\n" + extra_sources_ +
                "plugins:\n  directory: " + HERALD_PLUGIN_DIR +
                "\nrouting:\n  directory: routing\n  fallback:\n    name: unrouted\n"
                "    type: webhook\n    settings:\n      url: " +
                secret("fallback", fake_url("/webhook/fallback")) +
                "\ntenants:\n  secrets_directory: " + (dir_.path() / "secrets").string() +
                "\ndestinations:\n  allow_http: true\n  hosts:\n    \"*\": [127.0.0.1]\n" + extra);
    }

    void start_herald() {
        const auto urls = launch(herald_, "herald");
        std::lock_guard lock(urls_mutex_);  // a client thread may be posting while Herald restarts
        intake_ = urls.first;
        admin_ = urls.second;
    }

    // Replicas: more `herald serve` processes on the same configuration (PostgreSQL storage),
    // each on ports of its own. start_replica(i) starts replica i (again, after a kill).
    void start_replica(size_t i) {
        if (replicas_.size() <= i) replicas_.resize(i + 1);
        if (!replicas_[i]) replicas_[i] = std::make_unique<Replica>();
        const auto urls = launch(replicas_[i]->process, "replica-" + std::to_string(i));
        std::lock_guard lock(urls_mutex_);
        replicas_[i]->intake = urls.first;
        replicas_[i]->admin = urls.second;
    }
    Process& replica(size_t i) { return replicas_.at(i)->process; }
    std::string replica_intake_url(size_t i, const std::string& path) const {
        std::lock_guard lock(urls_mutex_);
        return replicas_.at(i)->intake + path;
    }
    std::string replica_admin_url(size_t i, const std::string& path) const {
        std::lock_guard lock(urls_mutex_);
        return replicas_.at(i)->admin + path;
    }
    HttpResult post_to(size_t i, const std::string& body) {
        std::string url;
        {
            std::lock_guard lock(urls_mutex_);
            url = replicas_.at(i)->intake + "/v1/events";
        }
        return http_request("POST", url, body,
                            {"Content-Type: application/json",
                             "X-Herald-Signature-256: sha256=" + hmac_sha256_hex(kSourceSecret, body)});
    }
    std::string replica_log(size_t i) const {
        return read_text(dir_.path() / ("replica-" + std::to_string(i) + ".log"));
    }

    // More sources, as YAML list items indented by two spaces (set before write_host_config).
    void add_sources(const std::string& items) { extra_sources_ += items; }
    // The SQLite file somewhere else than the temporary directory (set before write_host_config).
    void set_storage_path(std::filesystem::path path) { storage_path_ = std::move(path); }
    // A whole storage block instead of the SQLite file (e.g. kind: postgres), without its last newline.
    void set_storage_block(std::string yaml) { storage_block_ = std::move(yaml); }
    std::filesystem::path storage_path() const {
        return storage_path_.empty() ? dir_.path() / "herald.db" : storage_path_;
    }

    // A fixed intake port instead of an ephemeral one (set before write_host_config).
    void set_intake_port(int port) { intake_port_ = port; }

    // Extra lines for the `ci` source, indented by four spaces (set before write_host_config).
    void set_source_extra(const std::string& lines) { source_extra_ = lines; }

    // Requires the admin token on the admin listener (set before write_host_config).
    void set_admin_token(const std::string& token) {
        admin_token_line_ = "    token: " + secret("admin-token", token) + "\n";
    }
    std::string admin_url(const std::string& path) const {
        std::lock_guard lock(urls_mutex_);
        return admin_ + path;
    }

    Process& herald() { return herald_; }
    void extra_args(std::vector<std::string> args) { extra_args_ = std::move(args); }
    // Runs Herald through a command that execs it (e.g. prlimit), keeping its process id.
    void command_prefix(std::vector<std::string> prefix) { command_prefix_ = std::move(prefix); }
    std::string intake_url(const std::string& path) const {
        std::lock_guard lock(urls_mutex_);
        return intake_ + path;
    }
    std::string herald_log() const { return read_text(dir_.path() / "herald.log"); }

    HttpResult post(const std::string& body, std::vector<std::string> headers = {}, bool sign = true) {
        headers.push_back("Content-Type: application/json");
        if (sign) headers.push_back("X-Herald-Signature-256: sha256=" + hmac_sha256_hex(kSourceSecret, body));
        return http_request("POST", intake_url("/v1/events"), body, headers);
    }

    json::array fake_requests(const std::string& channel = "") {
        const auto r =
            http_request("GET", fake_url("/_fake/requests" + (channel.empty() ? "" : "?channel=" + channel)));
        return json::parse(r.body).at("requests").as_array();
    }
    // How often the fake webhook sink received each event id.
    std::map<std::string, int> webhook_deliveries_by_event() {
        std::map<std::string, int> seen;
        for (const auto& r : fake_requests("webhook")) {
            const auto body = json::parse(r.at("body").as_string());
            seen[std::string(body.at("event").at("id").as_string())] += 1;
        }
        return seen;
    }

    json::object fake_stats() { return json::parse(http_request("GET", fake_url("/_fake/stats")).body).as_object(); }
    void fault(const std::string& fault_json) { http_request("POST", fake_url("/_fake/faults"), fault_json); }
    void clear_faults() { http_request("DELETE", fake_url("/_fake/faults")); }

    std::vector<JobRow> jobs() {
        std::vector<JobRow> rows;
        sqlite3* db = nullptr;
        if (sqlite3_open_v2(storage_path().c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
            sqlite3_close(db);
            return rows;
        }
        sqlite3_busy_timeout(db, 2000);
        sqlite3_stmt* stmt = nullptr;
        sqlite3_prepare_v2(
            db,
            "SELECT j.id, e.id, j.team, j.channel, j.state, j.dead_reason, j.last_error, j.attempts, "
            "e.accepted_at_ms, j.updated_at_ms FROM jobs j JOIN events e ON e.seq = j.event_seq ORDER BY j.id",
            -1, &stmt, nullptr);
        auto text = [&](int c) {
            const auto* t = sqlite3_column_text(stmt, c);
            return t == nullptr ? std::string{} : std::string(reinterpret_cast<const char*>(t));
        };
        while (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW) {
            rows.push_back({sqlite3_column_int64(stmt, 0), text(1), text(2), text(3), text(4), text(5), text(6),
                            sqlite3_column_int64(stmt, 7), sqlite3_column_int64(stmt, 8),
                            sqlite3_column_int64(stmt, 9)});
        }
        sqlite3_finalize(stmt);
        sqlite3_close(db);
        return rows;
    }

    // Waits until every job has left pending/retry (bounded). Returns whether it happened.
    bool wait_for_jobs_done(size_t expected_jobs, std::chrono::milliseconds limit) {
        return wait_until(
            [&] {
                const auto rows = jobs();
                if (rows.size() < expected_jobs) return false;
                for (const auto& r : rows) {
                    if (r.state == "pending" || r.state == "retry") return false;
                }
                return true;
            },
            limit);
    }

 private:
    struct Replica {
        Process process;
        std::string intake, admin;
    };

    // Starts `herald serve` as `name` (its log is <name>.log); its intake and admin URLs.
    std::pair<std::string, std::string> launch(Process& process, const std::string& name) {
        const auto port_file = dir_.path() / (name + ".port");
        std::filesystem::remove(port_file);
        std::vector<std::string> argv = {
            HERALD_BINARY,      "serve",      "--config", (dir_.path() / "herald.yaml").string(), "--port-file",
            port_file.string(), "--grace-ms", "3000"};
        argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
        argv.insert(argv.begin(), command_prefix_.begin(), command_prefix_.end());
        process.start(argv, (dir_.path() / (name + ".log")).string());
        if (!wait_until([&] { return std::filesystem::exists(port_file) || !process.running(); },
                        std::chrono::seconds(15)) ||
            !std::filesystem::exists(port_file)) {
            throw std::runtime_error("herald serve did not start:\n" + read_text(dir_.path() / (name + ".log")));
        }
        std::pair<std::string, std::string> urls;
        std::istringstream lines(read_text(port_file));
        for (std::string line; std::getline(lines, line);) {
            const auto eq = line.find('=');
            if (eq == std::string::npos) continue;
            const std::string url = "http://127.0.0.1:" + trim(line.substr(eq + 1));
            if (line.substr(0, eq) == "intake") urls.first = url;
            if (line.substr(0, eq) == "admin") urls.second = url;
        }
        return urls;
    }

    static std::string trim(std::string s) {
        while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
        return s;
    }

    TempDir dir_;
    Process fake_;
    Process herald_;
    std::vector<std::unique_ptr<Replica>> replicas_;
    std::string fake_base_;
    std::string intake_;
    std::string admin_;
    std::string admin_token_line_;
    std::string source_extra_;
    std::string extra_sources_;
    int intake_port_ = 0;
    std::filesystem::path storage_path_;
    std::string storage_block_;
    mutable std::mutex urls_mutex_;
    std::vector<std::string> extra_args_;
    std::vector<std::string> command_prefix_;
};

}  // namespace herald::test
