#!/usr/bin/env bash
# Shared pieces of the test and demo scripts: build, keys, emulator, cluster.
# Source it; it defines functions and variables, and starts nothing by itself.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# private_pg_config SYSTEM_PG_CONFIG: the pg_config of a private copy of that
# PostgreSQL installation, one per checkout and major, where builds of this
# checkout are installed.  Two checkouts (worktrees, a run copy) that test at
# once then never load each other's snowfdw.so: a backend loads the library
# from the installation's pkglibdir when it starts.  PostgreSQL finds its
# directories relative to its binaries, so a copy of bin, lib and share (and
# the server headers, linked) is a whole installation.  Made again when the
# system's PostgreSQL changes version.  SNOWFDW_PRIVATE_PG=no uses the
# system's installation itself.
private_pg_config() {
  local sys=$1 version root libroot share lock
  if [ "${SNOWFDW_PRIVATE_PG:-yes}" = no ] || [ ! -x "$sys" ]; then
    echo "$sys"
    return
  fi
  case "$sys" in /var/tmp/snowfdw-pg/*) echo "$sys"; return ;; esac
  version=$("$sys" --version)
  libroot=$(dirname "$("$sys" --bindir)")
  root=/var/tmp/snowfdw-pg/$(printf %s "$REPO" | md5sum | cut -c1-8)-$(basename "$libroot")
  share=$("$sys" --sharedir)
  if [ "$(cat "$root/.complete" 2>/dev/null)" != "$version" ]; then
    mkdir -p /var/tmp/snowfdw-pg && chmod 0755 /var/tmp/snowfdw-pg
    lock=$root.lock
    (
      flock 9
      if [ "$(cat "$root/.complete" 2>/dev/null)" != "$version" ]; then
        rm -rf "$root"
        mkdir -p "$root$(dirname "$libroot")" "$root$(dirname "$share")" "$root/usr"
        cp -a "$libroot" "$root$libroot" && cp -a "$share" "$root$share" &&
          ln -s /usr/include "$root/usr/include" &&
          chmod -R a+rX "$root" && echo "$version" >"$root/.complete"
      fi
    ) 9>"$lock"
  fi
  if [ "$(cat "$root/.complete" 2>/dev/null)" = "$version" ]; then
    echo "$root$libroot/bin/pg_config"
  else
    echo "$sys"
  fi
}

# SYSTEM_PG_CONFIG is the installation packages go to (test/suites/90-package.sh)
SYSTEM_PG_CONFIG=${SYSTEM_PG_CONFIG:-${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}}
export SYSTEM_PG_CONFIG
PG_CONFIG=$(private_pg_config "$SYSTEM_PG_CONFIG")
PG_BIN=$("$PG_CONFIG" --bindir)
PYTHON=/usr/bin/python3
EMU_DIR=$REPO/test/emulator
PG_PID=""
EMU_PID=""
EMU_TLS_ARGS=()

# as_postgres CMD...: run a command as the postgres OS user, keeping the environment
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# pg_major: the major of PG_CONFIG, as "PostgreSQL N"
pg_major() {
  "$PG_CONFIG" --version | sed 's/^PostgreSQL \([0-9]*\).*/PostgreSQL \1/'
}

# copy_tree SRC DEST [--no-git]: the tree at SRC, without build and test
# output, into the existing directory DEST, readable by every user.  Prism's
# node_modules (74 MB, 17,000 files) stays out: test/checks/prism.sh uses
# the checkout's.  --no-git leaves .git out too (a chroot's copy: nothing
# there reads the history).
copy_tree() {
  local nogit=()
  [ "${3:-}" = --no-git ] && nogit=(--exclude=./.git)
  tar -C "$1" --exclude=./tmp_check --exclude=./tmp_matrix --exclude=./dist \
    --exclude=./test/prism/node_modules --exclude=./test/fuzz/build "${nogit[@]}" \
    --exclude='*.o' --exclude='*.so' --exclude='*.bc' -cf - . | tar -C "$2" -xf - &&
    chmod -R a+rX "$2"
}

