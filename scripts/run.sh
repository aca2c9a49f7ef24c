#!/usr/bin/env bash
# Sets up (Debian packages), builds, and runs Herald on its embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh release
herald=build/bin/herald

"$herald" --version
echo
echo "Channel plugins in build/plugins:"
"$herald" plugin list --dir build/plugins
