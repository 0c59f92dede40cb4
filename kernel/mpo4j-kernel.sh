#!/usr/bin/env bash
# The mpo4j Jupyter kernel (Java cells run by JShell in-process, toolkit on the class path).
#   kernel/mpo4j-kernel.sh install            build if needed, install the kernelspec "mpo4j" (--user); it
#                                             runs this checkout (install from another checkout to switch)
#   kernel/mpo4j-kernel.sh notebook [args]    install, then start JupyterLab (else Notebook) in notebooks/;
#                                             as root it adds --allow-root (Jupyter refuses root otherwise)
#   kernel/mpo4j-kernel.sh run NB.ipynb [...] install, then execute notebooks headlessly
#                                             (executed copies go to runs/notebooks/, or use --inplace)
#   kernel/mpo4j-kernel.sh classpath          print the kernel's class path
# Environment (read at install): MPO4J_XMX (kernel heap, default 8g), MPO4J_JAVA_OPTS (extra JVM flags,
#   e.g. -Dmpo4j.kernel.interruptGraceMillis=30000), MPO4J_KERNEL_NAME (kernelspec name, default mpo4j:
#   notebooks ask for "mpo4j"; another name keeps a second checkout's kernel side by side), MPO4J_CDS=0 (no
#   start-up class-data archive; by default install makes one per build in kernel/target/cds/),
#   JUPYTER (the jupyter command), JAVA_HOME.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KERNEL_JAR="$ROOT/kernel/target/mpo4j-kernel-0.1.0-SNAPSHOT.jar"
KERNEL_CP="$ROOT/kernel/target/classpath.txt"
NAME="${MPO4J_KERNEL_NAME:-mpo4j}"
[[ "$NAME" =~ ^[A-Za-z0-9._-]+$ ]] || { echo "mpo4j-kernel: MPO4J_KERNEL_NAME may hold letters, digits, . _ - only, got '$NAME'" >&2; exit 2; }

die() { echo "mpo4j-kernel: $*" >&2; exit 1; }

jupyter_cmd() {
  # Debian's Jupyter lives in /usr/bin; a pyenv/venv python3 on PATH may not have it.
  if [[ -n "${JUPYTER:-}" ]]; then echo "$JUPYTER"
  elif [[ -x /usr/bin/jupyter ]]; then echo /usr/bin/jupyter
  elif command -v jupyter >/dev/null 2>&1; then command -v jupyter
  else return 1; fi
}

need_jupyter() {
  jupyter_cmd >/dev/null || die "Jupyter is not installed. On Debian/Ubuntu:
    sudo apt-get install -y jupyter-nbconvert python3-nbclient jupyter-client   # headless runs (./mpo4j run)
    sudo apt-get install -y jupyter-notebook                                     # the browser UI (./mpo4j notebook)
  (or pip install jupyterlab). JShell works without Jupyter: ./mpo4j jshell"
}

ensure_built() {
  if [[ ! -f "$KERNEL_JAR" || ! -f "$KERNEL_CP" ]] || [[ -n "$(cd "$ROOT" && find toolkit/src/main kernel/src/main pom.xml toolkit/pom.xml kernel/pom.xml -newer "$KERNEL_JAR" -type f -print -quit 2>/dev/null)" ]]; then
    echo "mpo4j-kernel: building the toolkit and the kernel..." >&2
    (cd "$ROOT" && mvn -q -B -DskipTests package)  # the kernel's class path names the toolkit jar in toolkit/target
  fi
}

classpath() { echo "$KERNEL_JAR:$(cat "$KERNEL_CP")"; }

java_cmd() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then echo "$JAVA_HOME/bin/java"
  else readlink -f "$(command -v java)" 2>/dev/null || die "java is not on PATH"; fi
}

json_string() { # a JSON string literal
  local s="${1//\\/\\\\}"; s="${s//\"/\\\"}"; printf '"%s"' "$s"
}

# Class-data sharing (CDS): a kernel's start is mostly loading and verifying classes (javac, JShell, jjava,
# ZeroMQ, the toolkit and its libraries) and javac's first run. Once per build (at install) ClassDataWarmUp
# does what a first session does under -XX:ArchiveClassesAtExit; the kernelspec then names that archive on
# top of the JDK's own one. A kernel whose archive is missing or stale (jars rebuilt since) falls back to the
# JDK's archive without a word, and the next install makes a new one. MPO4J_CDS=0 turns this off.
CDS_ARCHIVE="$ROOT/kernel/target/cds/kernel.jsa"