# run_from_copy TAG SCRIPT [ARGS...]: as root, run SCRIPT (a path in this
# checkout) again from a copy of the checkout that every user can read, and
# do not return.  The postgres user runs the server, the emulator and
# pg_regress, and cannot enter a checkout in root's 0700 home; the copy is
# made for every run as root, so that there is one way things run.  The copy
# sits in SNOWFDW_RUN_ROOT (default /var/tmp/snowfdw), one per checkout, and
# is replaced by each run; build output stays out of the checkout.  TAG
# keeps the copies of make test, make demo and make bench apart.  Returns
# at once when not root or already in a copy.
run_from_copy() {
  local tag=$1 script base dest
  script=$(realpath "$2")
  shift 2
  [ "$(id -u)" -eq 0 ] && [ -z "${SNOWFDW_CHECKOUT:-}" ] || return 0
  base=${SNOWFDW_RUN_ROOT:-/var/tmp/snowfdw}
  dest=$base/$(basename "$REPO")-$(printf %s "$REPO" | md5sum | cut -c1-8)-$tag
  mkdir -p "$base"
  chmod 0755 "$base"
  # keep the copy's tmp_check of a previous run out of the way, not the tree
  rm -rf "$dest/tree.new"
  mkdir -p "$dest/tree.new"
  copy_tree "$REPO" "$dest/tree.new" || return 1
  rm -rf "$dest/tree"
  mv "$dest/tree.new" "$dest/tree"
  chmod 0755 "$dest"
  export SNOWFDW_CHECKOUT=$REPO
  echo "(running from a copy of the checkout, $dest/tree, that the postgres user can read)"
  # (and from inside it: commands run as postgres cannot start in the checkout)
  cd "$dest/tree" || return 1
  exec bash "$dest/tree/${script#"$(realpath "$REPO")"/}" "$@"
}

# build_and_install: compile (warnings are errors here) and install the
# extension, with the test build's fault points (src/shmem/fault.c) and without
# JIT bitcode (no test inlines snowfdw; it would double the compile time)
build_and_install() {
  local opts=(-C "$REPO" -s PG_CONFIG="$PG_CONFIG" SNOWFDW_FAULT_INJECTION=yes SNOWFDW_BITCODE=no)
  make "${opts[@]}" -j"$(nproc 2>/dev/null || echo 2)" COPT=-Werror >/dev/null &&
    make "${opts[@]}" install >/dev/null
}

# check NAME EXPECTED ACTUAL: one TAP-like line of a shell suite, counted
# in the suite's passed and failed
check() {
  if [ "$2" = "$3" ]; then
    echo "ok - $1"
    passed=$((passed + 1))
  else
    echo "not ok - $1: expected '$2', got '$3'"
    failed=$((failed + 1))
  fi
}

# wait_for SECONDS CMD...: run CMD every 50 ms until it succeeds, for at
# most SECONDS (a whole number); fails if it never did.  Tests wait for a
# state this way, never for a time they hope is long enough.
wait_for() {
  local deadline=$(($(date +%s) + $1))
  shift
  until "$@"; do
    [ "$(date +%s)" -le "$deadline" ] || return 1
    sleep 0.05
  done
}

# emu_log_facts PYTHON_EXPR: evaluate a Python expression over the
# emulator's JSON log (the list "log", entries as emuctl.py log prints
# them) and print its value; tests state what the log shows this way
# (order by ticks, times the emulator recorded) instead of timing clients
emu_log_facts() {
  "$PYTHON" "$EMU_DIR/emuctl.py" log |
    "$PYTHON" -c 'import json, sys; log = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"
}

