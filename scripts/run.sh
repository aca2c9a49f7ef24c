#!/usr/bin/env bash
# Sets up (Debian packages), builds, and runs Herald on its embedded defaults: the example
# config in config/, with every channel pointed at local addresses (config/local.env).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh release
herald=build/bin/herald
# shellcheck source=/dev/null
. config/local.env

"$herald" --version
echo
echo "== Channel plugins (build/plugins)"
"$herald" plugin list --dir build/plugins
echo
echo "== Example config (config/herald.yaml, secrets from config/local.env)"
"$herald" config check config/herald.yaml --resolve-secrets
for event in config/events/*.json; do
  echo
  echo "== herald route test --event $event"
  "$herald" route test --config config/herald.yaml --event "$event"
done
echo
echo "Next: '$herald route test --config config/herald.yaml --event config/events/failed-with-rollback.json --render'"
echo "shows the exact requests (secrets masked). See README.md and docs/."
