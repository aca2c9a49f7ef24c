#!/usr/bin/env bash
# The action's one step: the inputs (HERALD_* variables) become `herald emit` flags; the
# GitHub Actions environment (GITHUB_*) supplies the rest. HERALD_URL and HERALD_SECRET are read
# by herald itself, so the secret never appears on a command line.
set -euo pipefail
args=(emit --status "${HERALD_STATUS:?status is required}")
add() { if [[ -n "${2:-}" ]]; then args+=("$1" "$2"); fi; }
add --environment "${HERALD_ENVIRONMENT:-}"
add --service "${HERALD_SERVICE:-}"
add --version "${HERALD_VERSION:-}"
add --failure-stage "${HERALD_FAILURE_STAGE:-}"
add --reason "${HERALD_REASON:-}"
add --team "${HERALD_TEAM:-}"
add --source "${HERALD_SOURCE:-}"
add --retries "${HERALD_RETRIES:-}"
add --retry-for "${HERALD_RETRY_FOR:-}"
exec "${HERALD_BIN:-herald}" "${args[@]}"
