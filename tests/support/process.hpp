// Starts a program for a test and stops it by process id (SIGTERM, then SIGKILL).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace herald::test {

class Process {
 public:
    Process() = default;
    Process(const std::vector<std::string>& argv, const std::string& log_file) { start(argv, log_file); }
    ~Process() { stop(); }
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    void start(const std::vector<std::string>& argv, const std::string& log_file) {
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 1, log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        posix_spawn_file_actions_adddup2(&actions, 1, 2);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        const int rc = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
    }

    pid_t pid() const { return pid_; }
    bool running() {
        if (pid_ <= 0) return false;
        int status = 0;
        const pid_t r = waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            pid_ = -1;
            return false;
        }
        return true;
    }

    // SIGTERM, wait up to `grace`, then SIGKILL. Returns the exit status.
    int stop(std::chrono::milliseconds grace = std::chrono::milliseconds(15000)) {
        if (pid_ <= 0) return exit_status_;
        kill(pid_, SIGTERM);
        return wait_for_exit(grace);
    }

    void kill_hard() {
        if (pid_ <= 0) return;
        kill(pid_, SIGKILL);
        wait_for_exit(std::chrono::milliseconds(5000));
    }

    int wait_for_exit(std::chrono::milliseconds limit) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (running()) {
            if (std::chrono::steady_clock::now() > deadline) {
                kill(pid_, SIGKILL);
                int status = 0;
                waitpid(pid_, &status, 0);
                pid_ = -1;
                exit_status_ = -1;
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return exit_status_;
    }

 private:
    pid_t pid_ = -1;
    int exit_status_ = -1;
};

// Polls `done` every 20 ms until it is true or `limit` passes. Returns whether it became true.
template <typename Predicate>
bool wait_until(Predicate done, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return done();
}

}  // namespace herald::test
