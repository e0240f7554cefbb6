# Shared by the az scripts: point the real az at the server the way the README tells a new
# user to (`eval "$(vnetlab connect --env)"`), and a tiny test harness.
# Needs: VNETLAB (binary), AZ_BIN (the az venv's bin), SERVER_STATE (the server's state),
# WORK (scratch directory).

export PATH=$AZ_BIN:$PATH
export VNETLAB_STATE=$SERVER_STATE

# The lines `vnetlab connect` prints: environment, version-check seed, cloud register, login.
connect_az() {
  local lines
  lines=$("$VNETLAB" connect --env) || return 1
  eval "$lines"
  # Belt and braces: the printed lines must have pre-seeded az's update check.
  [ -s "$AZURE_CONFIG_DIR/versionCheck.json" ] || { echo "versionCheck.json was not seeded"; return 1; }
}

PASS=0
FAIL=0
ok() { echo "ok     $1"; PASS=$((PASS + 1)); }
bad() { echo "FAILED $1"; FAIL=$((FAIL + 1)); }

# t NAME WANT_RC WANT_STDOUT|- COMMAND…: runs COMMAND, checks its exit code and (unless -) its
# whole stdout. OUT holds stdout, ERR stderr afterwards.
t() {
  local name=$1 want_rc=$2 want=$3 rc
  shift 3
  OUT=$("$@" 2>"$WORK/stderr")
  rc=$?
  ERR=$(cat "$WORK/stderr")
  if [ "$rc" = "$want_rc" ] && { [ "$want" = - ] || [ "$OUT" = "$want" ]; }; then
    ok "$name"
  else
    bad "$name (exit $rc, wanted $want_rc; stdout: ${OUT:0:400}; stderr: ${ERR:0:400})"
  fi
}

# has NAME NEEDLE HAYSTACK
has() {
  case "$3" in
    *"$2"*) ok "$1" ;;
    *) bad "$1 (no '$2' in: ${3:0:400})" ;;
  esac
}