# make_cache_db PORT DB: a new database DB on the cluster on PORT, with a
# server whose cache_ttl is an hour and a table t of the schemas of SALES
make_cache_db() {
  as_postgres "$PG_BIN/psql" -X -q -h "$RUN_DIR" -p "$1" -d postgres \
    -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $2" \
    -c "CREATE DATABASE $2" >/dev/null
  as_postgres "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$RUN_DIR" -p "$1" -d "$2" \
    -v url="$SNOWFDW_EMU_URL" >/dev/null <<'SQL'
CREATE EXTENSION snowfdw;
CREATE SERVER s FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'url', cache_ttl '3600');
CREATE USER MAPPING FOR CURRENT_USER SERVER s OPTIONS (token 'test-pat-alice-0123456789');
CREATE FOREIGN TABLE t (name text) SERVER s OPTIONS (object 'schemas', database 'SALES');
SQL
  test_build_functions "$1" "$2"
}

# test_build_functions PORT DB: the test build's SQL functions (src/shmem/shmem.c,
# src/shmem/inflight.c)
# in DB: advance_clock(seconds) ages the cache's entries, inflight_markers()
# lists the owners of the in-flight markers
test_build_functions() {
  as_postgres "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$RUN_DIR" -p "$1" -d "$2" >/dev/null <<'SQL'
CREATE FUNCTION advance_clock(seconds float8) RETURNS float8
  AS 'snowfdw', 'snowfdw_fault_advance_clock' LANGUAGE C STRICT;
CREATE FUNCTION inflight_markers() RETURNS TABLE (pid int)
  AS 'snowfdw', 'snowfdw_fault_inflight_markers' LANGUAGE C;
SQL
}

# prepare_run_dir DIR: an empty directory the postgres user owns
prepare_run_dir() {
  RUN_DIR=$1
  rm -rf "$RUN_DIR"
  mkdir -p "$RUN_DIR"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$RUN_DIR"; fi
}

