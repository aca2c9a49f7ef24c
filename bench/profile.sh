#!/usr/bin/env bash
# Where Herald's CPU goes per accepted-and-delivered event: runs Herald (release build) with the
# fake-channels sink, drives it with herald_loadgen at 16 connections, samples Herald with
# `perf record` meanwhile, and prints
#   - Herald's own CPU time per event (utime + stime from /proc, over the events accepted), and
#   - the share of samples per part (HTTP, JSON, SQLite, dispatch/transport, curl, logging,
#     metrics, allocation, kernel, other), classified by symbol and library name, and per thread
#     (herald-intake, herald-writer, herald-dispatch), and
#   - who owns each thread's CPU (bench/owners.py): libcurl, SQLite, the kernel for Herald's own
#     socket calls, Herald itself..., in µs per event.
# Figures, not a test; run it on a quiet machine.  CONNECTIONS=64 bench/profile.sh [build-dir] [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/bench-config.sh
build=${1:-build}
seconds=${2:-10}
connections=${CONNECTIONS:-16}
command -v perf >/dev/null || { echo "profile: needs perf (apt-get install linux-perf)" >&2; exit 1; }
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
fail_log() { echo "profile: herald did not start:" >&2; cat "$work/herald.log" >&2; exit 1; }
wait_file() { for _ in $(seq 1 200); do [ -s "$1" ] && return 0; sleep 0.05; done; echo "timeout waiting for $1" >&2; return 1; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# "name ticks" for each of a process's threads.
thread_ticks() { for t in /proc/"$1"/task/*; do echo "$(cat "$t/comm") $(awk '{print $14 + $15}' "$t/stat")"; done; }

"$build/bin/fake-channels" --port 0 --port-file "$work/fake.port" 2>"$work/fake.log" & pids+=($!)
wait_file "$work/fake.port"
write_bench_config "$work" "$build" "$(cat "$work/fake.port")"
"$build/bin/herald" serve --config "$work/herald.yaml" --port-file "$work/herald.port" 2>"$work/herald.log" &
herald=$!
pids+=($herald)
wait_file "$work/herald.port" || fail_log
port=$(grep '^intake=' "$work/herald.port" | cut -d= -f2)
sleep 1

ticks_per_s=$(getconf CLK_TCK)
delivered() {
  python3 - "$work/herald.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
print(db.execute("select count(*) from jobs where state = 'delivered'").fetchone()[0])
PY
}
drained() {
  for _ in $(seq 1 600); do
    [ "$(python3 -c "import sqlite3,sys; print(sqlite3.connect('file:$work/herald.db?mode=ro', uri=True).execute(\"select count(*) from jobs where state in ('pending','retry')\").fetchone()[0])")" = 0 ] && return 0
    sleep 0.1
  done
}

# 1. CPU per event, without the profiler's own overhead.
echo "== $seconds s at $connections connections"
before=$(cpu_ticks "$herald")
thread_ticks "$herald" > "$work/threads.before"
"$build/bin/herald_loadgen" --port "$port" --secret bench-secret --concurrency "$connections" --seconds "$seconds" \
  --prefix a
drained
after=$(cpu_ticks "$herald")
thread_ticks "$herald" > "$work/threads.after"
events=$(delivered)
python3 - "$before" "$after" "$ticks_per_s" "$events" <<'PY'
import sys
before, after, hz, events = map(int, sys.argv[1:])
cpu_s = (after - before) / hz
print(f"Herald CPU: {cpu_s:.2f} s for {events} accepted-and-delivered events = "
      f"{cpu_s / max(events, 1) * 1e6:.0f} µs per event")
PY
# Each thread's µs per event, as THREAD=US arguments for owners.py.
per_thread=$(python3 - "$work/threads.before" "$work/threads.after" "$ticks_per_s" "$events" <<'PY'
import collections, sys
def ticks(path):
    out = collections.Counter()
    for line in open(path):
        name, n = line.rsplit(" ", 1)
        out[name] += int(n)
    return out
before, after = ticks(sys.argv[1]), ticks(sys.argv[2])
hz, events = int(sys.argv[3]), max(int(sys.argv[4]), 1)
print(" ".join(f"{name}={(after[name] - before[name]) / hz / events * 1e6:.1f}" for name in after))
PY
)

# 2. The same load again, sampled.
echo "== the same under perf record"
# DWARF call graphs: the release build has no frame pointers, and owners.py walks the stacks.
perf record -F 299 --call-graph dwarf,16384 -p "$herald" -o "$work/perf.data" -- sleep "$((seconds + 2))" \
  2>"$work/perf.log" &
perf_pid=$!
"$build/bin/herald_loadgen" --port "$port" --secret bench-secret --concurrency "$connections" --seconds "$seconds" \
  --prefix b >/dev/null
wait "$perf_pid" || true

# Self time per symbol (no children), then grouped into parts.
perf report -i "$work/perf.data" --no-children --sort dso,symbol --stdio 2>/dev/null \
  | grep -E '^\s+[0-9.]+%' > "$work/symbols.txt" || true
python3 - "$work/symbols.txt" <<'PY'
import re, sys
parts = [
    ("SQLite (store, fsync)", r"sqlite3|libsqlite"),
    ("HTTP server (Beast/Asio)", r"beast|asio|http_server|HttpServer"),
    ("JSON (Boost.JSON)", r"boost::json|json::|libboost_json"),
    ("curl / TLS / transport", r"curl|libcurl|CurlTransport|ssl|libcrypto|nghttp"),
    ("dispatch", r"Dispatcher|dispatch"),
    ("plugins (render, classify)", r"\.so\b.*(slack|teams|pagerduty|webhook)|herald_plugin"),
    ("logging", r"spdlog|fmt::"),
    ("metrics", r"Metrics|metrics"),
    ("allocation", r"malloc|free|_int_|operator new|operator delete|cfree"),
    ("kernel", r"\[kernel|\[k\]"),
]
totals = {name: 0.0 for name, _ in parts}
other = 0.0
for line in open(sys.argv[1]):
    m = re.match(r"\s+([0-9.]+)%\s+(.*)", line)
    if not m:
        continue
    share, rest = float(m.group(1)), m.group(2)
    for name, pattern in parts:
        if re.search(pattern, rest):
            totals[name] += share
            break
    else:
        other += share
print("share of Herald's CPU samples, by part:")
for name, _ in parts:
    print(f"  {name:28s} {totals[name]:5.1f}%")
print(f"  {'other':28s} {other:5.1f}%")
PY
echo "share of Herald's CPU samples, by thread:"
perf report -i "$work/perf.data" --no-children --sort comm --stdio 2>/dev/null | grep -E '^\s+[0-9.]+%' | head -8
echo "top symbols (self time):"
head -15 "$work/symbols.txt" | sed -E 's/ {2,}/ /g; s/ - +- *$//' | cut -c1-120
echo "who owns each thread's CPU (the library running, or the one that called libc or the kernel):"
# shellcheck disable=SC2086  # one THREAD=US argument per thread
perf script -i "$work/perf.data" -F comm,ip,sym,dso 2>/dev/null | python3 bench/owners.py $per_thread
