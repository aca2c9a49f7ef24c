#!/usr/bin/env python3
"""Checks docs/event.schema.json against the examples in docs/events.md.

usage: check_event_schema.py REPO_ROOT

Each ```json block after `<!-- event: valid -->` must pass the schema and each after
`<!-- event: invalid FIELD -->` must fail it (the C++ test EventContractDocs checks Herald's own
parser against the same blocks, so schema, docs and code agree).
"""
import json
import os
import re
import sys

from jsonschema import Draft202012Validator

root = sys.argv[1]
with open(os.path.join(root, "docs", "event.schema.json"), encoding="utf-8") as f:
    schema = json.load(f)
Draft202012Validator.check_schema(schema)
validator = Draft202012Validator(schema)
with open(os.path.join(root, "docs", "events.md"), encoding="utf-8") as f:
    text = f.read()

cases = re.findall(r"<!-- event: (valid|invalid [\w.]+) -->\n```json\n(.*?)```", text, re.S)
failures = 0
for verdict, block in cases:
    event = json.loads(block)
    errors = list(validator.iter_errors(event))
    if verdict == "valid" and errors:
        print(f"FAIL: {event['id']} should pass the schema: {errors[0].message}")
        failures += 1
    elif verdict != "valid" and not errors:
        print(f"FAIL: {event['id']} should fail the schema ({verdict})")
        failures += 1
if len(cases) < 4 or not any(v == "valid" for v, _ in cases):
    print(f"FAIL: expected valid and invalid examples in docs/events.md, found {len(cases)}")
    failures += 1
print(f"{len(cases)} documented events checked against the schema, {failures} failures")
sys.exit(1 if failures else 0)
