#!/usr/bin/env bash
# Writes every YAML block of a doc page marked `<!-- example: PATH -->` to PATH in a scratch
# directory, then runs `herald config check` on the host config among them: the examples a
# reader copies must pass the check they document.
#   check_doc_examples.sh HERALD PLUGIN_DIR DOC.md
set -euo pipefail
herald=$1 plugins=$2 doc=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$doc" "$work" <<'PY'
import os, re, sys
doc, out = sys.argv[1], sys.argv[2]
text = open(doc).read()
blocks = re.findall(r'<!-- example: (\S+) -->\n```yaml\n(.*?)```', text, re.S)
if not blocks:
    sys.exit("no marked examples in " + doc)
for path, body in blocks:
    dest = os.path.join(out, path)
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    open(dest, "w").write(body)
    print("example:", path)
PY
"$herald" config check "$work/herald.yaml" --plugins "$plugins"
