#!/usr/bin/env bash
# Installs the Debian bookworm packages Herald needs to build and test.
# Idempotent: packages already present are skipped quickly.
set -euo pipefail

# What building Herald needs, and what its tests need on top (a browser for the web view test, a
# PostgreSQL server for the PostgreSQL store's tests, promtool, npm tools).
build_packages=(
  build-essential cmake ninja-build pkg-config clang clang-format libclang-rt-14-dev
  libboost1.81-dev libboost-json1.81-dev libboost-filesystem1.81-dev libboost-url1.81-dev
  libyaml-cpp-dev libcurl4-openssl-dev libssl-dev libspdlog-dev libfmt-dev
  libsqlite3-dev libgtest-dev libgmock-dev libbenchmark-dev libkainjow-mustache-dev libpq-dev
  curl python3
)
test_packages=(python3-jsonschema python3-yaml sqlite3 systemd chromium postgresql-15)
# What the benchmarks under bench/ use: wrk drives the load, nginx is the ceiling, perf profiles.
bench_packages=(wrk nginx-light linux-perf)

# --build-only: the build's packages alone (the container image's build stage).
# --bench: the build's, the tests' and the benchmarks' packages.
build_only=false
[ "${1:-}" = --build-only ] && build_only=true
packages=("${build_packages[@]}")
$build_only || packages+=("${test_packages[@]}")
[ "${1:-}" = --bench ] && packages+=("${bench_packages[@]}")

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

install_promtool() {
  # promtool (from Debian's prometheus package) checks the /metrics output in the tests. Only
  # the binary is unpacked into .cache/: installing the package would also set up a server.
  local dest=.cache/prometheus
  [ -x "$dest/usr/bin/promtool" ] && return 0
  command -v apt-get >/dev/null || return 0
  local tmp
  tmp=$(mktemp -d)
  if (cd "$tmp" && { apt-get download -qq prometheus >/dev/null 2>&1 ||
                    { [ "$(id -u)" -eq 0 ] && apt-get update -qq && apt-get download -qq prometheus >/dev/null 2>&1; }; }); then
    mkdir -p "$dest" && dpkg-deb -x "$tmp"/prometheus_*.deb "$tmp/x" && mkdir -p "$dest/usr/bin" &&
      cp "$tmp/x/usr/bin/promtool" "$dest/usr/bin/promtool"
  else
    echo "herald: could not download the prometheus package for promtool (run apt-get update?)" >&2
  fi
  rm -rf "$tmp"
}
install_k8s_check() {
  # The Kubernetes manifest check validates against the API schemas from npm's kubernetes-models.
  [ -d tools/k8s-check/node_modules/kubernetes-models ] && return 0
  if command -v npm >/dev/null; then
    (cd tools/k8s-check && npm ci --no-audit --no-fund --loglevel=error) ||
      echo "herald: npm could not install tools/k8s-check (the Kubernetes manifest test will fail)" >&2
  else
    echo "herald: npm is missing (the Kubernetes manifest test needs Node.js and npm)" >&2
  fi
}
install_ui_check() {
  # The web view test drives Debian's chromium with npm's puppeteer-core (no browser download).
  [ -d tools/ui-check/node_modules/puppeteer-core ] && return 0
  if command -v npm >/dev/null; then
    (cd tools/ui-check && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error) ||
      echo "herald: npm could not install tools/ui-check (the web view test will fail)" >&2
  else
    echo "herald: npm is missing (the web view test needs Node.js and npm)" >&2
  fi
}
cd "$(dirname "$0")/.."

install_test_tools() {
  $build_only && return 0
  install_promtool
  install_k8s_check
  install_ui_check
}

if [ ${#missing[@]} -eq 0 ]; then
  install_test_tools
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
install_test_tools
