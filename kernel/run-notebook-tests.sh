#!/usr/bin/env bash
# First talks to the kernel through jupyter_client as a front end does (kernel/kernel_protocol_test.py:
# interrupting a training cell, stop_on_error), then executes every notebooks/*.ipynb with the mpo4j
# kernel through real Jupyter (nbconvert), then checks
# the executed outputs (kernel/check_notebooks.py: no errors, charts came back as image/png, tables as
# text/html, tagged expectations) and that re-running one notebook prints the same text.
#   MPO4J_REPRO_NOTEBOOK   the notebook run twice (default notebooks/04-mpo-training.ipynb, whose printed training metrics must repeat; "none" to skip)
#   MPO4J_NOTEBOOKS        notebooks to run (default: notebooks/*.ipynb)
# Without Jupyter: exits 1 under CI=true (CI must install it), else 0 with a message.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY=/usr/bin/python3
JUPYTER=/usr/bin/jupyter

if [[ ! -x "$JUPYTER" || ! -x "$PY" ]] || ! "$PY" -c "import nbconvert, nbclient, jupyter_client" 2>/dev/null; then
  msg="Jupyter is not installed (need /usr/bin/jupyter with nbconvert and nbclient); notebook tests not run.
  Install: apt-get install -y jupyter-nbconvert python3-nbclient jupyter-client"
  if [[ "${CI:-}" == "true" ]]; then echo "run-notebook-tests: FAIL: $msg" >&2; exit 1; fi
  echo "run-notebook-tests: SKIP: $msg" >&2; exit 0
fi

# A private Jupyter home: the kernelspec install must not touch the user's ~/.local/share/jupyter.
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
export JUPYTER_DATA_DIR="$TMP/data" JUPYTER_CONFIG_DIR="$TMP/config" JUPYTER_RUNTIME_DIR="$TMP/runtime"
export JUPYTER="$JUPYTER"
if ! "$ROOT/kernel/mpo4j-kernel.sh" install >"$TMP/install.log" 2>&1; then
  cat "$TMP/install.log" >&2
  echo "run-notebook-tests: FAIL: could not build or install the mpo4j kernel" >&2
  exit 1
fi

failed=0
if ! "$PY" "$ROOT/kernel/kernel_protocol_test.py"; then
  echo "run-notebook-tests: FAIL: kernel/kernel_protocol_test.py" >&2
  failed=1
fi

if [[ -n "${MPO4J_NOTEBOOKS:-}" ]]; then read -r -a notebooks <<< "$MPO4J_NOTEBOOKS"
else notebooks=(notebooks/*.ipynb); fi
[[ -e "${notebooks[0]}" ]] || { echo "run-notebook-tests: no notebooks found" >&2; exit 1; }

# The exception nbconvert ended with: the last line of its traceback that names an error.
reason() { grep -E '^[A-Za-z_.]*(Error|Exception|Interrupt)\b' "$1" | tail -n 1; }

execute() { # notebook output-dir
  local start=$SECONDS attempt
  for attempt in 1 2; do
    if "$JUPYTER" nbconvert --to notebook --execute --ExecutePreprocessor.kernel_name="${MPO4J_KERNEL_NAME:-mpo4j}" \
        --ExecutePreprocessor.timeout="${MPO4J_CELL_TIMEOUT:-600}" --output-dir "$2" "$1" >"$TMP/nbconvert.log" 2>&1; then
      echo "run-notebook-tests: executed $1 in $((SECONDS - start)) s"
      return 0
    fi
    # A kernel that never came up ran none of the notebook: Jupyter chooses its ports and frees them before
    # the kernel binds, and another process can take one in between. Try once more; anything that
    # failed while cells ran is the notebook's own failure and is never retried.
    if [[ $attempt == 1 ]] && grep -qE "Kernel died before replying to kernel_info|Kernel didn't respond in" "$TMP/nbconvert.log"; then
      echo "run-notebook-tests: the kernel for $1 did not start ($(reason "$TMP/nbconvert.log")); starting it once more" >&2
      sed 's/^/  | /' "$TMP/nbconvert.log" | grep -v '^  |   File \|^  |     ' | tail -n 30 >&2
      continue
    fi
    break
  done
  # The cause first: CI logs are often read from the top, and a Python traceback buries it.
  echo "run-notebook-tests: FAIL: $1 did not execute cleanly: $(reason "$TMP/nbconvert.log")" >&2
  cat "$TMP/nbconvert.log" >&2
  echo "run-notebook-tests: FAIL: $1 did not execute cleanly: $(reason "$TMP/nbconvert.log")" >&2
  return 1
}

executed=()
for nb in "${notebooks[@]}"; do
  if execute "$nb" "$TMP/run1"; then executed+=("$TMP/run1/$(basename "$nb")"); else failed=1; fi
done
if [[ ${#executed[@]} -gt 0 ]]; then
  "$PY" "$ROOT/kernel/check_notebooks.py" outputs "${executed[@]}" || failed=1
fi

repro="${MPO4J_REPRO_NOTEBOOK:-notebooks/04-mpo-training.ipynb}"
if [[ "$repro" != none && -f "$repro" && -f "$TMP/run1/$(basename "$repro")" ]]; then
  if execute "$repro" "$TMP/run2"; then
    "$PY" "$ROOT/kernel/check_notebooks.py" same "$TMP/run1/$(basename "$repro")" "$TMP/run2/$(basename "$repro")" \
      && echo "run-notebook-tests: a second run of $repro printed the same text" || failed=1
  else failed=1; fi
fi

if [[ $failed -ne 0 ]]; then echo "run-notebook-tests: FAILED" >&2; exit 1; fi
echo "run-notebook-tests: all ${#notebooks[@]} notebook(s) passed"
