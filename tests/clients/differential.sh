#!/usr/bin/env bash
# Differential test: the same az script through the real az 2.91 against vnetlab serve and
# through `vnetlab az` embedded (in-process, its own fresh state), command by command. Exit
# codes, JSON outputs (etags, GUIDs and timestamps masked) and error lines must agree: the
# real az's client-side logic and vnetlab's emulation of it see the same control plane.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
connect_az > "$WORK/diff-connect.log" 2>&1 || { cat "$WORK/diff-connect.log"; echo "diff: 0 passed, 1 failed"; exit 1; }

# `vnetlab az` embedded: `az` on its own PATH is the vnetlab binary, on a fresh state.
EMB=$WORK/embedded
mkdir -p "$EMB/bin"
ln -sf "$VNETLAB" "$EMB/bin/az"
# Guard: the embedded side must really be vnetlab, not the real az further down the PATH.
[ "$(PATH="$EMB/bin:$PATH" command -v az)" = "$EMB/bin/az" ] && [ -x "$EMB/bin/az" ] \
  || { echo "ERROR: embedded az is not vnetlab ($VNETLAB)"; echo "diff: 0 passed, 1 failed"; exit 1; }
run_embedded() {
  env -u VNETLAB_ENDPOINT VNETLAB_STATE="$EMB/state.db" PATH="$EMB/bin:$PATH" bash -c "$1"
}

N=0
while IFS= read -r cmd; do
  case "$cmd" in ''|'#'*) continue ;; esac
  N=$((N + 1))
  A=$WORK/diff/$N/real B=$WORK/diff/$N/embedded
  mkdir -p "$A" "$B"
  bash -c "$cmd" > "$A/out" 2> "$A/err"; echo $? > "$A/rc"
  run_embedded "$cmd" > "$B/out" 2> "$B/err"; echo $? > "$B/rc"
  if python3 "$HERE/compare_outputs.py" "$A" "$B" > "$WORK/diff/$N/report"; then
    ok "same: $cmd"
  else
    bad "differs: $cmd"
    cat "$WORK/diff/$N/report"
  fi
done < "$HERE/differential_commands.txt"
echo "diff: $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
