#!/usr/bin/env python3
"""Checks Herald's Grafana dashboard: every panel queries something, every query is valid PromQL
(promtool parses it as a recording rule), and every metric it names is one Herald exports.

usage: check-dashboard.py REPO_ROOT
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

root = sys.argv[1]
with open(os.path.join(root, "deploy", "grafana", "herald-dashboard.json"), encoding="utf-8") as f:
    dashboard = json.load(f)

exported = {"up"}
for folder, _, files in os.walk(os.path.join(root, "host", "src")):
    for name in files:
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            exported |= set(re.findall(r'"(herald_[a-z_]+)"', f.read()))

failures = []
exprs = []
for panel in dashboard["panels"]:
    targets = panel.get("targets", [])
    if not targets and panel.get("type") != "row":
        failures.append(f"panel '{panel['title']}' has no query")
    for t in targets:
        expr = t["expr"].replace("$job", "herald")
        exprs.append(expr)
        for metric in re.findall(r"\b(herald_[a-z_]+|up)\b", expr):
            base = re.sub(r"_(bucket|sum|count)$", "", metric)
            if metric not in exported and base not in exported:
                failures.append(f"panel '{panel['title']}': Herald exports no metric {metric}")
ids = [p["id"] for p in dashboard["panels"]]
if len(ids) != len(set(ids)):
    failures.append("panel ids repeat")

promtool = os.path.join(root, ".cache", "prometheus", "usr", "bin", "promtool")
if not os.access(promtool, os.X_OK):
    promtool = shutil.which("promtool")
if not promtool:
    failures.append("promtool not found (scripts/install-deps.sh unpacks it)")
else:
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as rules:
        rules.write("groups:\n  - name: dashboard\n    rules:\n")
        for i, expr in enumerate(exprs):
            rules.write(f"      - record: dashboard:query{i}\n        expr: {json.dumps(expr)}\n")
    result = subprocess.run([promtool, "check", "rules", rules.name], capture_output=True, text=True)
    os.unlink(rules.name)
    if result.returncode != 0:
        failures.append("promtool rejects a query:\n" + result.stdout + result.stderr)

for f in failures:
    print("FAIL:", f)
print(f"{len(dashboard['panels'])} panels, {len(exprs)} queries checked, {len(failures)} failures")
sys.exit(1 if failures else 0)
