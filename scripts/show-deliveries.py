#!/usr/bin/env python3
"""Prints what the fake channels received, one line per request: channel, status, path, gist."""
import json
import sys
import urllib.request

url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:9901"


def gist(body):
    if not isinstance(body, dict):
        return ""
    if "event_action" in body or "routing_key" in body:
        summary = body.get("payload", {}).get("summary", "")
        return f"{body.get('event_action', 'change')}: {summary or body.get('dedup_key', '')}"
    if "text" in body:
        return body["text"]
    for attachment in body.get("attachments", []):
        for block in attachment.get("content", {}).get("body", []):
            for item in block.get("items", []):
                if item.get("text"):
                    return item["text"]
    if "event" in body:
        return f"event {body['event'].get('id')}"
    return ""


with urllib.request.urlopen(url + "/_fake/requests", timeout=5) as response:
    requests = json.load(response)["requests"]
for r in requests:
    try:
        body = json.loads(r["body"])
    except ValueError:
        body = None
    print(f"  {r['channel']:<10} {r['status']:<4} {r['path']:<48} {gist(body)}")
if not requests:
    print("  (nothing received)")
