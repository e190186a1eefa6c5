#!/usr/bin/env bash
# Shared pieces of the test and demo scripts: build, keys, emulator, cluster.
# Source it; it defines functions and variables, and starts nothing by itself.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
PG_BIN=$("$PG_CONFIG" --bindir)
PYTHON=/usr/bin/python3
EMU_DIR=$REPO/test/emulator
PG_PID=""
EMU_PID=""

# as_postgres CMD...: run a command as the postgres OS user, keeping the environment
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# build_and_install: compile (warnings are errors here) and install the extension
build_and_install() {
  make -C "$REPO" -s PG_CONFIG="$PG_CONFIG" COPT=-Werror >/dev/null
  make -C "$REPO" -s PG_CONFIG="$PG_CONFIG" install >/dev/null
}

# prepare_run_dir DIR: an empty directory the postgres user owns
prepare_run_dir() {
  RUN_DIR=$1
  rm -rf "$RUN_DIR"
  mkdir -p "$RUN_DIR"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$RUN_DIR"; fi
}

# make_keys: RSA key pairs for key-pair JWT tests, and the fixture that knows them
make_keys() {
  local k="$RUN_DIR/keys"
  as_postgres mkdir -p "$k"
  as_postgres openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$k/alice.pem" 2>/dev/null
  as_postgres openssl pkey -in "$k/alice.pem" -pubout -out "$k/alice.pub" 2>/dev/null
  as_postgres openssl pkcs8 -topk8 -v2 aes-256-cbc -in "$k/alice.pem" -passout pass:test-passphrase-42 -out "$k/alice_enc.pem" 2>/dev/null
  as_postgres openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$k/other.pem" 2>/dev/null
  chmod 0600 "$k"/*.pem
}

# write_fixture SRC DEST: the emulator fixture with ALICE's public key registered
write_fixture() {
  "$PYTHON" - "$1" "$2" "$RUN_DIR/keys/alice.pub" <<'PY'
import json, sys
src, dest, pub = sys.argv[1:4]
fixture = json.load(open(src))
users = fixture.setdefault("users", [])
key = open(pub).read()
for user in users:
    if user.get("name") == "ALICE":
        user.setdefault("public_keys", []).append(key)
        break
else:
    users.append({"name": "ALICE", "role": "SYSADMIN", "public_keys": [key]})
json.dump(fixture, open(dest, "w"), indent=1)
PY
}

# start_emulator FIXTURE: start the emulator on a free loopback port
start_emulator() {
  local fixture=$1
  rm -f "$RUN_DIR/emu.port"
  as_postgres "$PYTHON" "$EMU_DIR/snowemu.py" --port-file "$RUN_DIR/emu.port" \
    --fixture "$fixture" --quiet >"$RUN_DIR/emulator.log" 2>&1 &
  local launcher=$!
  for _ in $(seq 1 100); do
    [ -s "$RUN_DIR/emu.port" ] && break
    kill -0 "$launcher" 2>/dev/null || { cat "$RUN_DIR/emulator.log"; return 1; }
    sleep 0.1
  done
  [ -s "$RUN_DIR/emu.port" ] || { echo "emulator did not start" >&2; return 1; }
  # $! is the shell around runuser; stop the server process itself later
  EMU_PID=$(pgrep -f -n "snowemu.py --port-file $RUN_DIR/emu.port") || EMU_PID=$launcher
  export SNOWFDW_EMU_URL="http://127.0.0.1:$(cat "$RUN_DIR/emu.port")"
  export SNOWFDW_EMUCTL="$EMU_DIR/emuctl.py"
  export SNOWFDW_TEST_DIR="$REPO/test"
  export SNOWFDW_KEY_DIR="$RUN_DIR/keys"
  echo "$EMU_PID" >"$RUN_DIR/emulator.pid"
}

# start_cluster PORT [PRELOAD [DATA]]: initdb and start a private cluster,
# socket in RUN_DIR; shared_preload_libraries = PRELOAD (default snowfdw, so
# that the response cache is shared; "" for none); data directory DATA
# (default RUN_DIR/data, log RUN_DIR/postgres.log; otherwise DATA.log)
start_cluster() {
  PGPORT_TEST=$1
  local preload=${2-snowfdw}
  local data=${3:-$RUN_DIR/data}
  local log=$RUN_DIR/postgres.log
  [ "$data" = "$RUN_DIR/data" ] || log=$data.log
  as_postgres "$PG_BIN/initdb" -D "$data" -U postgres --encoding=UTF8 \
    --no-locale --auth=trust >"$data.initdb.log" 2>&1
  # the backends inherit SNOWFDW_* from this environment
  as_postgres "$PG_BIN/pg_ctl" -D "$data" -l "$log" -w \
    -o "-p $PGPORT_TEST -k $RUN_DIR -c listen_addresses='' -c log_min_messages=warning -c shared_preload_libraries='$preload'" \
    start >/dev/null
  PG_PID=$(head -1 "$data/postmaster.pid")
  export PGHOST=$RUN_DIR PGPORT=$PGPORT_TEST PGUSER=postgres
}

# stop_all: stop the cluster and the emulator by PID, whatever state they are in
stop_all() {
  if [ -n "${RUN_DIR:-}" ] && [ -f "$RUN_DIR/data/postmaster.pid" ]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$RUN_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  if [ -n "$EMU_PID" ]; then
    kill "$EMU_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$EMU_PID" 2>/dev/null || break; sleep 0.1; done
  fi
}
