#!/usr/bin/env bash
# The JShell transcript test (kernel/jshell_transcript_test.py): ./mpo4j jshell fed a script. Needs only
# java/jshell and python3 (no Jupyter).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY=/usr/bin/python3; [[ -x "$PY" ]] || PY="$(command -v python3)"
exec "$PY" "$ROOT/kernel/jshell_transcript_test.py"
