#!/usr/bin/env bash
# Runs check.mjs (the Kubernetes manifest check); scripts/install-deps.sh installs its modules.
# usage: run.sh REPO_ROOT HERALD_BINARY PLUGIN_DIR
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ ! -d "$here/node_modules/kubernetes-models" ]; then
  echo "k8s-check: $here/node_modules is missing: run scripts/install-deps.sh (needs npm)" >&2
  exit 1
fi
exec node "$here/check.mjs" "$@"
