#!/usr/bin/env bash
# Suite: many viewers, one request (the run's cluster preloads snowfdw).
#   bash test/suites/31-coalesce.sh RUN_DIR
# 1. Coalesced misses: 8 backends on a cold cache, each request slow, make
#    one request per distinct request and all get the same rows.
# 2. The fetching backend cancelled, or its request failing (500): a waiting
#    backend takes the request over and gets the rows.
# 3. Stale window: past cache_ttl (reached by the test build's clock, not by
#    waiting) an entry answers at once while one refresh runs in a
#    background worker (the refresh's answer is held until both viewers had
#    theirs: the emulator's ticks say which came first); the next query sees
#    the refreshed data; a failed refresh leaves the stale entry; past the
#    window a lookup is an ordinary miss.
# Prints `N passed, N failed` last.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
RUN_DIR=${1:?usage: 31-coalesce.sh RUN_DIR}
passed=0
failed=0

emu() { "$PYTHON" "$EMU_DIR/emuctl.py" "$@"; }
requests() { emu log --tsv | wc -l; }
distinct_requests() { emu log --tsv | cut -f3-5 | sort -u | wc -l; }
# q SQL: run SQL in a new backend, database coalesce_suite
q() { as_postgres "$PG_BIN/psql" -X -At -q -v ON_ERROR_STOP=1 -h "$RUN_DIR" -p "$PGPORT" -d coalesce_suite -c "$1"; }
# backend_of QUERY: the pid of the active backend running QUERY, waiting for it
backend_of() {
  local pid=""
  for _ in $(seq 1 100); do
    pid=$(q "SELECT pid FROM pg_stat_activity WHERE query = '$1' AND state = 'active'")
    [ -n "$pid" ] && break
    sleep 0.05
  done
  echo "$pid"
}
# wait_coalescing QUERY: wait until the backend running QUERY waits for
# another backend's answer (an Extension wait, no request of its own)
wait_coalescing() {
  for _ in $(seq 1 100); do
    [ "$(q "SELECT wait_event_type FROM pg_stat_activity WHERE query = '$1' AND state = 'active'")" = "Extension" ] && return
    sleep 0.05
  done
}
# no_markers: no in-flight marker stands (no refresh queued or running)
no_markers() { [ "$(q "SELECT count(*) FROM inflight_markers()")" = 0 ]; }
# error_counted: snowfdw_stats counts an error of server st
error_counted() { [ "$(q "SELECT errors > 0 FROM snowfdw_stats WHERE server_name = 'st'")" = t ]; }
# answered STATUS: whether the log has a request answered with STATUS
answered() { [ "$(emu log --tsv | awk -F'\t' -v s="$1" '$6 == s' | wc -l)" -ge 1 ]; }

as_postgres "$PG_BIN/psql" -X -q -h "$RUN_DIR" -p "$PGPORT" -d postgres \
  -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS coalesce_suite" \
  -c "CREATE DATABASE coalesce_suite" >/dev/null
as_postgres "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$RUN_DIR" -p "$PGPORT" -d coalesce_suite \
  -v url="$SNOWFDW_EMU_URL" >/dev/null <<'SQL'
CREATE EXTENSION snowfdw;
CREATE SERVER s FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'url', cache_ttl '3600', max_retries '0');
CREATE USER MAPPING FOR CURRENT_USER SERVER s OPTIONS (token 'test-pat-alice-0123456789');
CREATE FOREIGN TABLE t (name text) SERVER s OPTIONS (object 'schemas', database 'SALES');
CREATE FOREIGN TABLE tt (name text) SERVER s OPTIONS (object 'stages', database 'SALES');
-- the stale window: an hour fresh, then an hour stale (the test build's
-- clock moves past the first hour; the hours leave room for a slow machine)
CREATE SERVER st FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'url', cache_ttl '3600', cache_stale_ttl '3600');
CREATE USER MAPPING FOR CURRENT_USER SERVER st OPTIONS (token 'test-pat-alice-0123456789');
CREATE FOREIGN TABLE st_t (name text) SERVER st OPTIONS (object 'schemas', database 'SALES');
SQL
test_build_functions "$PGPORT" coalesce_suite
emu clear-faults >/dev/null

# ---------------------------------------------------------------------
# 1. 8 backends, cold cache
# ---------------------------------------------------------------------
VIEW="SELECT (SELECT count(*) FROM t) || ' ' || (SELECT count(*) FROM tt)"
q "SELECT snowfdw_cache_clear()" >/dev/null
emu clear-log
one=$(q "$VIEW")
one_requests=$(requests)
q "SELECT snowfdw_cache_clear()" >/dev/null
emu clear-log
emu fault '{"method": "GET", "times": -1, "action": "latency", "ms": 300}' >/dev/null
pids=""
for i in $(seq 1 8); do
  q "$VIEW" >"$RUN_DIR/coalesce-viewer-$i.out" 2>&1 &
  pids="$pids $!"
done
wait $pids
emu clear-faults >/dev/null
same=0
for i in $(seq 1 8); do
  [ "$(cat "$RUN_DIR/coalesce-viewer-$i.out")" = "$one" ] && same=$((same + 1))
