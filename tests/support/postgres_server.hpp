// A throwaway PostgreSQL 15 server for tests: initdb and pg_ctl in a temporary directory,
// listening on 127.0.0.1 only, on a free port. PostgreSQL refuses to run as root, so under root
// the server runs as the `postgres` user that Debian's postgresql-15 package creates. The
// destructor stops the server it started (pg_ctl, then its postmaster's pid) and removes the
// directory.
#pragma once

#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "support/free_port.hpp"
#include "support/run_process.hpp"
#include "support/temp_dir.hpp"

namespace herald::test {

class PostgresServer {
 public:
    static constexpr const char* kBin = "/usr/lib/postgresql/15/bin";

    static bool available() { return std::filesystem::exists(std::string(kBin) + "/pg_ctl"); }

    PostgresServer() : port_(free_port()) {
        if (!available()) throw std::runtime_error("PostgreSQL 15 is not installed (scripts/install-deps.sh)");
        data_ = dir_.path() / "data";
        if (geteuid() == 0) {
            const passwd* pw = getpwnam("postgres");
            if (pw == nullptr) throw std::runtime_error("running as root needs the postgres user to start PostgreSQL");
            as_user_ = "runuser -u postgres -- ";
            std::filesystem::permissions(dir_.path(), std::filesystem::perms::owner_all);
            if (chown(dir_.path().c_str(), pw->pw_uid, pw->pw_gid) != 0) {
                throw std::runtime_error("cannot hand the test directory to the postgres user");
            }
        }
        run(std::string(kBin) + "/initdb -D " + data_.string() + " -A trust -U herald -E UTF8 --no-sync");
        start();
    }

    ~PostgresServer() {
        stop();
        // The directory belongs to postgres under root; TempDir removes it either way.
    }

    PostgresServer(const PostgresServer&) = delete;
    PostgresServer& operator=(const PostgresServer&) = delete;

    // Starts the server (again, after stop()).
    void start() {
        run(std::string(kBin) + "/pg_ctl -D " + data_.string() + " -l " + (dir_.path() / "server.log").string() +
            " -w -t 30 -o \"-p " + std::to_string(port_) + " -k " + dir_.path().string() +
            " -c listen_addresses=127.0.0.1 -c max_connections=200\" start");
        running_ = true;
    }

    // Stops it: fast shutdown, or immediate (like a crash) when `immediately`.
    void stop(bool immediately = false) {
        if (!running_) return;
        const pid_t pid = postmaster_pid();
        const auto result = run_process(as_user_ + kBin + "/pg_ctl -D " + data_.string() + " -m " +
                                        (immediately ? "immediate" : "fast") + " -w -t 30 stop 2>&1");
        if (result.exit_status != 0 && pid > 0) kill(pid, SIGKILL);
        running_ = false;
    }

    // A new, empty database on this server, and the URL to reach it.
    std::string new_database() {
        const std::string name = "herald_test_" + std::to_string(++databases_);
        run(std::string(kBin) + "/psql -h 127.0.0.1 -p " + std::to_string(port_) +
            " -U herald -d postgres -q -c 'CREATE DATABASE " + name + "'");
        return url(name);
    }

    std::string url(const std::string& database = "postgres") const {
        return "postgresql://herald@127.0.0.1:" + std::to_string(port_) + "/" + database + "?connect_timeout=5";
    }
    int port() const { return port_; }
    std::string log() const {
        std::ifstream in(dir_.path() / "server.log");
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }

 private:
    void run(const std::string& command) const {
        const auto result = run_process(as_user_ + command + " 2>&1");
        if (result.exit_status != 0) throw std::runtime_error(command + " failed: " + result.output);
    }

    pid_t postmaster_pid() const {
        std::ifstream in(data_ / "postmaster.pid");
        long pid = 0;
        in >> pid;
        return static_cast<pid_t>(pid);
    }

    TempDir dir_;
    std::filesystem::path data_;
    int port_;
    std::string as_user_;
    bool running_ = false;
    int databases_ = 0;
};

}  // namespace herald::test
