#!/usr/bin/env bash
# Sets up (Debian packages), builds, and runs Herald on its embedded defaults: the example
# config (config/herald.yaml), the SQLite store in var/, and local fake channels on
# 127.0.0.1:9901 standing in for Slack, Teams and PagerDuty, so every delivery is real.
# Posts three sample events and shows what each channel received; then keeps running until
# Ctrl-C (or exits at once with --once). Each run starts from an empty demo store (var/).
#   HERALD_BUILD_DIR=DIR HERALD_SKIP_BUILD=1 scripts/run.sh --once   uses an existing build
set -euo pipefail
cd "$(dirname "$0")/.."
once=false
[ "${1:-}" = "--once" ] && once=true
build=${HERALD_BUILD_DIR:-build}

[ "${HERALD_SKIP_BUILD:-0}" = 1 ] || scripts/build.sh release
herald=$build/bin/herald
# shellcheck source=/dev/null
. config/local.env
mkdir -p var
rm -f var/herald.db var/herald.db-wal var/herald.db-shm

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

"$build/bin/fake-channels" --port 9901 2>var/fake-channels.log & pids+=($!)
rm -f var/herald.port
"$herald" serve --config config/herald.yaml --plugins "$build/plugins" --port-file var/herald.port 2>var/herald.log & pids+=($!)
for _ in $(seq 1 100); do [ -s var/herald.port ] && break; sleep 0.1; done
if [ ! -s var/herald.port ]; then echo "herald did not start; see var/herald.log:" >&2; tail -20 var/herald.log >&2; exit 1; fi
echo "Herald is serving on http://127.0.0.1:8080 (logs: var/herald.log, store: var/herald.db)"
echo

echo "== Posting three sample events (herald post, HMAC-signed with HERALD_PIPELINE_SECRET)"
# A failure that rolled back, then its recovery, then a service nobody owns.
"$herald" post --url http://127.0.0.1:8080 --secret-env HERALD_PIPELINE_SECRET \
  config/events/failed-with-rollback.json config/events/succeeded.json config/events/unowned.json || true
# Wait (at most 15 s) until nothing is pending: the recovery waits for Slack's 1 message/s limit.
for _ in $(seq 1 150); do
  curl -s http://127.0.0.1:8080/metrics | grep -q '^herald_pending_jobs 0$' && break
  sleep 0.1
done

echo
echo "== What each channel received (fake channels at http://127.0.0.1:9901/_fake/requests)"
python3 scripts/show-deliveries.py http://127.0.0.1:9901
echo
echo "Look further:"
echo "  $herald route test --config config/herald.yaml --event config/events/failed-with-rollback.json --render"
echo "  . config/local.env   # the admin token for the next two"
echo "  $herald events show example-payments-failed-1       # every delivery and attempt"
echo "  $herald dlq list                                    # the dead-letter queue"
echo "  curl -s http://127.0.0.1:8080/metrics               # Prometheus metrics"
echo "  http://127.0.0.1:8081/ui/                           # the web view (admin token from config/local.env)"
echo "  docs/configuration.md, docs/channels.md, docs/operations.md"
if $once; then exit 0; fi
echo
echo "Herald keeps running; post your own events with:"
echo "  . config/local.env && $herald post --url http://127.0.0.1:8080 --secret-env HERALD_PIPELINE_SECRET FILE.json"
echo "Ctrl-C stops Herald and the fake channels."
wait
