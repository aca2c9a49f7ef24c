#!/usr/bin/env python3
"""Checks Herald's stage graph: no cycles, and no file including a stage its library does not
link (directly or through the stages it links). Usage: check_layering.py STAGE_GRAPH HOST_SRC

STAGE_GRAPH has one line per stage, `name:dep,dep,...` (written by host/CMakeLists.txt);
HOST_SRC is host/src, with one folder per stage."""
import os
import re
import sys

graph_file, src = sys.argv[1], sys.argv[2]
graph = {}
for line in open(graph_file):
    line = line.strip()
    if not line:
        continue
    name, _, deps = line.partition(":")
    graph[name] = [d for d in deps.split(",") if d]

problems = []

def reach(stage, seen=None, path=()):
    seen = set() if seen is None else seen
    for dep in graph.get(stage, []):
        if dep in path or dep == stage:
            problems.append("cycle: " + " -> ".join(path + (stage, dep)))
            continue
        if dep not in seen:
            seen.add(dep)
            reach(dep, seen, path + (stage,))
    return seen

allowed = {stage: reach(stage) | {stage} for stage in graph}
include = re.compile(r'#include "([a-z_]+)/')
folders = sorted(d for d in os.listdir(src) if os.path.isdir(os.path.join(src, d)))
for folder in folders:
    if folder not in graph:
        problems.append(f"host/src/{folder}/ is not a stage library (add it to host/CMakeLists.txt)")
        continue
    for name in sorted(os.listdir(os.path.join(src, folder))):
        path = os.path.join(src, folder, name)
        if not name.endswith((".cpp", ".hpp")):
            continue  # e.g. the web view's assets in admin/ui/
        for number, text in enumerate(open(path, encoding="utf-8"), 1):
            m = include.search(text)
            if m and m.group(1) in graph and m.group(1) not in allowed[folder]:
                problems.append(f"host/src/{folder}/{name}:{number}: includes {m.group(1)}/, "
                                f"which stage '{folder}' does not link")

for p in sorted(set(problems)):
    print(p)
print(f"layering: {len(graph)} stages, {len(set(problems))} problems")
sys.exit(1 if problems else 0)
