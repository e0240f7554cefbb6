#!/usr/bin/env bash
# Creates (or reuses) the venvs of the real Microsoft clients under a cache directory:
#   $VNETLAB_CLIENTS_CACHE/az   azure-cli (pinned)
#   $VNETLAB_CLIENTS_CACHE/sdk  azure-mgmt-network + azure-mgmt-resource (pinned)
# A venv is rebuilt only when its requirements file changed (its hash is kept beside it).
# This is the only step that reaches a registry (PyPI); the tests themselves run offline.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${VNETLAB_CLIENTS_CACHE:-$HOME/.cache/vnetlab-ci}
PY=${PYTHON:-python3}
mkdir -p "$CACHE"
for name in az sdk; do
  req="$HERE/requirements-$name.txt"
  venv="$CACHE/$name"
  want=$(sha256sum "$req" | cut -d' ' -f1)
  if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.requirements.sha256" 2>/dev/null)" = "$want" ]; then
    echo "venv $name: reusing $venv"
    continue
  fi
  echo "venv $name: creating $venv (a few minutes for azure-cli on a cold cache)"
  rm -rf "$venv"
  "$PY" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
  echo "$want" > "$venv/.requirements.sha256"
done
