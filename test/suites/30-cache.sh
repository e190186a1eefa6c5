#!/usr/bin/env bash
# Suite: the response cache across backends, in both modes.
#   bash test/suites/30-cache.sh RUN_DIR
# 1. Shared (the run's cluster preloads snowfdw): a backend terminated while
#    it waits for the answer that would fill an entry releases its in-flight
#    marker as it exits (the test build's view of the markers shows it is
#    not left for another backend to take over) and leaves the cache
#    usable, and one backend's entry answers another backend; a new
#    backend plans from another's listing; a 429's Retry-After seen by one
#    backend holds off another (the emulator's clock shows no request
#    before that time).
# 2. Backend-local: a second small cluster without shared_preload_libraries;
#    each backend has its own cache, which another backend's writes do not
#    reach (it ages out after cache_ttl), and those writes neither reset
#    its sessions (no new connection) nor its cache; ALTER SERVER does.
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
# the answer is held at a gate, not by a latency that a loaded machine can outlast
emu fault '{"method": "GET", "times": 1, "action": "gate", "name": "victim"}' >/dev/null
q "$PGPORT" "SELECT count(*) FROM t" >"$RUN_DIR/cache-victim.out" 2>&1 &
victim=$!
pid=""
for _ in $(seq 1 600); do
  pid=$(q "$PGPORT" "SELECT pid FROM pg_stat_activity WHERE query = 'SELECT count(*) FROM t' AND state = 'active'")
  [ -n "$pid" ] && [ "$(requests)" -ge 1 ] && break
  sleep 0.1
done
check "a backend waits for the answer that would fill an entry" "1" "$(requests)"
check "... holding the entry's in-flight marker" "$pid" \
  "$(q "$PGPORT" "SELECT string_agg(pid::text, ' ') FROM inflight_markers()")"
q "$PGPORT" "SELECT pg_terminate_backend($pid)" >/dev/null
wait "$victim"
emu open-gate victim
check "the terminated backend got no rows" "1" "$(grep -c 'terminating connection' "$RUN_DIR/cache-victim.out")"
# its marker went as it exited: none is left for a waiter to take over
check "... and released its marker as it exited" "0" "$(q "$PGPORT" "SELECT count(*) FROM inflight_markers()")"
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
# what the planner learned is shared: a new backend plans t from the listing
# another backend made (8 schemas; nothing measured would give 100)
rows_of() { q "$1" "EXPLAIN SELECT name FROM t" | grep -o 'rows=[0-9]*' | head -1; }
check "a new backend's estimate is another backend's listing" "rows=8" "$(rows_of "$PGPORT")"

# shared 429 back-off: a Retry-After seen by one backend holds off another
q "$PGPORT" "SELECT snowfdw_cache_clear()" >/dev/null
emu clear-log
emu fault '{"action": "status", "status": 429, "retry_after": "3", "times": 1}' >/dev/null
q "$PGPORT" "SELECT count(*) FROM t" >"$RUN_DIR/holdoff-a.out" 2>&1 &
first=$!
got_429() { [ "$(emu log --tsv | awk -F'\t' '$6 == 429' | wc -l)" -ge 1 ]; }
wait_for 30 got_429
q "$PGPORT" "SELECT count(*) > 0 FROM t WHERE name LIKE 'P%'" >"$RUN_DIR/holdoff-b.out" 2>&1 &
second=$!
wait "$second"; second_status=$?
wait "$first"
emu clear-faults >/dev/null
check "... then both read" "8 t" "$(cat "$RUN_DIR/holdoff-a.out") $(cat "$RUN_DIR/holdoff-b.out")"
check "... the second one without an error" "0" "$second_status"
# the emulator's clock: every later request arrived after the Retry-After
# time (3 s; 2.5 s allows for rounding), the second backend's included
check "while held off, neither backend sent a request (each came >= 2.5 s after the 429)" "True" \
  "$(emu_log_facts "all(e['arrived_at'] - log[0]['sending_at'] >= 2.5 for e in log[1:]) and log[0]['status'] == 429")"
check "... with one request each after the 429" "3 1" "$(requests) $(emu log --tsv | awk -F'\t' '$6 == 429' | wc -l)"
# a hold-off is cancellable, and one past the call's retry budget fails at
# once with a 429's error, sending nothing
emu clear-log
emu fault '{"action": "status", "status": 429, "retry_after": "20", "times": 1}' >/dev/null
q "$PGPORT" "SET statement_timeout = '4s'; SELECT count(*) FROM t WHERE name LIKE 'A%'" >/dev/null 2>&1 &
first=$!
wait_for 30 got_429
out=$(q "$PGPORT" "SET statement_timeout = '500ms'; SELECT count(*) FROM t WHERE name LIKE 'B%'" 2>&1)
check "a held-off backend is cancelled by statement_timeout" "1" "$(grep -c 'canceling statement due to statement timeout' <<<"$out")"
out=$(q "$PGPORT" "SET snowfdw.retry_max_time = 5; SELECT count(*) FROM t WHERE name LIKE 'C%'" 2>&1)
check "a hold-off past retry_max_time fails with the 429 error" "1" "$(grep -c 'HTTP status 429: Too many requests: Snowflake asked this user mapping to wait until' <<<"$out")"
check "... and neither sent a request" "1" "$(requests)"
wait "$first"
emu clear-faults >/dev/null
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
check "not preloaded, a new backend's estimate is its own (none yet: 100)" "rows=100" "$(rows_of "$LOCAL_PORT")"

# a session caches the listing; another backend inserts: the first one's
# cache is not told (stale until cache_ttl), and it opens no new connection
emu clear-log
out=$(as_postgres "$PG_BIN/psql" -X -At -q -h "$RUN_DIR" -p "$LOCAL_PORT" -d cache_suite <<SQL
SELECT count(*) FROM t;
\! $PG_BIN/psql -X -q -h $RUN_DIR -p $LOCAL_PORT -d cache_suite -c "INSERT INTO t (name) VALUES ('SUITE_NEW'), ('SUITE_NEW2')"
\! $PYTHON $EMU_DIR/emuctl.py clear-log
SELECT count(*) FROM t;
SELECT count(*) FROM t WHERE name LIKE 'SUITE%';
SQL
)
check "another backend's INSERT: this cache stays as it was, a new listing sees it" "8 8 2" "$(echo $out)"
check "... the new listing is this backend's one request" "1" "$(requests)"
check "... on its kept-alive connection: no new connection" "0" "$(emu connections)"
check "the writer's backend reads its write" "10" "$(q "$LOCAL_PORT" "SELECT count(*) FROM t")"
q "$LOCAL_PORT" "DELETE FROM t WHERE name IN ('SUITE_NEW', 'SUITE_NEW2')" >/dev/null
# an option change still resets the other backends' sessions and caches
emu clear-log
out=$(as_postgres "$PG_BIN/psql" -X -At -q -h "$RUN_DIR" -p "$LOCAL_PORT" -d cache_suite <<SQL
SELECT count(*) FROM t;
\! $PG_BIN/psql -X -q -h $RUN_DIR -p $LOCAL_PORT -d cache_suite -c "ALTER SERVER s OPTIONS (ADD request_timeout '31')"
\! $PYTHON $EMU_DIR/emuctl.py clear-log
SELECT count(*) FROM t;
SQL
)
check "ALTER SERVER in another backend: this one reads anew" "8 8" "$(echo $out)"
check "... on a new connection" "1" "$(emu connections)"
check "... with one request" "1" "$(requests)"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
