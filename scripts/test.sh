#!/usr/bin/env bash
# Sets up (Debian packages), builds the release preset and runs the whole test suite.
#   scripts/test.sh           release build (build/)
#   scripts/test.sh asan      ASan + UBSan build (build-asan/)
#   scripts/test.sh tsan      ThreadSanitizer build (build-tsan/)
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
scripts/build.sh "$preset"
ctest --preset "$preset"
