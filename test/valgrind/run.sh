#!/usr/bin/env bash
# Run pg_regress tests against a postmaster under valgrind memcheck and fail
# if any valgrind error has a snowfdw frame (src/*/*.c, snowfdw.so) in its stack.
#
#   bash test/valgrind/run.sh [-n] DIR [TEST...]
#       -n      do not build (use the snowfdw.so already installed)
#       DIR     scratch directory, wiped first (e.g. /tmp/snowfdw-vg)
#       TEST    pg_regress tests (default: all of them, as in the Makefile)
#
#   bash test/valgrind/run.sh [-n] -l "20 200" DIR
#       leak mode: for each count N, one backend runs leak.sql N times and
#       exits; prints its definitely/indirectly/possibly lost bytes and the
#       heap still in use at exit (--leak-check=full).
#
# SNOWFDW_VG_TRACK_ORIGINS=no leaves out where uninitialised values come
# from (about half the CPU; make test's run, which only needs to know
# whether there is an error).  PG_CONFIG selects the server (default
# Debian's 15).  Debian's server is
# built without USE_VALGRIND, so valgrind sees malloc'd memory only (libcurl,
# OpenSSL, cJSON-free parts of snowfdw, memory-context blocks as a whole); a
# server built with CPPFLAGS=-DUSE_VALGRIND and --enable-cassert also makes
# every palloc chunk visible (see README.md for building one).
#
# snowfdw is built with COPT='-O0 -g' in DIR/build (a copy, so the work tree
# is not touched) and installed into PG_CONFIG's directories: for Debian's
# server that replaces the shared snowfdw.so; rebuild normally afterwards.
# make test runs it through test/suites/60-valgrind.sh; everything is 2 to
# 20 times slower under valgrind.
# Everything started here is stopped by PID at exit.  Output: DIR/vg.PID.log
# (one per process), DIR/vg-errors.txt (errors with snowfdw frames),
# DIR/postgres.log, DIR/regress/.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/../lib.sh"
export PG_CONFIG

usage() { sed -n '2,28p' "$0" >&2; exit 2; }
build=1
leak_counts=""
while getopts "nl:" opt; do
  case $opt in
    n) build=0 ;;
    l) leak_counts=$OPTARG ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage
