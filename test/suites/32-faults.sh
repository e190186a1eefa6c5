#!/usr/bin/env bash
# Suite: the error paths of the shared state, through the test build's fault
# points (src/shmem/fault.c, snowfdw.fault_point), in both modes.
#   bash test/suites/32-faults.sh RUN_DIR
# Each point fails once: the statement that reaches it fails with
# SQLSTATE 53200 (out of memory), or, where snowfdw absorbs the failure
# (an answer not kept, a count left out), succeeds without it; the next
# statement succeeds; and another backend uses the cache and the
# statistics without waiting on a lock.  No error is raised while a lock of
# snowfdw's is held: the test build looks when the error is raised (a
# fault point's own error) or reported (any other), and turns it into
# XX000 naming the lock (src/shmem/shmem.c), so an expected 53200 says that too.
# Between statements, this backend holds no LWLock (snowfdw's own by
# LWLockHeldByMe, any by the interrupt holdoff count): that catches a lock
# left held by a statement that succeeded.
# 1. Shared: a cluster of its own that preloads snowfdw, restarted before
#    each point that makes the shared area, so that the area is made anew.
# 2. Backend-local: a cluster without preload (no DSA there: the points of
#    the area do not exist).
# Prints `N passed, N failed` last.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
RUN_DIR=${1:?usage: 32-faults.sh RUN_DIR}
SHARED_DATA=$RUN_DIR/data-faults-shared
LOCAL_DATA=$RUN_DIR/data-faults-local
SHARED_PORT=55441
LOCAL_PORT=55442
passed=0
failed=0

stop_cluster() {
  [ -f "$1/postmaster.pid" ] &&
    as_postgres "$PG_BIN/pg_ctl" -D "$1" -m fast -w stop >/dev/null 2>&1
  rm -rf "$1"
}
trap 'stop_cluster "$SHARED_DATA"; stop_cluster "$LOCAL_DATA"' EXIT

emu() { "$PYTHON" "$EMU_DIR/emuctl.py" "$@"; }
requests() { emu log --tsv | wc -l; }
# psql_on PORT: psql of a new backend on PORT, database faults, SQLSTATE only
psql_on() {
  as_postgres timeout 60 "$PG_BIN/psql" -X -At -q -h "$RUN_DIR" -p "$1" -d faults \
    -v VERBOSITY=sqlstate 2>&1 | sed -E 's/^psql:[^:]*:[0-9]+: //; s/^(ERROR|NOTICE): +//'
}
# q PORT SQL: one statement in a new backend
q() { echo "$2" | psql_on "$1"; }
# setup PORT: a database with a table whose server caches for an hour, and
# the test build's lock report
setup() {
  make_cache_db "$1" faults
  as_postgres "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$RUN_DIR" -p "$1" -d faults \
    -c "CREATE FUNCTION locks_held(OUT snowfdw_locks int, OUT interrupt_holdoffs int)
          AS 'snowfdw', 'snowfdw_fault_locks_held' LANGUAGE C" >/dev/null
}
# others_unblocked PORT: another backend scans (cache and statistics) under
# a time limit, and no backend waits on an LWLock meanwhile
others_unblocked() {
  local out waits
  out=$(echo "SELECT count(*) FROM t; SELECT count(*) FROM snowfdw_stats;" |
    as_postgres timeout 20 "$PG_BIN/psql" -X -At -q -h "$RUN_DIR" -p "$1" -d faults 2>&1 | tr '\n' ' ')
  waits=$(q "$1" "SELECT count(*) FROM pg_stat_activity WHERE datname = 'faults' AND wait_event_type = 'LWLock'")
  echo "${out}waits=$waits"
}
# fault PORT POINT SETUP_SQL STATEMENT: one backend runs SETUP_SQL (its
# output unseen), arms POINT, runs STATEMENT, reports its locks, runs
# STATEMENT again; prints the three results on one line
fault() {
  psql_on "$1" <<SQL | tr '\n' ' ' | sed 's/ $//'
\o /dev/null
$3
\o
SET snowfdw.fault_point = '$2';
$4
SELECT snowfdw_locks || '/' || interrupt_holdoffs FROM locks_held();
$4
SQL
}

# ---------------------------------------------------------------------
# 1. shared mode
# ---------------------------------------------------------------------
saved_pid=$PG_PID
saved_port=$PGPORT
start_cluster "$SHARED_PORT" snowfdw "$SHARED_DATA"
PG_PID=$saved_pid
export PGPORT=$saved_port
setup "$SHARED_PORT"
restart_shared() {
  as_postgres "$PG_BIN/pg_ctl" -D "$SHARED_DATA" -l "$SHARED_DATA.log" -w -m fast restart >/dev/null
}
check "shared mode" "t" "$(q "$SHARED_PORT" "SELECT shared FROM snowfdw_cache_info()")"

# making the area and its tables: the first backend to use them fails, its
# next statement makes them
for point in dsa_create dshash_create; do
  restart_shared
  check "shared $point: the statement fails, the next succeeds, no lock held" \
    "53200 0/0 8" "$(fault "$SHARED_PORT" "$point" "" "SELECT count(*) FROM t;")"
  check "shared $point: another backend is not blocked" "8 1 waits=0" "$(others_unblocked "$SHARED_PORT")"
  check "shared $point: one entry" "1" "$(q "$SHARED_PORT" "SELECT entries FROM snowfdw_cache_info()")"
done

# attaching to them: the area exists; a new backend fails to attach once
for point in dsa_attach dshash_attach; do
  check "shared $point: the statement fails, the next succeeds, no lock held" \
    "53200 0/0 8" "$(fault "$SHARED_PORT" "$point" "" "SELECT count(*) FROM t;")"
  check "shared $point: another backend is not blocked" "8 1 waits=0" "$(others_unblocked "$SHARED_PORT")"