# make_keys: RSA key pairs for key-pair JWT tests, and the fixture that knows them.
# With SNOWFDW_KEYS_FROM (a directory make_keys fills: run-tests.sh makes
# them once for all majors, while they build), a copy of those once it has
# its .done marker: one of them takes OpenSSL some 10 s of CPU to make.
make_keys() {
  local k="$RUN_DIR/keys"
  if [ -n "${SNOWFDW_KEYS_FROM:-}" ] && wait_for 300 test -e "$SNOWFDW_KEYS_FROM/.done"; then
    as_postgres mkdir -p "$k"
    cp "$SNOWFDW_KEYS_FROM"/*.pem "$SNOWFDW_KEYS_FROM"/*.pub "$k"/ &&
      chown -R postgres: "$k" 2>/dev/null
    chmod 0600 "$k"/*.pem
    as_postgres touch "$k/.done"
    return
  fi
  as_postgres mkdir -p "$k"
  as_postgres openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$k/alice.pem" 2>/dev/null
  as_postgres openssl pkey -in "$k/alice.pem" -pubout -out "$k/alice.pub" 2>/dev/null
  as_postgres openssl pkcs8 -topk8 -v2 aes-256-cbc -in "$k/alice.pem" -passout pass:test-passphrase-42 -out "$k/alice_enc.pem" 2>/dev/null
  # key derivation at the cap (works), just over it and far over it (refused
  # before any decryption: the last takes OpenSSL some 10 s to make)
  local enc=(-topk8 -in "$k/alice.pem" -passout pass:test-passphrase-42)
  as_postgres openssl pkcs8 "${enc[@]}" -v2 aes-256-cbc -iter 100000 -out "$k/alice_cap.pem" 2>/dev/null
  as_postgres openssl pkcs8 "${enc[@]}" -v2 aes-256-cbc -iter 100001 -out "$k/alice_over.pem" 2>/dev/null
  as_postgres openssl pkcs8 "${enc[@]}" -v2 aes-256-cbc -iter 20000000 -out "$k/alice_slow.pem" 2>/dev/null
  as_postgres openssl pkcs8 "${enc[@]}" -scrypt -scrypt_N 16384 -scrypt_r 8 -scrypt_p 4 -out "$k/alice_scrypt.pem" 2>/dev/null
  as_postgres openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$k/other.pem" 2>/dev/null
  chmod 0600 "$k"/*.pem
  # (complete: a run may copy them from here)
  as_postgres touch "$k/.done"
}

# make_tls_certs: a CA and HTTPS certificates for the emulator, made per run in
# RUN_DIR/tls (EC P-256, quick to make).  The CA (ca.pem) is what tests pass as
# ca_file.  Listeners: https (localhost and 127.0.0.1, trusted), untrusted (the
# same names, from a CA nobody trusts), otherhost (trusted, for another host
# name) and expired (trusted, expired yesterday).  Sets EMU_TLS_ARGS.
make_tls_certs() {
  local d="$RUN_DIR/tls" ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  # CAs that strict verifiers accept too (key usage present)
  local ca=(-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign)
  as_postgres mkdir -p "$d"
  (
    cd "$d" || exit 1
    # sign NAME CA SAN DAYS: NAME.pem for key server.key, signed by CA; DAYS -1
    # is expired since yesterday (OpenSSL 3.0 takes -days -1, 3.4 and later
    # refuse it and take -not_before/-not_after instead)
    sign() {
      local validity=(-days "$4")
      printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nauthorityKeyIdentifier=keyid\n' "$3" >"$1.ext"
      if [ "$4" -lt 0 ] && openssl x509 -help 2>&1 | grep -q -- -not_after; then
        validity=(-not_before "$(date -u -d '-2 days' +%Y%m%d%H%M%SZ)"
                  -not_after "$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)")
      fi
      openssl x509 -req -in server.csr -CA "$2.pem" -CAkey "$2.key" -set_serial "0x$(openssl rand -hex 8)" \
        "${validity[@]}" -extfile "$1.ext" -out "$1.pem"
    }
    openssl req -x509 "${ec[@]}" "${ca[@]}" -keyout ca.key -out ca.pem -days 2 -subj "/CN=snowfdw test CA" &&
    openssl req -x509 "${ec[@]}" "${ca[@]}" -keyout untrusted-ca.key -out untrusted-ca.pem -days 2 -subj "/CN=snowfdw untrusted CA" &&
    openssl req "${ec[@]}" -keyout server.key -out server.csr -subj "/CN=localhost" &&
    sign https ca "DNS:localhost,IP:127.0.0.1" 2 &&
    sign untrusted untrusted-ca "DNS:localhost,IP:127.0.0.1" 2 &&
    sign otherhost ca "DNS:snowfdw-other.invalid" 2 &&
    sign expired ca "DNS:localhost,IP:127.0.0.1" -1
  ) >"$d/openssl.log" 2>&1 || { cat "$d/openssl.log" >&2; return 1; }
  if [ "$(id -u)" -eq 0 ]; then chown -R postgres: "$d"; fi
  chmod 0600 "$d"/*.key
  EMU_TLS_ARGS=()
  local name
  for name in https untrusted otherhost expired; do
    EMU_TLS_ARGS+=(--tls "$name" "$d/$name.pem" "$d/server.key")
  done
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
    --fixture "$fixture" --quiet "${EMU_TLS_ARGS[@]}" >"$RUN_DIR/emulator.log" 2>&1 &
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
  # each HTTPS listener NAME: SNOWFDW_EMU_<NAME>_URL=https://localhost:PORT
  local name scheme port rest
  while IFS=$'\t' read -r name scheme port rest; do
    [ "$scheme" = https ] || continue
    export "SNOWFDW_EMU_${name^^}_URL=https://localhost:$port"
  done < <("$PYTHON" "$SNOWFDW_EMUCTL" listeners)
  [ "${#EMU_TLS_ARGS[@]}" -eq 0 ] || export SNOWFDW_TLS_DIR="$RUN_DIR/tls"
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
