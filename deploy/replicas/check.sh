#!/usr/bin/env bash
# Checks the replicas example without a container engine: the host config and team file pass
# `herald config check`, and compose.yaml parses and wires what the docs say (two replicas on
# the same config and database, PostgreSQL with a health check, the balancer's upstreams).
#   deploy/replicas/check.sh BUILT_HERALD PLUGIN_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$here/routing" "$work/routing"
sed "s|directory: /etc/herald/routing|directory: routing|" "$here/herald.yaml" > "$work/herald.yaml"
"$1" config check "$work/herald.yaml" --plugins "$2"
python3 - "$here" <<'PY'
import re, sys, yaml
here = sys.argv[1]
compose = yaml.safe_load(open(f"{here}/compose.yaml"))
services = compose["services"]
replicas = [n for n in services if n.startswith("herald-")]
assert len(replicas) >= 2, f"two replicas or more, got {replicas}"
for name in replicas:
    s = services[name]
    assert "./herald.yaml:/etc/herald/herald.yaml:ro" in s["volumes"], f"{name}: the shared config"
    assert "@postgres:5432/" in s["environment"]["HERALD_DATABASE_URL"], f"{name}: the shared database"
    assert s["depends_on"]["postgres"]["condition"] == "service_healthy", f"{name}: waits for the database"
assert "healthcheck" in services["postgres"]
upstreams = set(re.findall(r"server (herald-[a-z]+):8080", open(f"{here}/nginx.conf").read()))
assert upstreams == set(replicas), f"the balancer's upstreams {upstreams} are the replicas {replicas}"
print(f"compose: {len(replicas)} replicas on one PostgreSQL behind the balancer")
PY
