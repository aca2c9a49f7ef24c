// This process's CPU time (user + system, every thread), for the benchmarks' per-event figures.
#pragma once

#include <sys/resource.h>

namespace herald::bench {

inline double process_cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace herald::bench
