#!/usr/bin/env bash
# Herald on SQLite, on PostgreSQL with one replica and with two, side by side in one run on this
# machine (figures, not a test): durable acks/s at 16 connections with ack latency, and
# accepted->delivered p50/p99 at a steady 200 events/s. The two replicas share the load
# (8 connections and 100 events/s each) and one database; every delivery goes to one local
# webhook sink. PostgreSQL 15 runs from a temporary directory, as the postgres user under root.
#   bench/replicas.sh [build-dir]        (ROUNDS=3 repeats the table, for medians)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/bench-config.sh
build=${1:-build}
pg_bin=/usr/lib/postgresql/15/bin
work=$(mktemp -d)
chmod 755 "$work"
pids=()
as_pg=()
[ "$(id -u)" = 0 ] && as_pg=(runuser -u postgres --)
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -d "$work/pg" ] && "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$work/pg" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

wait_file() { for _ in $(seq 1 200); do [ -s "$1" ] && return 0; sleep 0.05; done; echo "timeout waiting for $1" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# PostgreSQL 15 with its defaults (synchronous_commit on, fsync on).
pg_port=$(free_port)
mkdir -p "$work/pg" && [ "$(id -u)" = 0 ] && chown postgres "$work/pg"
"${as_pg[@]}" "$pg_bin/initdb" -D "$work/pg" -A trust -U herald -E UTF8 >/dev/null
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg/server.log" -w \
  -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1" start >/dev/null
psql_q() { "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U herald -d "$1" -Atc "$2"; }

"$build/bin/fake-channels" --port 0 --port-file "$work/fake.port" 2>"$work/fake.log" & pids+=($!)
wait_file "$work/fake.port"; fake=$(cat "$work/fake.port")

# SQL over the store of the run: sqlite3 through Python, or psql.
store_query() {
  if [ "$kind" = sqlite ]; then
    python3 -c 'import sqlite3,sys; db=sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True); print(db.execute(sys.argv[2]).fetchone()[0])' "$run/herald.db" "$1"
  else
    psql_q "$db" "$1"
  fi
}
wait_drained() {
  for _ in $(seq 1 1200); do
    [ "$(store_query "select count(*) from jobs where state in ('pending','retry')")" = 0 ] && return 0
    sleep 0.1
  done
  echo "queue did not drain" >&2
}

# Starts `replicas` Herald processes on one store; their intake ports in $ports.
start_run() {
  kind=$1 replicas=$2 db="bench_${1}_${2}_$round"
  run="$work/$db" && mkdir -p "$run"
  write_bench_config "$run" "$build" "$fake"
  if [ "$kind" = postgres ]; then
    psql_q postgres "create database $db" >/dev/null
    printf 'postgresql://herald@127.0.0.1:%s/%s' "$pg_port" "$db" > "$run/database-url"
    sed -i "s|^storage: .*|storage: {kind: postgres, url: \"\${file:$run/database-url}\"}|" "$run/herald.yaml"
  fi
  ports=() run_pids=()
  for i in $(seq 1 "$replicas"); do
    "$build/bin/herald" serve --config "$run/herald.yaml" --port-file "$run/herald-$i.port" 2>>"$run/herald-$i.log" &
    run_pids+=($!) pids+=($!)
    wait_file "$run/herald-$i.port"
    ports+=("$(grep '^intake=' "$run/herald-$i.port" | cut -d= -f2)")
  done
  sleep 1
}
stop_run() { for p in "${run_pids[@]}"; do kill "$p"; wait "$p" 2>/dev/null || true; done; }

# Load split over the replicas; prints the summed acks/s and the worst p50/p99 ack latency.
load() {
  local connections=$1 seconds=$2 prefix=$3 rate=${4:-0} n=${#ports[@]} i=0
  local args=() loaders=()
  [ "$rate" != 0 ] && args=(--rate $((rate / n)))
  for port in "${ports[@]}"; do
    "$build/bin/herald_loadgen" --port "$port" --secret bench-secret --concurrency $((connections / n)) \
      --seconds "$seconds" --prefix "$prefix-$i" "${args[@]}" > "$run/load-$prefix-$i.txt" &
    loaders+=($!)
    i=$((i + 1))
  done
  for p in "${loaders[@]}"; do wait "$p"; done
  cat "$run"/load-"$prefix"-*.txt | python3 -c '
import re, sys
acks, p50, p99 = 0.0, 0.0, 0.0
for line in sys.stdin:
    m = re.search(r"= (\d+) acks/s; latency ms p50 ([\d.]+) p90 [\d.]+ p99 ([\d.]+)", line)
    if m:
        acks += float(m.group(1)); p50 = max(p50, float(m.group(2))); p99 = max(p99, float(m.group(3)))
print(f"{acks:.0f} acks/s (ack p50 {p50:.2f} ms, p99 {p99:.2f} ms)")'
}

delivery_latency() {
  store_query "select percentile_disc(0.5) within group (order by d) || ' ms / ' || percentile_disc(0.99) within group (order by d) || ' ms' from (select j.finished_at_ms - e.accepted_at_ms as d from jobs j join events e on e.seq = j.event_seq where e.id like 'steady-%' and j.state = 'delivered') t" 2>/dev/null \
  || python3 - "$run/herald.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
d = sorted(r[0] for r in db.execute("select j.finished_at_ms - e.accepted_at_ms from jobs j join events e "
                                    "on e.seq=j.event_seq where e.id like 'steady-%' and j.state='delivered'"))
p = lambda q: d[min(len(d)-1, int(q/100*len(d)))]
print(f"{p(50)} ms / {p(99)} ms")
PY
}

echo "== machine: $(nproc) cores, $(uname -r); PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1 (synchronous_commit on)"
printf '%-24s | %-44s | %s\n' "store" "durable acks, 16 connections, 8 s" "accepted->delivered p50 / p99 at 200 events/s"
for round in $(seq 1 "${ROUNDS:-1}"); do
for setup in "sqlite 1" "postgres 1" "postgres 2"; do
  set -- $setup
  start_run "$1" "$2"
  acks=$(load 16 8 c16)
  wait_drained
  load 8 10 steady 200 >/dev/null
  wait_drained
  latency=$(delivery_latency)
  label="$1, $2 replica$([ "$2" = 1 ] || echo s)"
  printf '%-24s | %-44s | %s\n' "$label" "$acks" "$latency"
  stop_run
done
done
