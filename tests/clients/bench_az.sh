#!/usr/bin/env bash
# Per-command wall time: the real az 2.91 against vnetlab serve, next to `vnetlab az` for the
# same commands, embedded (in-process, SQLite) and remote (HTTPS to the same server). Median
# of RUNS runs (default 5), in ms, printed as a Markdown table for docs/benchmarks.md.
# Run by `tests/clients/run.sh bench` (inside the loopback-only namespace).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
RUNS=${RUNS:-5}
# shellcheck source=lib.sh
. "$HERE/lib.sh"
connect_az > "$WORK/bench-connect.log" 2>&1 || { cat "$WORK/bench-connect.log"; exit 1; }
REMOTE_ENDPOINT=$VNETLAB_ENDPOINT

EMB=$WORK/bench-embedded
mkdir -p "$EMB/bin"
ln -sf "$VNETLAB" "$EMB/bin/az"

SETUP=(
  "az group create -n rg -l eastus -o none"
  "az network vnet create -g rg -n v1 --address-prefixes 10.1.0.0/16 --subnet-name default --subnet-prefixes 10.1.0.0/24 -o none"
  "az network vnet create -g rg -n v2 --address-prefixes 10.2.0.0/16 -o none"
  "az network vnet peering create -g rg -n p12 --vnet-name v1 --remote-vnet v2 --allow-vnet-access -o none"
)
COMMANDS=(
  "az group show -n rg -o none"
  "az group create -n rg -l eastus -o none"
  "az network vnet show -g rg -n v1 -o none"
  "az network vnet peering show -g rg -n p12 --vnet-name v1 --query peeringState -o tsv"
  "az network vnet create -g rg -n v1 --address-prefixes 10.1.0.0/16 --subnet-name default --subnet-prefixes 10.1.0.0/24 -o none"
  "az network vnet peering create -g rg -n p12 --vnet-name v1 --remote-vnet v2 --allow-vnet-access -o none"
  "az network nsg create -g rg -n nsg1 -o none"
  "az network vnet list -g rg -o none"
)

# median_ms MODE COMMAND: MODE is real (the real az), embedded or remote (vnetlab az).
median_ms() {
  local mode=$1 cmd=$2 times=() i t0 t1
  for ((i = 0; i < RUNS; i++)); do
    t0=$(date +%s%N)
    case $mode in
      real) bash -c "$cmd" > /dev/null 2>&1 ;;
      embedded) env -u VNETLAB_ENDPOINT VNETLAB_STATE="$EMB/state.db" PATH="$EMB/bin:$PATH" bash -c "$cmd" > /dev/null 2>&1 ;;
      remote) VNETLAB_ENDPOINT=$REMOTE_ENDPOINT PATH="$EMB/bin:$PATH" bash -c "$cmd" > /dev/null 2>&1 ;;
    esac
    t1=$(date +%s%N)
    times+=($(((t1 - t0) / 1000000)))
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p"
}

for c in "${SETUP[@]}"; do
  bash -c "$c" || { echo "setup failed (real az): $c"; exit 1; }
  env -u VNETLAB_ENDPOINT VNETLAB_STATE="$EMB/state.db" PATH="$EMB/bin:$PATH" bash -c "$c" || { echo "setup failed (embedded): $c"; exit 1; }
done

echo "| command | real az + vnetlab serve | vnetlab az, embedded | vnetlab az, remote (HTTPS) |"
echo "|---|---:|---:|---:|"
for c in "${COMMANDS[@]}"; do
  echo "| \`${c% -o none}\` | $(median_ms real "$c") ms | $(median_ms embedded "$c") ms | $(median_ms remote "$c") ms |"
done
echo "(median of $RUNS runs each; $(nproc) cores)"
