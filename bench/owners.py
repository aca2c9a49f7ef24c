#!/usr/bin/env python3
"""Who owns Herald's CPU: reads `perf script -F comm,ip,sym,dso` output (recorded with
`--call-graph dwarf`) on standard input and gives every sample to an owner: the library whose code
was running, or, for a sample in libc or the kernel, the first library up the stack that called
it (so libcurl's send() and malloc() are libcurl's, SQLite's fdatasync SQLite's; Asio and Beast
are compiled into Herald and count as Herald's). Prints each thread's shares, and microseconds per
event when given THREAD=US arguments (a thread's CPU per event, measured without the profiler).

    perf script -i perf.data -F comm,ip,sym,dso | bench/owners.py herald-dispatch=36 ...
"""
import collections
import re
import sys

LIBRARIES = [
    ("kernel", r"kernel\.kallsyms|\[kernel"),
    ("libcurl", r"libcurl"),
    ("SQLite", r"libsqlite"),
    ("Boost.JSON", r"boost_json"),
    ("Boost.URL", r"boost_url"),
    ("OpenSSL", r"libcrypto|libssl"),
    ("plugins", r"/plugins/"),
    ("spdlog", r"spdlog|libfmt"),
]
LOW_LEVEL = ("libc", "kernel")  # their samples belong to whoever called them


def library(dso):
    if re.search(r"libc\.so|libstdc\+\+|libm\.so|ld-linux|vdso", dso):
        return "libc"
    for name, pattern in LIBRARIES:
        if re.search(pattern, dso):
            return name
    base = dso.rsplit("/", 1)[-1]
    # The herald binary itself, with Asio, Beast and the header-only Boost code compiled in.
    return "Herald" if base == "herald" else base


def owner(stack):
    leaf = library(stack[0])
    if leaf not in LOW_LEVEL:
        return leaf
    for dso in stack[1:]:
        caller = library(dso)
        if caller not in LOW_LEVEL:
            return f"{caller} ({leaf})"
    return leaf


def main():
    per_thread = collections.defaultdict(collections.Counter)
    stack, comm = [], None
    for line in list(sys.stdin) + [""]:
        line = line.rstrip("\n")
        if not line.strip():
            if stack:
                per_thread[comm][owner(stack)] += 1
            stack = []
        elif not line[0].isspace():
            comm = line.split()[0]
        else:
            frame = re.match(r"\s+[0-9a-f]+\s+.*\((.*)\)$", line)
            if frame and frame.group(1) != "inlined":
                stack.append(frame.group(1))
    us_per_event = dict(arg.split("=", 1) for arg in sys.argv[1:])
    for thread, owners in sorted(per_thread.items(), key=lambda t: -sum(t[1].values())):
        total = sum(owners.values())
        if total < 50:
            continue
        us = float(us_per_event[thread]) if thread in us_per_event else None
        print(f"{thread}: {total} samples" + (f", {us:.0f} µs per event" if us else ""))
        for name, n in owners.most_common(8):
            print(f"  {name:22s} {n / total * 100:5.1f}%" + (f"  {us * n / total:5.1f} µs" if us else ""))


if __name__ == "__main__":
    main()
