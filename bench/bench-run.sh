# Sourced by the benchmark scripts that run Herald: a work directory that is removed on exit,
# with every process started into `pids` (stopped on exit), and the helpers they share.
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

wait_file() { for _ in $(seq 1 200); do [ -s "$1" ] && return 0; sleep 0.05; done; echo "timeout waiting for $1" >&2; exit 1; }
# utime + stime of a process, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# One value from Herald's SQLite database in the work directory, read-only.
sql() { python3 - "$work/herald.db" "$1" <<'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
print(db.execute(sys.argv[2]).fetchone()[0])
PY
}
open_jobs() { sql "select count(*) from jobs where state in ('pending','retry')"; }
wait_drained() { for _ in $(seq 1 1200); do [ "$(open_jobs)" = "0" ] && return 0; sleep 0.1; done; echo "queue did not drain" >&2; }
