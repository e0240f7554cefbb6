#!/usr/bin/env bash
# Acceptance tests with the real Microsoft clients against `vnetlab serve`:
#   sdk   the Python SDK flows (sdk_flows.py), synchronous and Azure-style LROs
#   az    the network commands of the seed labs with the real az 2.91 (az_labs.sh)
#   diff  the same az script through the real az + vnetlab serve and through `vnetlab az`
#         embedded, JSON compared (differential.sh)
#   bench per-command wall time, real az + vnetlab serve next to vnetlab az (bench_az.sh)
# Usage: tests/clients/run.sh [sdk] [az] [diff] [bench]     (default: sdk az diff)
#
# Everything runs inside a network namespace of its own with only loopback up (`unshare -n`):
# the real az and the SDK can reach nothing but 127.0.0.1. The venvs come from
# setup_venvs.sh (VNETLAB_CLIENTS_CACHE, default ~/.cache/vnetlab-ci). VNETLAB names the
# binary (default: target/release/vnetlab, else target/debug/vnetlab).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CACHE=${VNETLAB_CLIENTS_CACHE:-$HOME/.cache/vnetlab-ci}

if [ -z "${VNETLAB_IN_NETNS:-}" ]; then
  if ! unshare -n true 2>/dev/null; then
    echo "SKIPPED: the real-client tests need a network namespace (unshare -n), which is not permitted here."
    echo "         They never run with a real network. Run them as root, or where user namespaces are allowed."
    exit 0
  fi
  exec unshare -n env VNETLAB_IN_NETNS=1 bash "$0" "$@"
fi

ip link set lo up
# The namespace must hold loopback and nothing else.
if [ "$(ip -o link show | grep -vc ': lo:')" != 0 ]; then
  echo "ERROR: unexpected interfaces in the test namespace:"; ip -o link show; exit 1
fi

if [ -z "${VNETLAB:-}" ]; then
  VNETLAB=$ROOT/target/release/vnetlab
  [ -x "$VNETLAB" ] || VNETLAB=$ROOT/target/debug/vnetlab
fi
# Absolute: the differential test symlinks it as `az` in another directory, and a relative
# target would dangle there — `az` would then silently be the real az, comparing it with itself.
case "$VNETLAB" in /*) ;; *) VNETLAB=$PWD/$VNETLAB ;; esac
[ -x "$VNETLAB" ] || { echo "ERROR: $VNETLAB is not an executable vnetlab binary"; exit 1; }
export VNETLAB
for venv in az sdk; do
  [ -x "$CACHE/$venv/bin/python" ] || { echo "ERROR: no $venv venv under $CACHE (run tests/clients/setup_venvs.sh)"; exit 1; }
done
export SDK_PY=$CACHE/sdk/bin/python AZ_BIN=$CACHE/az/bin

WORK=$(mktemp -d)
export WORK
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# start_server NAME [serve options…]: a server on a fresh state in $WORK/NAME; sets EP and CERT.
start_server() {
  local name=$1; shift
  mkdir -p "$WORK/$name"
  VNETLAB_STATE=$WORK/$name/state.db "$VNETLAB" serve --listen 127.0.0.1:0 --log "$@" \
    > "$WORK/$name/serve.out" 2> "$WORK/$name/serve.log" &
  PIDS+=($!)
  for _ in $(seq 100); do
    EP=$(sed -n 's/^vnetlab serve: \(https:[^ ]*\).*/\1/p' "$WORK/$name/serve.out")
    [ -n "$EP" ] && break
    sleep 0.05
  done
  [ -n "$EP" ] || { echo "ERROR: vnetlab serve ($name) did not start"; cat "$WORK/$name/serve.log"; exit 1; }
  CERT=$WORK/$name/tls/cert.pem
  SERVER_STATE=$WORK/$name/state.db
  export EP CERT SERVER_STATE
}
export -f start_server 2>/dev/null || true

