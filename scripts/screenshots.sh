#!/usr/bin/env bash
# Redraws the screenshots in docs/images/: previews of each channel's default message (from the
# golden requests in tests/plugins/) and the web view, taken by the WebView test against a real
# Herald in Debian's chromium. Needs a build (cmake --build build) and scripts/install-deps.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
node tools/ui-check/render-messages.mjs tests/plugins docs/images
"$build/bin/herald_integration_tests" --gtest_filter='WebView.ChromiumSignsInReadsTheGridAndReplaysADeadLetter' >/dev/null
cp "$build"/test-artifacts/web-view-*.png docs/images/
ls -1 docs/images
