#!/usr/bin/env python3
"""Validates every golden request body against its channel's machine-readable rules.

usage: validate_golden.py TESTS_PLUGINS_DIR

Also checks that each schema rejects a known-bad payload, so this check can fail.
"""
import glob
import json
import os
import sys

from jsonschema import Draft6Validator, Draft202012Validator

root = sys.argv[1]
schemas = os.path.join(root, "schemas")


def load(name):
    with open(os.path.join(schemas, name), encoding="utf-8") as f:
        return json.load(f)


card = Draft6Validator(load("adaptive-card-1.4.0.schema.json"))
envelope = Draft202012Validator(load("teams-workflows-webhook-envelope.schema.json"))
slack = Draft202012Validator(load("slack-message-limits.schema.json"))
pd_alert = Draft202012Validator(load("pagerduty-events-v2-alert-event.schema.json"))
pd_change = Draft202012Validator(load("pagerduty-events-v2-change-event.schema.json"))


def teams(body):
    errors = list(envelope.iter_errors(body))
    for attachment in body.get("attachments", []):
        errors += card.iter_errors(attachment.get("content"))
        if attachment.get("content", {}).get("version") != "1.4":
            errors.append("card version is not 1.4")
    if len(json.dumps(body, ensure_ascii=False).encode()) > 28 * 1024:
        errors.append("over Teams' 28 KB message limit")
    return errors


def teams_with_mentions(body):
    """Teams mentions need the card's `msteams.entities`, which the strict Adaptive Card 1.4
    schema does not know: the card is checked without it, and each entity must be a mention
    whose `<at>` text appears in the card."""
    errors = []
    for attachment in body.get("attachments", []):
        card = attachment.get("content", {})
        entities = card.pop("msteams", {}).get("entities", [])
        if not entities:
            errors.append("expected msteams.entities for the mentions")
        text = json.dumps(card.get("body", []), ensure_ascii=False)
        for entity in entities:
            mentioned = entity.get("mentioned", {})
            if entity.get("type") != "mention" or not mentioned.get("id") or not mentioned.get("name"):
                errors.append(f"bad mention entity {entity}")
            if entity.get("text") != f"<at>{mentioned.get('name')}</at>" or entity.get("text") not in text:
                errors.append(f"mention text {entity.get('text')!r} is not in the card")
    return errors + teams(body)


def pagerduty(body):
    return list((pd_change if "event_action" not in body else pd_alert).iter_errors(body))


validators = {
    "slack-webhook": lambda b: list(slack.iter_errors(b)),
    "slack-bot": lambda b: list(slack.iter_errors({k: v for k, v in b.items() if k not in ("channel", "ts", "thread_ts")})),
    "slack-custom": lambda b: list(slack.iter_errors(b)),
    "teams": teams,
    "teams-custom": teams_with_mentions,
    "pagerduty-custom": pagerduty,
    "pagerduty-alerts": pagerduty,
    "pagerduty-changes": pagerduty,
}

# Each schema must reject an obviously broken payload.
bad = {
    "slack-webhook": {"text": "x", "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}]},
    "teams": {"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive",
                                                   "content": {"type": "AdaptiveCard", "version": "1.4", "body": [{"type": "TextBlock"}]}}]},
    "pagerduty-alerts": {"routing_key": "short", "event_action": "trigger", "payload": {"summary": "s" * 1025}},
}
failures = 0
for name, payload in bad.items():
    if not validators[name](payload):
        print(f"FAIL self-test: the {name} rules accepted a broken payload")
        failures += 1

checked = 0
for name, validate in validators.items():
    files = sorted(glob.glob(os.path.join(root, name, "golden", "*.json")))
    if not files:
        print(f"FAIL {name}: no golden files")
        failures += 1
    for path in files:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        if doc.get("skip"):
            continue
        checked += 1
        for error in validate(doc["body"]):
            detail = str(getattr(error, "message", error))[:200]
            for sub in getattr(error, "context", [])[:3]:
                detail += f" | {list(sub.absolute_path)}: {sub.message[:120]}"
            print(f"FAIL {os.path.relpath(path, root)}: {detail}")
            failures += 1

print(f"{checked} golden payloads checked against channel schemas, {failures} problems")
sys.exit(1 if failures else 0)