# What an archive must match: the JVM, the class path and the JVM flags (heap size and compressed pointers).
cds_key() {
  local java; java="$(java_cmd)"
  printf '%s\n' "$java" "$(stat -c '%s %Y' "$(dirname "$(dirname "$java")")/lib/modules" 2>/dev/null)" \
    "$(classpath)" "${MPO4J_XMX:-8g}" "${MPO4J_JAVA_OPTS:-}"
}

# True when $1 is missing, or older than the jars or the class path file.
older_than_build() {
  [[ ! -f "$1" || "$KERNEL_JAR" -nt "$1" || "$KERNEL_CP" -nt "$1" ]] \
    || [[ -n "$(find "$ROOT/toolkit/target" -maxdepth 1 -name '*.jar' -newer "$1" -print -quit)" ]]
}

# Prints the JVM options that use the archive (made first when missing or stale), or nothing. A failure is
# not retried until the build or the settings change: every install would pay for the attempt.
kernel_cds_options() {
  [[ "${MPO4J_CDS:-1}" != 0 ]] || return 0
  local java; java="$(java_cmd)"
  local base; base="$(dirname "$(dirname "$java")")/lib/server/classes.jsa"
  [[ -f "$base" ]] || return 0   # a JDK without its default archive: nothing to stack ours on
  local key; key="$(cds_key)"
  if ! older_than_build "$CDS_ARCHIVE.failed" && [[ "$(cat "$CDS_ARCHIVE.failed")" == "$key" ]]; then return 0; fi
  if older_than_build "$CDS_ARCHIVE" || [[ ! -f "$CDS_ARCHIVE.key" || "$(cat "$CDS_ARCHIVE.key")" != "$key" ]]; then
    make_kernel_cds || { printf '%s\n' "$key" > "$CDS_ARCHIVE.failed"; return 0; }
  fi
  # base:top keeps the JDK's archive when ours cannot be used; -Xlog:cds...=off keeps that silent (the
  # JVM would warn on stdout).
  printf '%s\n' "-XX:SharedArchiveFile=$base:$CDS_ARCHIVE" -Xlog:cds=off -Xlog:cds+dynamic=off
}

# Runs the warm-up, stopped after 5 minutes: a hung warm-up must not keep the kernel from being installed.
bounded() { if command -v timeout >/dev/null 2>&1; then timeout 300 "$@"; else "$@"; fi; }

make_kernel_cds() {
  local dir; dir="$(dirname "$CDS_ARCHIVE")"; mkdir -p "$dir"
  find "$dir" -maxdepth 1 -name '.making.*' -mmin +60 -exec rm -rf {} + 2>/dev/null || true  # interrupted ones
  # Made under a temporary name in the same folder and renamed when complete: a kernel never maps a
  # half-written archive (one that is running keeps the file it mapped).
  local tmp; tmp="$(mktemp -d "$dir/.making.XXXXXX")"
  local extra=(); read -r -a extra <<< "${MPO4J_JAVA_OPTS:-}"
  local started=$SECONDS
  echo "mpo4j-kernel: preparing the kernel's start-up archive for this build (once)..." >&2
  if bounded "$(java_cmd)" -XX:ArchiveClassesAtExit="$tmp/kernel.jsa" -Djava.awt.headless=true -Dai.djl.offline=true \
       "-Dmpo4j.home=$ROOT" "-Xmx${MPO4J_XMX:-8g}" ${extra[@]+"${extra[@]}"} -cp "$(classpath)" \
       mpo4j.kernel.ClassDataWarmUp >"$tmp/warmup.log" 2>&1 </dev/null && [[ -s "$tmp/kernel.jsa" ]]; then
    cds_key > "$tmp/kernel.jsa.key"
    mv -f "$tmp/kernel.jsa" "$CDS_ARCHIVE" && mv -f "$tmp/kernel.jsa.key" "$CDS_ARCHIVE.key" && rm -rf "$tmp" \
      && rm -f "$CDS_ARCHIVE.failed" \
      && echo "mpo4j-kernel: start-up archive ready in $((SECONDS - started)) s" >&2 && return 0
  fi
  echo "mpo4j-kernel: could not prepare the start-up archive (the kernel starts without it); see $tmp" >&2
  return 1
}