DIR=$1; shift
TESTS=("$@")
if [ ${#TESTS[@]} -eq 0 ]; then
  read -r -a TESTS <<<"$(sed -n 's/^REGRESS = //p' "$REPO/Makefile")"
fi
VG_PORT=${VG_PORT:-55507}
SUPP=$HERE/postgres.supp
VG_RUNNER=""

# stop_vg: fast shutdown of the postmaster, then the emulator, by PID
stop_vg() {
  if [ -n "${RUN_DIR:-}" ] && [ -f "$RUN_DIR/data/postmaster.pid" ]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$RUN_DIR/data" -m fast -t 600 -w stop >/dev/null 2>&1 || true
  fi
  if [ -n "$VG_RUNNER" ]; then wait "$VG_RUNNER" 2>/dev/null; VG_RUNNER=""; fi
  if [ -n "$EMU_PID" ]; then
    kill "$EMU_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$EMU_PID" 2>/dev/null || break; sleep 0.1; done
    EMU_PID=""
  fi
}
trap stop_vg EXIT

# build_debug: -O0 -g build of a copy of the sources, installed for PG_CONFIG;
# the test build (the regression tests use its clock and fault points)
build_debug() {
  local b=$RUN_DIR/build
  mkdir -p "$b"
  (cd "$REPO" && tar cf - --exclude='*.o' --exclude='*.bc' --exclude='*.so' \
     Makefile snowfdw.control snowfdw--*.sql src) | (cd "$b" && tar xf -) || return 1
  make -C "$b" -s PG_CONFIG="$PG_CONFIG" COPT='-O0 -g' SNOWFDW_FAULT_INJECTION=yes \
    >"$RUN_DIR/build.log" 2>&1 &&
    make -C "$b" -s PG_CONFIG="$PG_CONFIG" SNOWFDW_FAULT_INJECTION=yes install >>"$RUN_DIR/build.log" 2>&1 ||
    { cat "$RUN_DIR/build.log"; return 1; }
}

# start_vg_cluster VALGRIND_OPTS: initdb (natively), then the postmaster
# under valgrind; backends are forked from it, so every backend is checked.
# Programs the backends run (COPY FROM PROGRAM: sh, python) are not traced.
start_vg_cluster() {
  as_postgres "$PG_BIN/initdb" -D "$RUN_DIR/data" -U postgres --encoding=UTF8 \
    --no-locale --auth=trust >"$RUN_DIR/initdb.log" 2>&1 || { cat "$RUN_DIR/initdb.log"; return 1; }
  # the backends inherit SNOWFDW_* (emulator URL, key dir) from here
  # shellcheck disable=SC2086
  as_postgres valgrind --tool=memcheck --trace-children=yes \
    --trace-children-skip='/bin/sh,/usr/bin/sh,*python*' \
    --track-origins="${SNOWFDW_VG_TRACK_ORIGINS:-yes}" --read-inline-info=yes --num-callers=40 \
    --error-exitcode=0 --fullpath-after= \
    --error-markers=VG-ERROR-BEGIN,VG-ERROR-END \
    --suppressions="$SUPP" $1 --log-file="$RUN_DIR/vg.%p.log" \
    "$PG_BIN/postgres" -D "$RUN_DIR/data" -p "$VG_PORT" -k "$RUN_DIR" \
    -c listen_addresses='' -c max_connections=10 -c autovacuum=off -c jit=off \
    -c log_min_messages=warning -c shared_preload_libraries=snowfdw \
    >"$RUN_DIR/postgres.log" 2>&1 &
  VG_RUNNER=$!
  for _ in $(seq 1 300); do
    "$PG_BIN/pg_isready" -q -h "$RUN_DIR" -p "$VG_PORT" && break
    kill -0 "$VG_RUNNER" 2>/dev/null || { tail -20 "$RUN_DIR/postgres.log"; return 1; }
    sleep 1
  done
  "$PG_BIN/pg_isready" -q -h "$RUN_DIR" -p "$VG_PORT" ||
    { echo "postmaster did not start" >&2; return 1; }
  export PGHOST=$RUN_DIR PGPORT=$VG_PORT PGUSER=postgres
  env | grep -E '^(SNOWFDW_|PGHOST|PGPORT|PGUSER|PG_CONFIG)' | sed 's/^/export /' >"$RUN_DIR/env.sh"
}

# snowfdw_errors [LOG...]: every valgrind error (or definite leak) block whose
# stack has a frame in snowfdw: a src/*/*.c file of the build, or snowfdw.so.
# Reads every process log by default.
snowfdw_errors() {
  local files
  [ $# -gt 0 ] || set -- "$RUN_DIR"/vg.*.log
  files=$(cd "$REPO/src" && ls -- */*.c | sed 's/\.c$//' | paste -sd'|')
  awk -v re="/src/($files)\\.c:[0-9]+\\)" '
    /VG-ERROR-BEGIN/ { inblk = 1; blk = ""; hit = 0; next }
    /VG-ERROR-END/   { if (hit) printf "---- %s\n%s", FILENAME, blk; inblk = 0; next }
    inblk { blk = blk $0 "\n"; if ($0 ~ re || index($0, "snowfdw.so")) hit = 1 }
  ' "$@"
}

# snowfdw_definite LOG: bytes in the definite leak records of one process log
# that have a snowfdw frame ("N bytes in" or "N (D direct, I indirect) bytes
# in"); "-" when the process has not written its leak summary
snowfdw_definite() {
  grep -q 'ERROR SUMMARY' "$1" 2>/dev/null || { echo "-"; return; }
  snowfdw_errors "$1" | awk '/ are definitely lost / {
      for (i = 2; i <= NF; i++) { v = $i; gsub(/,/, "", v); if (v ~ /^[0-9]+$/) { s += v; break } } }
    END { print s + 0 }'
}

# summarize: count errors, print those with snowfdw frames, set the status
summarize() {
  snowfdw_errors >"$RUN_DIR/vg-errors.txt"
  errors=$(grep -c '^---- ' "$RUN_DIR/vg-errors.txt")
  total=$(cat "$RUN_DIR"/vg.*.log | grep -c 'VG-ERROR-BEGIN')
  echo "valgrind: $(ls "$RUN_DIR"/vg.*.log | wc -l) process logs, $total error(s) in all (after suppressions), $errors with snowfdw frames"
  if [ "$errors" -gt 0 ]; then
    echo "---- errors with snowfdw frames ($RUN_DIR/vg-errors.txt):"
    head -200 "$RUN_DIR/vg-errors.txt"
    return 1
  fi
}

prepare_run_dir "$DIR"
if [ "$build" -eq 1 ]; then build_debug || exit 1; fi
make_keys
make_tls_certs
write_fixture "$EMU_DIR/fixtures/test.json" "$RUN_DIR/fixture.json"
start_emulator "$RUN_DIR/fixture.json" || exit 1

if [ -n "$leak_counts" ]; then
  # ---- leak mode: one backend per count; it reports its leaks as it exits
  as_postgres openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$RUN_DIR/keys/ec.pem" 2>/dev/null && chmod 0600 "$RUN_DIR/keys/ec.pem"
  start_vg_cluster "--leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite" || exit 1
  as_postgres "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d postgres \
    -f "$HERE/leak-setup.sql" >"$RUN_DIR/leak-setup.out" 2>&1 ||
    { cat "$RUN_DIR/leak-setup.out"; exit 1; }
  printf '%-6s %-8s %10s %10s %10s %14s %8s %16s\n' iters pid definite indirect possible \
    in-use-at-exit seconds snowfdw-definite
  for n in $leak_counts; do
    start=$(date +%s)
    as_postgres "$PG_BIN/psql" -X -q -d postgres -v iterations="$n" \
      -f "$HERE/leak.sql" >"$RUN_DIR/leak-$n.out" 2>&1
    pid=$(sed -n 's/^backend pid: *//p' "$RUN_DIR/leak-$n.out" | tail -1)
    log=$RUN_DIR/vg.$pid.log
    for _ in $(seq 1 120); do grep -q 'ERROR SUMMARY' "$log" 2>/dev/null && break; sleep 1; done
    num() { sed -n "s/.*$1: *\([0-9,]*\) bytes.*/\1/p" "$log" | tail -1 | tr -d ,; }
    printf '%-6s %-8s %10s %10s %10s %14s %8s %16s\n' "$n" "$pid" "$(num 'definitely lost')" \
      "$(num 'indirectly lost')" "$(num 'possibly lost')" "$(num 'in use at exit')" \
      "$(( $(date +%s) - start ))" "$(snowfdw_definite "$log")"
    grep -q "iterations done: $n" "$RUN_DIR/leak-$n.out" ||
      { echo "leak.sql did not finish for $n:"; tail -5 "$RUN_DIR/leak-$n.out"; }
  done
  stop_vg
  summarize
  exit
fi

# ---- regression mode
start_vg_cluster "--leak-check=no" || exit 1
start=$(date +%s)
bash "$REPO/test/regress.sh" "$RUN_DIR" "${TESTS[@]}" 2>&1 | tee "$RUN_DIR/regress.out"
echo "regression tests took $(( $(date +%s) - start )) s under valgrind (timing-sensitive tests may fail there)"
stop_vg
summarize
