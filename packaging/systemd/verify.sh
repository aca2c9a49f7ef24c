#!/usr/bin/env bash
# Verifies the systemd unit with systemd-analyze, against the built binary (a copy of the unit
# whose ExecStart names it, since verify checks that the program exists).
#   packaging/systemd/verify.sh BUILT_HERALD
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed "s|^ExecStart=/usr/bin/herald|ExecStart=$1|" "$here/herald.service" > "$work/herald.service"
# verify prints problems and exits non-zero on errors; warnings about the host's own units are
# filtered out so only this unit's findings count.
output=$(SYSTEMD_LOG_LEVEL=warning systemd-analyze verify "$work/herald.service" 2>&1 || echo "verify-failed")
findings=$(printf '%s\n' "$output" | grep -E "herald\.service|verify-failed" || true)
if [ -n "$findings" ]; then
  printf '%s\n' "$output"
  exit 1
fi
echo "systemd unit verified"
