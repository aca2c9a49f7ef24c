#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, preset `fuzz`) and runs each from its committed seed
# corpus in fuzz/corpus/<target>/ (new inputs go to a scratch copy).
#   scripts/fuzz.sh [SECONDS_PER_TARGET]   explore with a random seed (default 20 s per target)
#   scripts/fuzz.sh --ci                   a fixed seed and a fixed number of runs per target, so
#                                          a CI result is reproducible: the same commit gives the
#                                          same verdict on every run
# A finding is written to ./crash-* (or leak-*, timeout-*); add it to the target's corpus once
# fixed, so every later run replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=explore
seconds=20
if [[ "${1:-}" == "--ci" ]]; then mode=ci; elif [[ -n "${1:-}" ]]; then seconds="$1"; fi
declare -A ci_runs=([event_json]=400000 [team_yaml]=15000 [admin_query]=400000 [source_webhook]=100000 [message_template]=100000)
scripts/build.sh fuzz
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for target in event_json team_yaml admin_query source_webhook message_template; do
  mkdir -p "$work/$target"
  cp fuzz/corpus/$target/* "$work/$target/"
  if [[ "$mode" == ci ]]; then
    budget=(-seed=1 -runs="${ci_runs[$target]}")
    echo "== fuzz $target: seed 1, ${ci_runs[$target]} runs"
  else
    budget=(-max_total_time="$seconds")
    echo "== fuzz $target for ${seconds}s"
  fi
  ASAN_OPTIONS=detect_leaks=0 build-fuzz/bin/${target}_fuzz "${budget[@]}" -max_len=65536 \
    -print_final_stats=1 "$work/$target" 2>"$work/$target.log" || { tail -40 "$work/$target.log"; exit 1; }
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$work/$target.log" | tr '\n' ' '; echo
done
echo "fuzz: every target ran without a finding"
