#!/usr/bin/env bash
# The floor under Herald's CPU per event on this machine: what its three big parts cost on their
# own, with none of Herald around them, beside Herald itself under the same load, in one run.
#   - server: Herald's HTTP server (the fake-channels sink: Beast, Asio, the kernel's socket calls,
#     the body's JSON parse, a 200) answering wrk's event posts; the sink's CPU per request;
#   - curl:   libcurl posting webhook-sized bodies over kept-alive connections to that sink, driven
#     by its own loop (bench/curl_floor.cpp); its CPU per delivery;
#   - store:  the SQLite store committing batches of events with the outcomes of the batch before,
#     each commit fsync'd (bench/store_floor.cpp); its CPU per event;
#   - herald: Herald accepting the same posts (one webhook delivery each to the sink); its CPU per
#     accepted-and-delivered event.
# Each part's CPU includes the kernel's work in its system calls, as Herald's does (on loopback a
# sender's call also carries the receiver's TCP work). Rounds alternate the parts; medians last.
# BATCH defaults to half the connections, about what Herald's commits carry under that load (the
# summary prints what they carried in this run).
#   bench/floor.sh [build-dir]   env: CONNECTIONS (64), BATCH, SECONDS_PER_RUN (5), ROUNDS (3)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/bench-config.sh
build=${1:-build}
connections=${CONNECTIONS:-64}
batch=${BATCH:-$(((connections + 1) / 2))}
seconds=${SECONDS_PER_RUN:-5}
rounds=${ROUNDS:-3}
for tool in wrk python3; do
  command -v "$tool" >/dev/null || { echo "floor: needs $tool (scripts/install-deps.sh --bench)" >&2; exit 1; }
done
for program in fake-channels herald herald_curl_floor herald_store_floor; do
  [ -x "$build/bin/$program" ] || { echo "floor: $build/bin/$program is missing (build first)" >&2; exit 1; }
done
source bench/bench-run.sh
ticks_per_s=$(getconf CLK_TCK)
requests() { sed -E 's/result: ([0-9]+) requests.*/\1/' <<<"$1"; }
us_per() { python3 -c "print(f'{$1 / $ticks_per_s / max($2, 1) * 1e6:.1f}')"; }

"$build/bin/fake-channels" --port 0 --port-file "$work/fake.port" 2>"$work/fake.log" & sink_pid=$!
pids+=("$sink_pid")
wait_file "$work/fake.port"; sink="http://127.0.0.1:$(cat "$work/fake.port")"
write_bench_config "$work" "$build" "$(cat "$work/fake.port")"
"$build/bin/herald" serve --config "$work/herald.yaml" --port-file "$work/herald.port" 2>>"$work/herald.log" &
herald_pid=$!
pids+=("$herald_pid")
wait_file "$work/herald.port"; herald="http://127.0.0.1:$(grep '^intake=' "$work/herald.port" | cut -d= -f2)"
sleep 1

echo "== $(nproc) cores, $(uname -r); $connections connections, $seconds s per part, store batches of $batch"
results="$work/results"
for round in $(seq 1 "$rounds"); do
  before=$(cpu_ticks "$sink_pid")
  line=$(HERALD_BENCH_PATH=/webhook/floor HERALD_BENCH_PREFIX="s$round" \
    wrk -t1 -c"$connections" -d"${seconds}s" -s bench/post-events.lua "$sink" | grep '^result:')
  server=$(us_per "$(($(cpu_ticks "$sink_pid") - before))" "$(requests "$line")")
  echo "round $round server: ${line#result: } sink CPU $server µs per request"

  curl_line=$("$build/bin/herald_curl_floor" --url "$sink/webhook/floor" --concurrency "$connections" --seconds "$seconds")
  curl=$(sed -E 's/.* ([0-9.]+) us of CPU.*/\1/' <<<"$curl_line")
  echo "round $round $curl_line"

  rm -f "$work"/floor.db*
  store_line=$("$build/bin/herald_store_floor" --path "$work/floor.db" --batch "$batch" --seconds "$seconds")
  store=$(sed -E 's/.* ([0-9.]+) us of CPU.*/\1/' <<<"$store_line")
  echo "round $round $store_line"

  before=$(cpu_ticks "$herald_pid")
  line=$(HERALD_BENCH_PREFIX="h$round" wrk -t1 -c"$connections" -d"${seconds}s" -s bench/post-events.lua "$herald" |
    grep '^result:')
  wait_drained
  delivered=$(sql "select count(*) from jobs j join events e on e.seq = j.event_seq
                   where e.id like 'h$round-%' and j.state = 'delivered'")
  own=$(us_per "$(($(cpu_ticks "$herald_pid") - before))" "$delivered")
  echo "round $round herald: ${line#result: } $delivered delivered; Herald CPU $own µs per event"
  echo "$server $curl $store $own" >>"$results"
done

kill -TERM "$herald_pid" && wait "$herald_pid" || true
carried=$(grep -o 'store: [0-9]* commits carried [0-9]* events' "$work/herald.log" | tail -1 || true)
python3 - "$results" "$carried" "$batch" <<'PY'
import statistics, sys
rows = [list(map(float, line.split())) for line in open(sys.argv[1])]
med = [statistics.median(col) for col in zip(*rows)]
span = lambda i: f"{min(r[i] for r in rows):.1f}–{max(r[i] for r in rows):.1f}"
floor = med[0] + med[1] + med[2]
print("== summary (medians; ranges over the rounds)")
print(f"server floor (HTTP server + JSON parse): {med[0]:.1f} µs per request ({span(0)})")
print(f"curl floor (libcurl, one delivery):      {med[1]:.1f} µs per delivery ({span(1)})")
print(f"store floor (SQLite store, one event):   {med[2]:.1f} µs per event ({span(2)})")
print(f"sum of the floors:                       {floor:.1f} µs per event")
print(f"herald (all of it):                      {med[3]:.1f} µs per event ({span(3)}); "
      f"{med[3] - floor:.1f} µs above the floors")
words = sys.argv[2].split()
if len(words) >= 5 and int(words[1]) > 0:
    print(f"Herald's commits carried {int(words[4]) / int(words[1]):.1f} events each; "
          f"the store floor's, {sys.argv[3]}")
PY