done

# a backend that loses the race to publish its area drops its own and uses
# the published one: the entry another backend stored answers it
emu clear-log
check "shared area_race: the published area answers, no lock held" "8 0/0 8" \
  "$(fault "$SHARED_PORT" area_race "" "SELECT count(*) FROM t;")"
check "shared area_race: from the cache, one entry" "0 1" \
  "$(requests) $(q "$SHARED_PORT" "SELECT entries FROM snowfdw_cache_info()")"

# storing an answer: the table entry, then the data block; the statement
# succeeds, the answer is not kept (no placeholder stays), the next keeps it
for point in cache_insert cache_alloc; do
  emu clear-log
  check "shared $point: the answer is not kept, the next statement's is" \
    "8 0/0 8" "$(fault "$SHARED_PORT" "$point" "SELECT snowfdw_cache_clear();" "SELECT count(*) FROM t;")"
  check "shared $point: two requests, one entry" "2 1" \
    "$(requests) $(q "$SHARED_PORT" "SELECT entries FROM snowfdw_cache_info()")"
  emu clear-log
  check "shared $point: the kept answer is a hit" "8 0" "$(q "$SHARED_PORT" "SELECT count(*) FROM t") $(requests)"
done

# copying a hit out: the statement fails (after the cache lock is released)
check "shared cache_copy: the statement fails, the next succeeds, no lock held" \
  "53200 0/0 8" "$(fault "$SHARED_PORT" cache_copy "" "SELECT count(*) FROM t;")"
check "shared cache_copy: another backend is not blocked" "8 1 waits=0" "$(others_unblocked "$SHARED_PORT")"
# ... and caught in a PL/pgSQL block, the same transaction goes on (a
# caught error is never reported: the uncaught one above is what shows
# that no lock was held when it was raised)
check "shared cache_copy caught in a subtransaction: the transaction goes on" "caught 0/0 8" \
  "$(psql_on "$SHARED_PORT" <<'SQL' | tr '\n' ' ' | sed 's/ $//'
\set VERBOSITY default
BEGIN;
SET LOCAL snowfdw.fault_point = 'cache_copy';
DO $$BEGIN PERFORM count(*) FROM t; EXCEPTION WHEN out_of_memory THEN RAISE NOTICE 'caught'; END$$;
SELECT snowfdw_locks || '/' || interrupt_holdoffs FROM locks_held();
SELECT count(*) FROM t;
COMMIT;
SQL
)"
# the statistics: a new row's first counting is left out; the rows' copy
# for the view fails the statement
check "shared stats_insert: the statement succeeds, the next counts" "8 0/0 8" \
  "$(fault "$SHARED_PORT" stats_insert "SELECT snowfdw_stats_reset();" "SELECT count(*) FROM t;")"
check "shared stats_insert: counting went on" "t" \
  "$(q "$SHARED_PORT" "SELECT cache_hits > 0 FROM snowfdw_stats WHERE server_name = 's'")"
check "shared stats_rows: the statement fails, the next succeeds, no lock held" "53200 0/0 1" \
  "$(fault "$SHARED_PORT" stats_rows "" "SELECT count(*) FROM snowfdw_stats;")"
check "shared stats_rows: another backend is not blocked" "8 1 waits=0" "$(others_unblocked "$SHARED_PORT")"
# errors are counted after the handler that saw them (which takes no lock)
emu fault '{"method": "GET", "times": 1, "action": "status", "status": 400}' >/dev/null
q "$SHARED_PORT" "SELECT snowfdw_stats_reset(); SELECT count(*) FROM t WHERE name = 'NOT_CACHED'" >/dev/null
emu clear-faults >/dev/null
check "shared: an error is counted by the time its statement returned" "1" \
  "$(q "$SHARED_PORT" "SELECT errors FROM snowfdw_stats WHERE server_name = 's'")"
stop_cluster "$SHARED_DATA"

# ---------------------------------------------------------------------
# 2. backend-local mode
# ---------------------------------------------------------------------
start_cluster "$LOCAL_PORT" "" "$LOCAL_DATA"
PG_PID=$saved_pid
export PGPORT=$saved_port
setup "$LOCAL_PORT"
check "backend-local mode" "f" "$(q "$LOCAL_PORT" "SELECT shared FROM snowfdw_cache_info()")"
# the local table's entry raises the error itself (dynahash), nothing kept
check "local cache_insert: the statement fails, the next succeeds, no lock held" \
  "53200 0/0 8" "$(fault "$LOCAL_PORT" cache_insert "" "SELECT count(*) FROM t;")"
emu clear-log
check "local cache_alloc: the answer is not kept, the next statement's is" \
  "8 0/0 8" "$(fault "$LOCAL_PORT" cache_alloc "" "SELECT count(*) FROM t;")"
check "local cache_alloc: two requests" "2" "$(requests)"
check "local cache_copy: the statement fails, the next succeeds, no lock held" \
  "53200 0/0 8" "$(fault "$LOCAL_PORT" cache_copy "SELECT count(*) FROM t;" "SELECT count(*) FROM t;")"
check "local stats_insert: the statement fails, the next succeeds, no lock held" \
  "53200 0/0 8" "$(fault "$LOCAL_PORT" stats_insert "" "SELECT count(*) FROM t;")"
check "local stats_rows: the statement fails, the next succeeds, no lock held" \
  "53200 0/0 1" "$(fault "$LOCAL_PORT" stats_rows "SELECT count(*) FROM t;" "SELECT count(*) FROM snowfdw_stats;")"
check "local: another backend is not blocked" "8 1 waits=0" "$(others_unblocked "$LOCAL_PORT")"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
