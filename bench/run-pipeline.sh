#!/usr/bin/env bash
# Measures the delivery pipeline on this machine and prints figures (not a test):
#   durable acks/s at concurrency 1, 16, 64 with ack latency; accepted->delivered latency at a
#   steady 500 events/s; sustained delivery rate; RSS idle and with 100,000 pending jobs.
# Everything runs on 127.0.0.1: the release build of herald, fake-channels as the sink.
#   bench/run-pipeline.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/bench-config.sh
build=${1:-build}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

wait_file() { for _ in $(seq 1 200); do [ -s "$1" ] && return 0; sleep 0.05; done; echo "timeout waiting for $1" >&2; exit 1; }
rss_mb() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
open_jobs() { python3 - "$work/herald.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
print(db.execute("select count(*) from jobs where state in ('pending','retry')").fetchone()[0])
PY
}
wait_drained() { for _ in $(seq 1 1200); do [ "$(open_jobs)" = "0" ] && return 0; sleep 0.1; done; echo "queue did not drain" >&2; }

"$build/bin/fake-channels" --port 0 --port-file "$work/fake.port" 2>"$work/fake.log" & pids+=($!)
wait_file "$work/fake.port"; fake=$(cat "$work/fake.port")
write_bench_config "$work" "$build" "$fake"

start_herald() {
  rm -f "$work/herald.port"
  "$build/bin/herald" serve --config "$work/herald.yaml" --port-file "$work/herald.port" 2>>"$work/herald.log" & herald_pid=$!
  pids+=("$herald_pid")
  wait_file "$work/herald.port"; port=$(grep '^intake=' "$work/herald.port" | cut -d= -f2)
}
start_herald
sleep 1
echo "== machine: $(nproc) cores, $(uname -r)"
echo "== RSS idle: $(rss_mb "$herald_pid") MB"

echo "== durable acks (each event fsync'd before its 202; deliveries run at the same time)"
for c in 1 16 64; do
  "$build/bin/herald_loadgen" --port "$port" --secret bench-secret --concurrency "$c" --seconds 8 --prefix "c$c"
  wait_drained
done

echo "== sustained delivery (one webhook destination per event, 100 services)"
python3 - "$work/herald.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
rows = db.execute("select e.accepted_at_ms, j.finished_at_ms from jobs j join events e on e.seq=j.event_seq "
                  "where e.id like 'c64-%' and j.state='delivered'").fetchall()
first, last = min(r[0] for r in rows), max(r[1] for r in rows)
print(f"{len(rows)} deliveries from first acceptance to last delivery in {(last-first)/1000:.2f} s = {len(rows)/((last-first)/1000):.0f} deliveries/s")
PY

echo "== accepted -> delivered at a steady 500 events/s for 20 s"
"$build/bin/herald_loadgen" --port "$port" --secret bench-secret --concurrency 8 --rate 500 --seconds 20 --prefix steady
wait_drained
python3 - "$work/herald.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
d = sorted(r[0] for r in db.execute("select j.finished_at_ms - e.accepted_at_ms from jobs j join events e "
                                    "on e.seq=j.event_seq where e.id like 'steady-%' and j.state='delivered'"))
p = lambda q: d[min(len(d)-1, int(q/100*len(d)))]
print(f"{len(d)} deliveries: p50 {p(50)} ms, p90 {p(90)} ms, p99 {p(99)} ms, max {d[-1]} ms (millisecond clock)")
PY

echo "== RSS with 100,000 pending jobs (the sink answers 503, so every job waits to retry)"
curl -s -X POST "http://127.0.0.1:$fake/_fake/faults" -d '{"path_prefix":"/webhook/","mode":"status","status":503}' >/dev/null
"$build/bin/herald_loadgen" --port "$port" --secret bench-secret --concurrency 16 --count 100000 --prefix pending
sleep 2
echo "open jobs: $(open_jobs); RSS: $(rss_mb "$herald_pid") MB"
