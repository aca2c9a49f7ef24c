#!/usr/bin/env bash
# Checks Herald's alert rules and runs their unit tests with promtool (scripts/install-deps.sh
# unpacks it into .cache/prometheus; a system promtool works too).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
promtool=$here/../../.cache/prometheus/usr/bin/promtool
[ -x "$promtool" ] || promtool=$(command -v promtool)
"$promtool" check rules "$here/herald-alerts.yaml"
cd "$here" && "$promtool" test rules herald-alerts.test.yaml
