#!/usr/bin/env bash
# Verifies the systemd units (herald.service and the replica template herald@.service, as
# herald@a.service) with systemd-analyze, against the built binary (copies of the units whose
# ExecStart names it, since verify checks that the program exists).
#   packaging/systemd/verify.sh BUILT_HERALD
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed "s|^ExecStart=/usr/bin/herald|ExecStart=$1|" "$here/herald.service" > "$work/herald.service"
sed "s|^ExecStart=/usr/bin/herald|ExecStart=$1|" "$here/herald@.service" > "$work/herald@a.service"
# verify prints problems and exits non-zero on errors; warnings about the host's own units are
# filtered out so only these units' findings count.
for unit in herald.service herald@a.service; do
  output=$(SYSTEMD_LOG_LEVEL=warning systemd-analyze verify "$work/$unit" 2>&1 || echo "verify-failed")
  findings=$(printf '%s\n' "$output" | grep -E "herald(@a)?\.service|verify-failed" || true)
  if [ -n "$findings" ]; then
    printf '%s\n' "$output"
    exit 1
  fi
done
echo "systemd units verified"
