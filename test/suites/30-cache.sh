#!/usr/bin/env bash
# Suite: the response cache across backends, in both modes.
#   bash test/suites/30-cache.sh RUN_DIR
# 1. Shared (the run's cluster preloads snowfdw): a backend terminated while
#    it waits for the answer that would fill an entry leaves the cache
#    usable, and one backend's entry answers another backend.
# 2. Backend-local: a second small cluster without shared_preload_libraries;
#    each backend has its own cache, and a write in one backend drops the
#    entries of another (a catalog invalidation, sent at commit).
# Prints `N passed, N failed` last.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
RUN_DIR=${1:?usage: 30-cache.sh RUN_DIR}
LOCAL_DATA=$RUN_DIR/data-local
LOCAL_PORT=55439
passed=0
failed=0

stop_local() {
  [ -f "$LOCAL_DATA/postmaster.pid" ] &&
    as_postgres "$PG_BIN/pg_ctl" -D "$LOCAL_DATA" -m fast -w stop >/dev/null 2>&1
  rm -rf "$LOCAL_DATA"
}
trap stop_local EXIT

emu() { "$PYTHON" "$EMU_DIR/emuctl.py" "$@"; }
requests() { emu log --tsv | wc -l; }
# q PORT SQL: run SQL in a new backend of the cluster on PORT, database cache_suite
q() { as_postgres "$PG_BIN/psql" -X -At -q -v ON_ERROR_STOP=1 -h "$RUN_DIR" -p "$1" -d cache_suite -c "$2"; }
# setup PORT: a database with a server whose cache_ttl is an hour
setup() { make_cache_db "$1" cache_suite; }

# ---------------------------------------------------------------------
# 1. shared mode
# ---------------------------------------------------------------------
setup "$PGPORT"
check "shared mode when preloaded" "t" "$(q "$PGPORT" "SELECT shared FROM snowfdw_cache_info()")"
q "$PGPORT" "SELECT snowfdw_cache_clear()" >/dev/null
emu clear-log
emu fault '{"method": "GET", "times": 1, "action": "latency", "ms": 4000}' >/dev/null
q "$PGPORT" "SELECT count(*) FROM t" >"$RUN_DIR/cache-victim.out" 2>&1 &
victim=$!
pid=""
for _ in $(seq 1 50); do
  pid=$(q "$PGPORT" "SELECT pid FROM pg_stat_activity WHERE query = 'SELECT count(*) FROM t' AND state = 'active'")
  [ -n "$pid" ] && [ "$(requests)" -ge 1 ] && break
  sleep 0.1
done
check "a backend waits for the answer that would fill an entry" "1" "$(requests)"
q "$PGPORT" "SELECT pg_terminate_backend($pid)" >/dev/null
wait "$victim"
check "the terminated backend got no rows" "1" "$(grep -c 'terminating connection' "$RUN_DIR/cache-victim.out")"
emu clear-faults >/dev/null
emu clear-log
check "another backend reads after the termination" "8" "$(q "$PGPORT" "SELECT count(*) FROM t")"
check "... with one request" "1" "$(requests)"
check "a third backend hits the second one's entry" "8" "$(q "$PGPORT" "SELECT count(*) FROM t")"
check "... with no request" "1" "$(requests)"
check "one entry, no half-filled one" "1" "$(q "$PGPORT" "SELECT entries FROM snowfdw_cache_info()")"
# misses: the terminated backend's lookup and the second backend's
check "shared statistics count every backend's hits and misses" "1 2" \
  "$(q "$PGPORT" "SELECT cache_hits || ' ' || cache_misses FROM snowfdw_stats WHERE server_name = 's'")"
as_postgres "$PG_BIN/psql" -X -q -h "$RUN_DIR" -p "$PGPORT" -d postgres -c "DROP DATABASE cache_suite" >/dev/null

# ---------------------------------------------------------------------
# 2. backend-local mode
# ---------------------------------------------------------------------
saved_pid=$PG_PID
start_cluster "$LOCAL_PORT" "" "$LOCAL_DATA"
PG_PID=$saved_pid
export PGPORT=$LOCAL_PORT
setup "$LOCAL_PORT"
check "backend-local mode without preload" "f" "$(q "$LOCAL_PORT" "SELECT shared FROM snowfdw_cache_info()")"
emu clear-log
out=$(as_postgres "$PG_BIN/psql" -X -At -q -h "$RUN_DIR" -p "$LOCAL_PORT" -d cache_suite \
  -c "SELECT count(*) FROM t" -c "SELECT count(*) FROM t")
check "one backend: two statements" "8 8" "$(echo $out)"
check "... with one request" "1" "$(requests)"
check "a new backend has its own cache" "8" "$(q "$LOCAL_PORT" "SELECT count(*) FROM t")"
check "... and makes its own request" "2" "$(requests)"
check "statistics are this backend's" "0" "$(q "$LOCAL_PORT" "SELECT count(*) FROM snowfdw_stats")"

# a session caches the listing; another backend inserts; the first sees it
emu clear-log
out=$(as_postgres "$PG_BIN/psql" -X -At -q -h "$RUN_DIR" -p "$LOCAL_PORT" -d cache_suite <<SQL
SELECT count(*) FROM t;
SELECT count(*) FROM t;
\! $PG_BIN/psql -X -q -h $RUN_DIR -p $LOCAL_PORT -d cache_suite -c "INSERT INTO t (name) VALUES ('SUITE_NEW')"
SELECT count(*) FROM t;
SELECT bool_or(name = 'SUITE_NEW') FROM t;
SQL
)
check "another backend's INSERT reaches this backend's cache" "8 8 9 t" "$(echo $out)"
check "... which asked again after the write only" "2" "$(emu log --tsv | awk -F'\t' '$3 == "GET"' | wc -l)"
out=$(as_postgres "$PG_BIN/psql" -X -At -q -h "$RUN_DIR" -p "$LOCAL_PORT" -d cache_suite <<SQL
SELECT count(*) FROM t;
\! $PG_BIN/psql -X -q -h $RUN_DIR -p $LOCAL_PORT -d cache_suite -c "DELETE FROM t WHERE name = 'SUITE_NEW'"
SELECT count(*) FROM t;
SQL
)
check "and another backend's DELETE too" "9 8" "$(echo $out)"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