done
check "8 concurrent backends all get one viewer's rows ($one)" "8" "$same"
check "... with one viewer's requests ($one_requests)" "$one_requests" "$(requests)"
check "... one per distinct request" "$(distinct_requests)" "$(requests)"
emu log --tsv >"$RUN_DIR/coalesce-viewers-log.tsv"

# ---------------------------------------------------------------------
# 2. the fetching backend cancelled, or failing
# ---------------------------------------------------------------------
# takeover NAME FAULT EXPECTED_ERROR: backend A fetches under FAULT, backend
# B waits for it; A is cancelled (FAULT without an error) or fails
takeover() {
  local name=$1 fault=$2 error=$3 a b pid
  q "SELECT snowfdw_cache_clear()" >/dev/null
  emu clear-log
  emu fault "$fault" >/dev/null
  q "SELECT count(*) AS a FROM t" >"$RUN_DIR/coalesce-a.out" 2>&1 &
  a=$!
  pid=$(backend_of "SELECT count(*) AS a FROM t")
  for _ in $(seq 1 100); do [ "$(requests)" -ge 1 ] && break; sleep 0.05; done
  q "SELECT count(*) AS b FROM t" >"$RUN_DIR/coalesce-b.out" 2>&1 &
  b=$!
  wait_coalescing "SELECT count(*) AS b FROM t"
  check "$name: the second backend waits, without a request of its own" "1" "$(requests)"
  [ "$error" = "canceling statement" ] && q "SELECT pg_cancel_backend($pid)" >/dev/null
  wait "$a"
  wait "$b"
  emu clear-faults >/dev/null
  check "$name: the first backend fails" "1" "$(grep -c "$error" "$RUN_DIR/coalesce-a.out")"
  check "$name: the waiting backend takes over and gets the rows" "8" "$(cat "$RUN_DIR/coalesce-b.out")"
  check "$name: ... with one more request" "2" "$(requests)"
  check "$name: the next backend hits the cache" "8" "$(q "SELECT count(*) FROM t")"
  check "$name: ... with no request" "2" "$(requests)"
}
takeover "cancelled" '{"method": "GET", "times": 1, "action": "latency", "ms": 5000}' "canceling statement"
takeover "500" '{"method": "GET", "times": 1, "action": "status", "status": 500, "ms": 4000}' "ERROR"

# ---------------------------------------------------------------------
# 3. stale window
# ---------------------------------------------------------------------
emu clear-log
check "stale window: a first read fills the entry" "8" "$(q "SELECT count(*) FROM st_t")"
q "INSERT INTO t (name) VALUES ('SUITE_STALE')" >/dev/null
q "SELECT advance_clock(3601)" >/dev/null
emu clear-log
# the refresh's answer leaves only when the gate opens, after both viewers
emu fault '{"method": "GET", "times": -1, "action": "gate", "name": "refresh"}' >/dev/null
out=$(q "SELECT count(*) FROM st_t")
check "past cache_ttl, a stale entry answers with the old rows" "8" "$out"
check "... and once more, still without waiting" "8" "$(q "SELECT count(*) FROM st_t")"
viewers_done=$(emu mark)
emu open-gate refresh
wait_for 30 answered 200
wait_for 30 no_markers
emu clear-faults >/dev/null
check "exactly one refresh was sent" "1" "$(requests)"
check "... and answered after both viewers had their rows" "True" \
  "$(emu_log_facts "len(log) == 1 and log[0]['answered'] > $viewers_done")"
check "the next query sees the refreshed data" "9" "$(q "SELECT count(*) FROM st_t")"
check "... from the cache" "1" "$(requests)"

# a failed refresh: the stale entry answers on, and the failure is counted
q "SELECT advance_clock(3601)" >/dev/null
emu clear-log
emu fault '{"method": "GET", "times": 1, "action": "status", "status": 500}' >/dev/null
check "a stale entry answers while its refresh fails" "9" "$(q "SELECT count(*) FROM st_t")"
wait_for 30 answered 500
wait_for 30 no_markers
emu clear-faults >/dev/null
check "... one refresh was tried" "1" "$(requests)"
# (the worker counts the error as its transaction ends)
check "... counted as an error in snowfdw_stats" "yes" "$(wait_for 30 error_counted && echo yes)"
check "after the failed refresh, the stale entry still answers" "9" "$(q "SELECT count(*) FROM st_t")"

# past the window: an ordinary miss, answered by Snowflake
q "ALTER SERVER st OPTIONS (SET cache_ttl '1', SET cache_stale_ttl '1')" >/dev/null
q "SELECT count(*) FROM st_t" >/dev/null
q "DELETE FROM t WHERE name = 'SUITE_STALE'" >/dev/null
q "SELECT advance_clock(2.5)" >/dev/null
emu clear-log
out=$(q "SELECT count(*) FROM st_t")
returned=$(emu mark)
check "past the stale window, a query gets Snowflake's current rows" "8" "$out"
check "... with one request, answered before the query returned" "True" \
  "$(emu_log_facts "len(log) == 1 and log[0]['answered'] < $returned")"

as_postgres "$PG_BIN/psql" -X -q -h "$RUN_DIR" -p "$PGPORT" -d postgres -c "DROP DATABASE coalesce_suite WITH (FORCE)" >/dev/null
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
