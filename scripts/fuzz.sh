#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, preset `fuzz`) and runs each for a bounded time, starting
# from its committed seed corpus in fuzz/corpus/<target>/ (new inputs go to a scratch copy).
#   scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"
scripts/build.sh fuzz
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for target in event_json team_yaml admin_query; do
  mkdir -p "$work/$target"
  cp fuzz/corpus/$target/* "$work/$target/"
  echo "== fuzz $target for ${seconds}s"
  ASAN_OPTIONS=detect_leaks=0 build-fuzz/bin/${target}_fuzz -max_total_time="$seconds" -max_len=65536 \
    -print_final_stats=1 "$work/$target" 2>"$work/$target.log" || { tail -40 "$work/$target.log"; exit 1; }
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$work/$target.log" | tr '\n' ' '; echo
done
echo "fuzz: every target ran ${seconds}s without a finding"
