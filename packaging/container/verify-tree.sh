#!/usr/bin/env bash
# Verifies the container recipe without an image builder: performs the Dockerfile's steps in a
# plain directory tree and runs Herald from it in a chroot, as the image's non-root user would.
#   1. the build stage's install:   DESTDIR=<tree> cmake --install build --prefix /usr
#   2. the runtime stage's files:   /etc/herald/herald.yaml, /etc/herald/routing, /var/lib/herald
#   3. the runtime libraries: every shared library the binary and plugins load must come from a
#      package in runtime-packages.txt, from one of their dependencies, or from bookworm-slim
#      itself; those libraries (and nothing else) are copied into the tree
#   4. in the chroot, as uid 10001 and with no --config: herald serve must load
#      /etc/herald/herald.yaml, answer /healthz and deliver one event to a fake channel; SIGTERM
#      must stop it
# Needs root (chroot) and a release build (scripts/build.sh). Usage: verify-tree.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${1:-build}"
here=packaging/container
[ "$(id -u)" -eq 0 ] || { echo "verify-tree: needs root (chroot)" >&2; exit 1; }

# The Dockerfile must still do what this script checks.
for step in "runtime-packages.txt" "cmake --install build --prefix /usr" "packaging/container/herald.yaml /etc/herald/herald.yaml" \
            "USER herald" "/healthz" 'CMD ["serve"]'; do
  grep -qF "$step" Dockerfile || { echo "verify-tree: the Dockerfile no longer has: $step" >&2; exit 1; }
done

tree=$(mktemp -d /tmp/herald-tree-XXXXXX)
chmod 755 "$tree"  # the root directory of the image: the herald user must traverse it
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tree"
}
trap cleanup EXIT

echo "== install into $tree"
DESTDIR="$tree" cmake --install "$build" --prefix /usr >/dev/null
mkdir -p "$tree/etc/herald/routing" "$tree/var/lib/herald" "$tree/tmp" "$tree/dev"
chmod 1777 "$tree/tmp"
cp "$here/herald.yaml" "$tree/etc/herald/herald.yaml"
chown 10001:10001 "$tree/var/lib/herald"

echo "== runtime libraries"
# What bookworm-slim already has, and what the runtime packages bring with their dependencies.
base="libc6 libgcc-s1 libstdc++6 zlib1g libzstd1 liblzma5 libbz2-1.0 libcrypt1 libselinux1 libpcre2-8-0 libgmp10
      libgnutls30 libhogweed6 libnettle8 libidn2-0 libunistring2 libp11-kit0 libtasn1-6 libffi8 libsystemd0 liblz4-1
      libgcrypt20 libgpg-error0 libcap2 libacl1 libattr1 libtinfo6 libudev1 libxxhash0 libsemanage2 libsepol2 libaudit1
      libcap-ng0 libdb5.3 libpam0g libmd0 libdebconfclient0"
allowed=" $base "
packages=$(grep -v '^#' "$here/runtime-packages.txt" | xargs)
for pkg in $packages $(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
                         --no-replaces --no-enhances $packages 2>/dev/null | grep -E '^[a-z0-9]' | sort -u); do
  allowed+="$pkg "
done
missing=0
libs=$(for f in "$tree/usr/bin/herald" "$tree"/usr/lib/herald/plugins/*.so; do ldd "$f"; done |
       awk '/=>/ && $3 ~ /^\// {print $3} /^[ \t]*\/lib/ {print $1}' | sort -u)
for lib in $libs; do
  real=$(readlink -f "$lib")
  pkg=$(dpkg -S "$real" 2>/dev/null | head -1 | cut -d: -f1) || true
  [ -n "$pkg" ] || pkg=$(dpkg -S "$lib" 2>/dev/null | head -1 | cut -d: -f1) || true
  if [[ -z "$pkg" || "$allowed" != *" $pkg "* ]]; then
    echo "verify-tree: $lib (package ${pkg:-unknown}) is not provided by runtime-packages.txt" >&2
    missing=1
  fi
  mkdir -p "$tree$(dirname "$lib")" "$tree$(dirname "$real")"
  cp -L "$lib" "$tree$lib"
done
[ "$missing" -eq 0 ] || exit 1
echo "$(echo "$libs" | wc -l) libraries, each from a runtime package"
for dev in null:1:3 zero:1:5 urandom:1:9 random:1:8; do
  IFS=: read -r name major minor <<<"$dev"
  [ -e "$tree/dev/$name" ] || mknod -m 666 "$tree/dev/$name" c "$major" "$minor"
done

echo "== herald config check on the image's config"
chroot --userspec=10001:10001 "$tree" /usr/bin/herald config check /etc/herald/herald.yaml | sed 's/^/  /'

echo "== run it: no --config, uid 10001"
fake_port_file=$(mktemp)
"$build/bin/fake-channels" --port 0 --port-file "$fake_port_file" >"$tree/tmp/fake.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$fake_port_file" ] && break; sleep 0.05; done
fake_port=$(cat "$fake_port_file")
rm -f "$fake_port_file"
intake_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# The run's own config, as an operator mounts one: a loopback port, one team on a fake webhook.
sed -e "s/address: 0.0.0.0/address: 127.0.0.1/" -e "s/port: 8080/port: $intake_port/" -e "s/port: 8081/port: 0/" \
    "$here/herald.yaml" >"$tree/etc/herald/herald.yaml"
cat >>"$tree/etc/herald/herald.yaml" <<YAML
destinations:
  allow_http: true
  hosts:
    webhook: [127.0.0.1]
YAML
cat >"$tree/etc/herald/routing/verify.yaml" <<YAML
version: 1
team: verify
services: [image-check]
channels:
  - name: hook
    type: webhook
    settings:
      url: \${env:VERIFY_HOOK_URL}
YAML
env -i HERALD_PIPELINE_SECRET=image-secret VERIFY_HOOK_URL="http://127.0.0.1:$fake_port/webhook/verify" \
  "$(command -v chroot)" --userspec=10001:10001 "$tree" /usr/bin/herald serve >"$tree/tmp/herald.log" 2>&1 &
herald_pid=$!
pids+=($herald_pid)
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$intake_port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "http://127.0.0.1:$intake_port/healthz" || { cat "$tree/tmp/herald.log"; exit 1; }
echo
grep -q "/etc/herald/herald.yaml" "$tree/tmp/herald.log" ||
  { echo "verify-tree: herald did not say which config it loaded" >&2; cat "$tree/tmp/herald.log"; exit 1; }
event='{"id":"image-check-1","service":"image-check","environment":"production","status":"failed","commit":{"sha":"abc123"},"triggered_by":"ci","pipeline":{"url":"https://ci.example.com/1"}}'
HERALD_SECRET=image-secret "$build/bin/herald" post --url "http://127.0.0.1:$intake_port" --retries 0 - <<<"$event"
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$fake_port/_fake/requests?channel=webhook" | grep -q image-check-1 && break
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$fake_port/_fake/requests?channel=webhook" | grep -q image-check-1 ||
  { echo "verify-tree: the event was not delivered" >&2; cat "$tree/tmp/herald.log"; exit 1; }
echo "delivered to the fake webhook"
kill -TERM "$herald_pid"
for _ in $(seq 100); do kill -0 "$herald_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$herald_pid" 2>/dev/null; then echo "verify-tree: herald ignored SIGTERM" >&2; exit 1; fi
wait "$herald_pid" && echo "SIGTERM: herald drained and exited 0" || { echo "verify-tree: herald exited $?" >&2; exit 1; }
echo "verify-tree: the image recipe works"
