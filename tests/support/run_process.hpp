// Runs a command line for CLI tests and captures its standard output and exit status.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace herald::test {

struct ProcessResult {
    int exit_status = -1;
    std::string output;  // stdout, plus stderr when the command line redirects it
};

inline ProcessResult run_process(const std::string& command_line) {
    ProcessResult result;
    FILE* pipe = popen(command_line.c_str(), "r");
    if (pipe == nullptr) return result;
    std::array<char, 4096> buffer{};
    size_t n = 0;
    while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
    const int status = pclose(pipe);
    result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

}  // namespace herald::test
