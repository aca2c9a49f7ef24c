#!/usr/bin/env bash
# Measures the delivery pipeline on this machine and prints figures (not a test), all in one run:
#   - the ceiling: an nginx `return 200` driven by the same load generator;
#   - durable acks/s at 1, 16 and 64 connections with ack latency, and Herald's own CPU time
#     (utime + stime from /proc) per accepted-and-delivered event;
#   - accepted->delivered latency at a steady 500 events/s;
#   - Herald's CPU per event when every destination takes 100 ms to answer (about 100 requests in
#     flight, as with real chat and paging services);
#   - RSS idle and with 100,000 pending deliveries.
# Load: wrk with one thread (bench/post-events.lua posts a distinct event per request, one webhook
# delivery each to the fake-channels sink); herald_loadgen for the paced and counted phases.
# Everything runs on 127.0.0.1 and shares the machine's cores.
#   bench/run-pipeline.sh [build-dir]      (packages: scripts/install-deps.sh --bench)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/bench-config.sh
build=${1:-build}
seconds=${SECONDS_PER_RUN:-8}
for tool in wrk python3; do
  command -v "$tool" >/dev/null || { echo "run-pipeline: needs $tool (scripts/install-deps.sh --bench)" >&2; exit 1; }
done
source bench/bench-run.sh
rss_mb() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
# wrk -t1 against URL with C connections; prints the script's "result:" line.
drive() { HERALD_BENCH_PREFIX=$3 wrk -t1 -c"$2" -d"${seconds}s" -s bench/post-events.lua "$1" | grep '^result:'; }
field() { sed -E "s/.*$1 ([0-9.]+).*/\\1/" <<<"$2"; }
summary=()

# 1. The ceiling: nginx answering 200 to the same requests.
if command -v nginx >/dev/null; then
  mkdir -p "$work/nginx"
  # nginx cannot listen on port 0: take a free port from the kernel first.
  nginx_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  cat > "$work/nginx/nginx.conf" <<CONF
worker_processes auto;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:$nginx_port; location / { return 200; } }
}
CONF
  nginx -c "$work/nginx/nginx.conf" 2>"$work/nginx/stderr" & nginx_pid=$!
  pids+=("$nginx_pid")
  sleep 0.5
  echo "== ceiling: nginx return 200, wrk -t1"
  for c in 16 64; do
    line=$(drive "http://127.0.0.1:$nginx_port" "$c" nginx)
    echo "nginx, $c connections: ${line#result: }"
    eval "ceiling_$c=$(field '=' "${line/\/s/ }")"
  done
  kill "$nginx_pid" 2>/dev/null || true
else
  echo "== ceiling: skipped (nginx is not installed: scripts/install-deps.sh --bench)"
fi

# 2. Herald.
"$build/bin/fake-channels" --port 0 --port-file "$work/fake.port" 2>"$work/fake.log" & pids+=($!)
wait_file "$work/fake.port"; fake=$(cat "$work/fake.port")
write_bench_config "$work" "$build" "$fake"
"$build/bin/herald" serve --config "$work/herald.yaml" --port-file "$work/herald.port" 2>>"$work/herald.log" &
herald_pid=$!
pids+=("$herald_pid")
wait_file "$work/herald.port"; port=$(grep '^intake=' "$work/herald.port" | cut -d= -f2)
sleep 1
echo "== machine: $(nproc) cores, $(uname -r)"
echo "== RSS idle: $(rss_mb "$herald_pid") MB"
summary+=("RSS idle: $(rss_mb "$herald_pid") MB")

echo "== durable acks, wrk -t1 (each event fsync'd before its 202; deliveries run at the same time)"
for c in 1 16 64; do
  before=$(cpu_ticks "$herald_pid")
  line=$(drive "http://127.0.0.1:$port" "$c" "c$c")
  wait_drained
  after=$(cpu_ticks "$herald_pid")
  n=$(sed -E 's/result: ([0-9]+) requests.*/\1/' <<<"$line")
  delivered=$(sql "select count(*) from jobs j join events e on e.seq = j.event_seq where e.id like 'c$c-%' and j.state = 'delivered'")
  cpu_us=$(python3 -c "print(round(($after - $before) / $(getconf CLK_TCK) / max($delivered, 1) * 1e6))")
  echo "herald, $c connections: ${line#result: } $delivered delivered; Herald CPU $cpu_us µs per event"
  rate=$(field '=' "${line/\/s/ }")
  ceiling_var="ceiling_$c"
  ratio=""
  [ -n "${!ceiling_var:-}" ] && ratio=$(python3 -c "print(f' ({$rate / ${!ceiling_var}:.2f} of nginx)')")
  summary+=("$c connections: $rate acks/s$ratio, p50 $(field p50 "$line") ms, p99 $(field p99 "$line") ms, $cpu_us µs CPU per event")