PASSED=0 FAILED=0
# record SUITE OUTPUT_FILE: adds the suite's `N passed, M failed` to the totals.
record() {
  local line
  line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$2" | tail -1 || true)
  if [ -z "$line" ]; then
    echo "FAILED $1: no result line"; FAILED=$((FAILED + 1)); return
  fi
  PASSED=$((PASSED + $(sed -E 's/.* ([0-9]+) passed.*/\1/' <<<"$line")))
  FAILED=$((FAILED + $(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")))
}

suite_sdk() {
  start_server sdk-sync --page-size 2
  # The generated certificate passes OpenSSL's strict X.509 checks (on by default for
  # urllib3 under Python >= 3.13), trusted as its own CA, for the address clients use.
  if python3 - "$EP" "$CERT" <<'PY'
import socket, ssl, sys
host, port = sys.argv[1].split("//")[1].rsplit(":", 1)
ctx = ssl.create_default_context(cafile=sys.argv[2])
ctx.verify_flags |= ssl.VERIFY_X509_STRICT
with socket.create_connection((host, int(port))) as s, ctx.wrap_socket(s, server_hostname=host) as t:
    assert ("IP Address", "127.0.0.1") in t.getpeercert()["subjectAltName"]
PY
  then echo "ok     certificate passes VERIFY_X509_STRICT"; PASSED=$((PASSED + 1))
  else echo "FAILED certificate under VERIFY_X509_STRICT"; FAILED=$((FAILED + 1)); fi
  "$SDK_PY" "$HERE/sdk_flows.py" --endpoint "$EP" --cert "$CERT" --lro sync --page-size 2 | tee "$WORK/sdk-sync.txt" || true
  record sdk-sync "$WORK/sdk-sync.txt"
  # The snippet `vnetlab connect --sdk` prints runs as printed.
  VNETLAB_STATE=$WORK/sdk-sync/state.db "$VNETLAB" connect --sdk > "$WORK/snippet.py"
  if "$SDK_PY" "$WORK/snippet.py" > "$WORK/snippet.out" 2>&1 && grep -q 'sdk-vnet Succeeded' "$WORK/snippet.out"; then
    echo "ok     vnetlab connect --sdk snippet"; PASSED=$((PASSED + 1))
  else
    echo "FAILED vnetlab connect --sdk snippet"; cat "$WORK/snippet.out"; FAILED=$((FAILED + 1))
  fi
  start_server sdk-async --page-size 3 --lro async --lro-polls 1
  "$SDK_PY" "$HERE/sdk_flows.py" --endpoint "$EP" --cert "$CERT" --lro async --page-size 3 | tee "$WORK/sdk-async.txt" || true
  record sdk-async "$WORK/sdk-async.txt"
}

suite_az() {
  start_server az-sync
  bash "$HERE/az_labs.sh" sync | tee "$WORK/az-sync.txt" || true
  record az-sync "$WORK/az-sync.txt"
  start_server az-async --lro async --lro-polls 1
  AZ_LABS_QUICK=1 bash "$HERE/az_labs.sh" async | tee "$WORK/az-async.txt" || true
  record az-async "$WORK/az-async.txt"
}

suite_diff() {
  start_server diff
  bash "$HERE/differential.sh" | tee "$WORK/diff.txt" || true
  record diff "$WORK/diff.txt"
}

suite_bench() {
  start_server bench
  bash "$HERE/bench_az.sh"
}

SUITES=("$@")
[ ${#SUITES[@]} -gt 0 ] || SUITES=(sdk az diff)
for s in "${SUITES[@]}"; do
  echo "== real clients: $s"
  "suite_$s"
done
[ "${SUITES[*]}" = bench ] && exit 0
# Whatever the clients sent, the server never answered 5xx.
if cat "$WORK"/*/serve.log | grep -E -- '-> 5[0-9][0-9] ' ; then
  echo "FAILED vnetlab serve answered 5xx (above)"; FAILED=$((FAILED + 1))
else
  echo "ok     vnetlab serve answered no 5xx to $(cat "$WORK"/*/serve.log | grep -c -- '-> ') requests"; PASSED=$((PASSED + 1))
fi
echo "real clients: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