install_kernelspec() {
  need_jupyter
  ensure_built
  local J; J="$(jupyter_cmd)"
  # One kernelspec name serves one checkout: say so when this install takes it over from another one.
  local old; old="$("$J" --data-dir 2>/dev/null)/kernels/$NAME/kernel.json"
  if [[ -f "$old" ]]; then
    local before; before="$(grep -o '"mpo4j_home": *"[^"]*"' "$old" | sed 's/.*: *"//; s/"$//')"
    if [[ -n "$before" && "$before" != "$ROOT" ]]; then
      echo "mpo4j-kernel: the kernel \"$NAME\" ran $before; it now runs $ROOT (MPO4J_KERNEL_NAME=another-name keeps both)" >&2
    fi
  fi
  local spec; spec="$(mktemp -d)/$NAME"; mkdir -p "$spec"
  local extra=(); read -r -a extra <<< "${MPO4J_JAVA_OPTS:-}"
  local cds=(); while IFS= read -r o; do cds+=("$o"); done < <(kernel_cds_options)
  local argv=("$(java_cmd)" -Djava.awt.headless=true -Dai.djl.offline=true "-Dmpo4j.home=$ROOT"
              "-Xmx${MPO4J_XMX:-8g}" ${cds[@]+"${cds[@]}"} ${extra[@]+"${extra[@]}"} -cp "$(classpath)" mpo4j.kernel.Main "{connection_file}")
  {
    printf '{\n  "argv": ['
    local first=1
    for a in "${argv[@]}"; do
      [[ $first -eq 1 ]] || printf ', '
      first=0
      json_string "$a"
    done
    printf '],\n  "display_name": "mpo4j (Java)",\n  "language": "java",\n'
    # Jupyter must send interrupt_request messages: a SIGINT would end the JVM, and its state with it.
    printf '  "interrupt_mode": "message",\n  "metadata": {"mpo4j_home": %s}\n}\n' "$(json_string "$ROOT")"
  } > "$spec/kernel.json"
  "$J" kernelspec install --user --replace --name "$NAME" "$spec" >&2
  rm -rf "$(dirname "$spec")"
  echo "mpo4j-kernel: kernel \"$NAME\" runs the checkout $ROOT" >&2
}

# The browser front end to start: JupyterLab when it is installed (as "jupyter lab" or jupyter-lab on
# PATH, e.g. from pip), else the classic Notebook.
front_end() {
  local J="$1"
  if "$J" lab --version >/dev/null 2>&1; then echo "$J lab"
  elif command -v jupyter-lab >/dev/null 2>&1; then command -v jupyter-lab
  elif "$J" notebook --version >/dev/null 2>&1; then echo "$J notebook"
  elif command -v jupyter-notebook >/dev/null 2>&1; then command -v jupyter-notebook
  else return 1; fi
}

cmd="${1:-help}"; [[ $# -gt 0 ]] && shift
case "$cmd" in
  install) install_kernelspec ;;
  classpath) ensure_built; classpath ;;
  notebook)
    install_kernelspec
    if ! read -r -a ui <<< "$(front_end "$(jupyter_cmd)")" || [[ ${#ui[@]} -eq 0 ]]; then
      echo "mpo4j-kernel: the kernel \"$NAME\" is installed, but no Jupyter front end was found.
  Install one:  sudo apt-get install -y jupyter-notebook   (or: pip install jupyterlab)
  Then run ./mpo4j notebook again, or pick the \"mpo4j (Java)\" kernel in any Jupyter client (VS Code too).
  Headless: ./mpo4j run notebooks/00-smoke.ipynb" >&2
      exit 3
    fi
    extra=()
    if [[ "$(id -u)" == 0 && " $* " != *" --allow-root "* ]]; then
      # Jupyter exits with "Running as root is not recommended" unless told; containers often run as root.
      echo "mpo4j-kernel: running as root, so Jupyter gets --allow-root" >&2
      extra=(--allow-root)
    fi
    exec "${ui[@]}" --notebook-dir="$ROOT/notebooks" ${extra[@]+"${extra[@]}"} "$@" ;;
  run)
    [[ $# -ge 1 ]] || die "usage: $0 run NOTEBOOK.ipynb [more notebooks] [--inplace | nbconvert options]"
    install_kernelspec
    out=()
    [[ " $* " == *" --inplace "* || " $* " == *" --output-dir"* ]] || { mkdir -p "$ROOT/runs/notebooks"; out=(--output-dir "$ROOT/runs/notebooks"); }
    exec "$(jupyter_cmd)" nbconvert --to notebook --execute \
      --ExecutePreprocessor.kernel_name="$NAME" --ExecutePreprocessor.timeout="${MPO4J_CELL_TIMEOUT:-600}" \
      "${out[@]}" "$@" ;;
  help|-h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" ;;
  *) die "unknown command '$cmd' (install | notebook | run NB | classpath)" ;;
esac