done

echo "== sustained delivery (one webhook destination per event, 100 services), from the 64-connection run"
sustained=$(python3 - "$work/herald.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
rows = db.execute("select e.accepted_at_ms, j.finished_at_ms from jobs j join events e on e.seq=j.event_seq "
                  "where e.id like 'c64-%' and j.state='delivered'").fetchall()
first, last = min(r[0] for r in rows), max(r[1] for r in rows)
print(f"{len(rows)} deliveries from first acceptance to last delivery in {(last-first)/1000:.2f} s = "
      f"{len(rows)/((last-first)/1000):.0f} deliveries/s")
PY
)
echo "$sustained"
summary+=("sustained delivery: $sustained")

echo "== accepted -> delivered at a steady 500 events/s for 20 s"
"$build/bin/herald_loadgen" --port "$port" --secret bench-secret --concurrency 8 --rate 500 --seconds 20 --prefix steady
wait_drained
steady=$(python3 - "$work/herald.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
d = sorted(r[0] for r in db.execute("select j.finished_at_ms - e.accepted_at_ms from jobs j join events e "
                                    "on e.seq=j.event_seq where e.id like 'steady-%' and j.state='delivered'"))
p = lambda q: d[min(len(d)-1, int(q/100*len(d)))]
print(f"{len(d)} deliveries: p50 {p(50)} ms, p90 {p(90)} ms, p99 {p(99)} ms, max {d[-1]} ms (millisecond clock)")
PY
)
echo "$steady"
summary+=("accepted->delivered at 500/s: $steady")

echo "== slow destinations: the sink answers after 100 ms; 1,000 events/s for 5 s over 1,000 services"
curl -s -X POST "http://127.0.0.1:$fake/_fake/faults" -d '{"path_prefix":"/webhook/","mode":"slow","delay_ms":100}' >/dev/null
before=$(cpu_ticks "$herald_pid")
"$build/bin/herald_loadgen" --port "$port" --secret bench-secret --concurrency 8 --rate 1000 --seconds 5 --services 1000 --prefix slow
wait_drained
after=$(cpu_ticks "$herald_pid")
curl -s -X DELETE "http://127.0.0.1:$fake/_fake/faults" >/dev/null
slow=$(python3 - "$work/herald.db" "$((after - before))" "$(getconf CLK_TCK)" <<'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
d = sorted(r[0] for r in db.execute("select j.finished_at_ms - e.accepted_at_ms from jobs j join events e "
                                    "on e.seq=j.event_seq where e.id like 'slow-%' and j.state='delivered'"))
p = lambda q: d[min(len(d)-1, int(q/100*len(d)))]
cpu_us = int(sys.argv[2]) / int(sys.argv[3]) / max(len(d), 1) * 1e6
print(f"{len(d)} delivered; Herald CPU {cpu_us:.0f} µs per event; accepted->delivered p50 {p(50)} ms, p99 {p(99)} ms")
PY
)
echo "$slow"
summary+=("slow destinations (100 ms answers, 1,000/s): $slow")

echo "== RSS with 100,000 pending jobs (the sink answers 503, so every job waits to retry)"
curl -s -X POST "http://127.0.0.1:$fake/_fake/faults" -d '{"path_prefix":"/webhook/","mode":"status","status":503}' >/dev/null
"$build/bin/herald_loadgen" --port "$port" --secret bench-secret --concurrency 16 --count 100000 --prefix pending
sleep 2
pending="open jobs: $(open_jobs); RSS: $(rss_mb "$herald_pid") MB"
echo "$pending"
summary+=("100,000 pending: $pending")

echo "== summary"
printf '%s\n' "${summary[@]}"
