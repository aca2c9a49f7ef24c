#!/usr/bin/env bash
# The README's run command as a newcomer runs it (with the build it was given): it must start
# Herald and the fake channels, post the samples, and show real deliveries to every channel.
set -uo pipefail
output=$(HERALD_SKIP_BUILD=1 HERALD_BUILD_DIR="$1" timeout 120 scripts/run.sh --once 2>&1)
status=$?
echo "$output"
[ $status -eq 0 ] || { echo "FAIL: scripts/run.sh exited $status"; exit 1; }
for expected in \
  "payments-api.json: 202\|failed-with-rollback.json: 202" \
  "slack      200  /slack/services/T0LOCAL/B0PAYMENTS/payments      Deploy failed: payments-api to production (Rolled back to 4.11.3)" \
  "pagerduty  202  /pagerduty/v2/enqueue                            trigger: Deploy failed: payments-api" \
  "pagerduty  202  /pagerduty/v2/enqueue                            resolve: herald/payments-api/production" \
  "slack      200  /slack/services/T0LOCAL/B0PLATFORM/platform      Deployed: legacy-batch to staging" \
  "slack      200  /slack/services/T0LOCAL/B0PAYMENTS/payments      Recovered: payments-api to production"; do
  # A here-string, not a pipe: with pipefail, grep -q leaving early would fail the echo (SIGPIPE).
  grep -q -- "$expected" <<<"$output" || { echo "FAIL: missing: $expected"; exit 1; }
done
echo "newcomer run: 1 passed, 0 failed"
