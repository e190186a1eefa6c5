#!/usr/bin/env bash
# Prism, an independent OpenAPI validator, checks snowfdw's requests and the
# emulator's responses against the official spec:
#   bash test/prism/check.sh RUN_DIR
# Starts its own emulator and a `prism proxy --errors` in front of it (both in
# RUN_DIR/prism), runs test/prism/traffic.sql against the running cluster
# (PGHOST/PGPORT/PGUSER from the environment) with the server url pointing at
# Prism, and exits 0 only if every request and response passed validation.
# Run test/prism/install.sh first.  See test/prism/README.md.
set -uo pipefail
MAIN_RUN_DIR=${1:?usage: check.sh RUN_DIR}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/../lib.sh"
# (test/checks/prism.sh passes the checkout's when this is a run copy)
PRISM=${SNOWFDW_PRISM:-$HERE/node_modules/.bin/prism}
PRISM_PID=""
DB=snowfdw_prism

cleanup() {
  if [ -n "$PRISM_PID" ]; then
    kill "$PRISM_PID" 2>/dev/null || true
    wait "$PRISM_PID" 2>/dev/null || true
  fi
  if [ -n "$EMU_PID" ]; then
    kill "$EMU_PID" 2>/dev/null || true
    wait "$EMU_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT
fail() { echo "prism: $*" >&2; exit 1; }

[ -x "$PRISM" ] || fail "Prism is not installed: run test/prism/install.sh"
[ -n "${PGHOST:-}" ] && [ -n "${PGPORT:-}" ] || fail "PGHOST and PGPORT must name the running cluster"

# the spec: SNOWFDW_SPEC_DIR, else the copy vendored in test/spec
spec_dir=${SNOWFDW_SPEC_DIR:-$REPO/test/spec}
[ -n "$spec_dir" ] && [ -f "$spec_dir/common.yaml" ] || fail "spec not found (set SNOWFDW_SPEC_DIR)"
export SNOWFDW_SPEC_DIR=$spec_dir

# RUN_DIR is what lib.sh's functions use: our own subdirectory
prepare_run_dir "$MAIN_RUN_DIR/prism"
"$PYTHON" "$HERE/prismtool.py" merge "$spec_dir" "$RUN_DIR/spec" || fail "cannot merge the spec"

# the emulator's fixture, without the names the spec cannot return (README)
src_fixture=$MAIN_RUN_DIR/fixture.json
[ -f "$src_fixture" ] || src_fixture=$EMU_DIR/fixtures/test.json
"$PYTHON" "$HERE/prismtool.py" fixture "$src_fixture" "$RUN_DIR/fixture.json" "$spec_dir" \
  >"$RUN_DIR/fixture-excluded.txt" || fail "cannot write the fixture"
chown postgres: "$RUN_DIR/fixture.json" 2>/dev/null || true
start_emulator "$RUN_DIR/fixture.json" || fail "the emulator did not start"
emu_url=$SNOWFDW_EMU_URL

# Prism on a free port (it does not take port 0); loopback needs no proxy
port=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
env -u http_proxy -u https_proxy -u HTTP_PROXY -u HTTPS_PROXY -u all_proxy -u ALL_PROXY \
  NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost \
  "$PRISM" proxy "$RUN_DIR/spec/snowflake.yaml" "$emu_url" --errors \
  --host 127.0.0.1 --port "$port" >"$RUN_DIR/prism.log" 2>&1 &
PRISM_PID=$!
prism_url=http://127.0.0.1:$port
up=0
for _ in $(seq 1 300); do
  kill -0 "$PRISM_PID" 2>/dev/null || break
  # any HTTP answer (Prism's own 401 without credentials) means it listens
  if "$PYTHON" - "$prism_url" <<'PY' 2>/dev/null
import sys, urllib.error, urllib.request
try:
    urllib.request.urlopen(sys.argv[1] + "/api/v2/databases", timeout=1)
except urllib.error.HTTPError:
    pass
PY
  then up=1; break; fi
  sleep 0.1
done
[ "$up" -eq 1 ] || { tail -20 "$RUN_DIR/prism.log" >&2; fail "Prism did not start"; }
# the probe above is not traffic: start counting from here
: >"$RUN_DIR/prism.log"
"$PYTHON" "$EMU_DIR/emuctl.py" --url "$emu_url" clear-log || fail "emuctl clear-log failed"

# the token comes from the fixture and goes in as a psql variable only
pat=$("$PYTHON" "$HERE/prismtool.py" token "$RUN_DIR/fixture.json" ALICE) || fail "no token for ALICE"

# key-pair JWT too, when the main run made ALICE's key (and registered it in
# the fixture this emulator started from)
key_file=""
if [ "$src_fixture" = "$MAIN_RUN_DIR/fixture.json" ] && [ -f "$MAIN_RUN_DIR/keys/alice.pem" ]; then
  key_file=$MAIN_RUN_DIR/keys/alice.pem
fi

psql_base=(psql -X -q -v ON_ERROR_STOP=1 -d postgres)
"${psql_base[@]}" -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null \
  || fail "cannot create database $DB"
# the client-side emuctl (psql \!) must reach our emulator, not the main one
SNOWFDW_EMU_URL=$emu_url SNOWFDW_EMUCTL=$EMU_DIR/emuctl.py \
  psql -X -v ON_ERROR_STOP=1 -d "$DB" -v pat="$pat" -v prism_url="$prism_url" \
  -v key_file="$key_file" \
  -f "$HERE/traffic.sql" >"$RUN_DIR/traffic.out" 2>&1
rc=$?
"${psql_base[@]}" -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
unset pat

"$PYTHON" "$EMU_DIR/emuctl.py" --url "$emu_url" log >"$RUN_DIR/emu-log.json" || fail "emuctl log failed"
sleep 0.2   # Prism writes its last lines after answering
summary=$("$PYTHON" "$HERE/prismtool.py" summary "$RUN_DIR/emu-log.json" "$RUN_DIR/prism.log")
src=$?

# never leave a token in what this check wrote (without printing it)
tokfile=$(mktemp)
"$PYTHON" - "$RUN_DIR/fixture.json" >"$tokfile" <<'PY'
import json, sys
for t in json.load(open(sys.argv[1])).get("tokens", []):
    if t.get("token"):
        print(t["token"])
PY
leak=$(grep -l -F -f "$tokfile" "$RUN_DIR/traffic.out" "$RUN_DIR/prism.log" 2>/dev/null)
rm -f "$tokfile"

if [ "$rc" -ne 0 ]; then
  echo "prism: traffic.sql failed (exit $rc); the end of $RUN_DIR/traffic.out:"
  tail -25 "$RUN_DIR/traffic.out"
fi
if [ -n "$leak" ]; then
  echo "prism: a token appears in: $leak"
fi
grep -h '^PRISM-SKIPPED: ' "$RUN_DIR/traffic.out" | sed 's/^PRISM-SKIPPED: /prism: skipped: /'
[ -s "$RUN_DIR/fixture-excluded.txt" ] && sed 's/^/prism: fixture: /' "$RUN_DIR/fixture-excluded.txt"
echo "$summary" | grep -v '^prism: [0-9]* requests validated'
if [ "$rc" -ne 0 ] || [ "$src" -ne 0 ] || [ -n "$leak" ]; then
  echo "$summary" | grep '^prism: [0-9]* requests validated' | sed 's/^prism: /prism: FAILED: /'
  exit 1
fi
echo "$summary" | grep '^prism: [0-9]* requests validated'
