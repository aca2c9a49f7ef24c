#!/usr/bin/env bash
# Installs the Debian bookworm packages Herald needs to build and test.
# Idempotent: packages already present are skipped quickly.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config clang clang-format
  libboost1.81-dev libboost-json1.81-dev libboost-filesystem1.81-dev libboost-url1.81-dev
  libyaml-cpp-dev libcurl4-openssl-dev libssl-dev libspdlog-dev libfmt-dev
  libsqlite3-dev libgtest-dev libgmock-dev libbenchmark-dev
  curl python3 python3-jsonschema sqlite3
)

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "herald: missing packages: ${missing[*]}" >&2
  echo "herald: run this script as root (or install them with apt-get) and try again" >&2
  exit 1
fi

echo "herald: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
