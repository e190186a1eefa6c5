#!/usr/bin/env bash
# Suite: what snowfdw is doing right now (the run's cluster preloads snowfdw).
#   bash test/suites/36-activity.sh RUN_DIR
# 1. A request held at an emulator gate: another session sees its row in
#    snowfdw_activity (method, path with its query, state sending, the
#    server and role), and pg_stat_activity shows the wait event
#    SnowfdwTransfer (17 and later; Extension before).
# 2. A slow listing (the emulator drips its body): an observer session sees
#    the row receiving, with rows_delivered growing one poll to the next
#    and the request ID of the emulator's log; a role without
#    pg_read_all_stats sees none of it meanwhile, a member of it sees it;
#    after the statement no row is left.  The slow-request log
#    (snowfdw.log_min_duration) has a line with the request ID and no token,
#    and none for a request under its threshold.
# 3. Coalescing: a backend that waits for another's fetch of the same
#    request shows the state waiting and the wait event SnowfdwCoalesce;
#    a request answered 202 shows polling (SnowfdwPoll) between its polls,
#    one answered 429 with a Retry-After held off (SnowfdwPaced), and one
#    waiting for its slot of the request pacer paced (SnowfdwPaced).
# 4. Slots: a backend shows 16 requests at most; slots go back at a
#    subtransaction's abort and at the transaction's end.
# 5. EXPLAIN (ANALYZE) shows the time waited for Snowflake and for another
#    backend's fetch, and not under TIMING OFF.
# 6. A refresh worker's request (the stale window, reached by the test
#    build's clock) shows as refreshing, waiting on SnowfdwTransfer.
# 7. Not preloaded (a second small cluster): a backend sees its own
#    requests, and another backend none of them.
# Observers poll in bounded loops; no assertion rests on a sleep or a time.
# Prints `N passed, N failed` last.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
RUN_DIR=${1:?usage: 36-activity.sh RUN_DIR}
LOCAL_DATA=$RUN_DIR/data-activity-local
LOCAL_PORT=55445
passed=0
failed=0
stop_local() {
  [ -f "$LOCAL_DATA/postmaster.pid" ] &&
    as_postgres "$PG_BIN/pg_ctl" -D "$LOCAL_DATA" -m fast -w stop >/dev/null 2>&1
  rm -rf "$LOCAL_DATA" "$LOCAL_DATA.log" "$LOCAL_DATA.initdb.log"
}
trap stop_local EXIT
MAJOR=$("$PG_CONFIG" --version | sed 's/^PostgreSQL \([0-9]*\).*/\1/')
if [ "$MAJOR" -ge 17 ]; then
  TRANSFER=SnowfdwTransfer COALESCE=SnowfdwCoalesce POLL=SnowfdwPoll PACED=SnowfdwPaced
else
  TRANSFER=Extension COALESCE=Extension POLL=Extension PACED=Extension
fi

emu() { "$PYTHON" "$EMU_DIR/emuctl.py" "$@"; }
# q SQL: run SQL in a new backend, database activity_suite
q() { as_postgres "$PG_BIN/psql" -X -At -q -v ON_ERROR_STOP=1 -h "$RUN_DIR" -p "$PGPORT" -d activity_suite -c "$1"; }
# row_of TAG COLUMNS: COLUMNS of the snowfdw_activity rows of the backend
# whose query holds TAG, with its wait event (pg_stat_activity)
row_of() {
  q "SELECT $2 FROM snowfdw_activity a JOIN pg_stat_activity s USING (pid)
      WHERE s.query LIKE '%$1%' AND s.pid <> pg_backend_pid()"
}
# shows TAG COLUMNS EXPECTED: whether row_of says EXPECTED
shows() { [ "$(row_of "$1" "$2")" = "$3" ]; }
no_rows() { [ "$(q "SELECT count(*) FROM snowfdw_activity")" = 0 ]; }

as_postgres "$PG_BIN/psql" -X -q -h "$RUN_DIR" -p "$PGPORT" -d postgres \
  -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS activity_suite" \
  -c "DROP ROLE IF EXISTS act_other" -c "DROP ROLE IF EXISTS act_reader" \
  -c "CREATE DATABASE activity_suite" >/dev/null
as_postgres "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$RUN_DIR" -p "$PGPORT" -d activity_suite \
  -v url="$SNOWFDW_EMU_URL" >/dev/null <<'SQL'
CREATE EXTENSION snowfdw;
CREATE ROLE act_other;
CREATE ROLE act_reader IN ROLE pg_read_all_stats;
CREATE SERVER s FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'url', max_retries '0');
CREATE USER MAPPING FOR CURRENT_USER SERVER s OPTIONS (token 'test-pat-alice-0123456789');
CREATE FOREIGN TABLE t (name text) SERVER s OPTIONS (object 'schemas', database 'SALES');
-- coalescing needs the response cache
CREATE SERVER sc FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'url', cache_ttl '3600', max_retries '0');
CREATE USER MAPPING FOR CURRENT_USER SERVER sc OPTIONS (token 'test-pat-alice-0123456789');
CREATE FOREIGN TABLE tc (name text) SERVER sc OPTIONS (object 'schemas', database 'SALES');
-- a retry after a 429
CREATE SERVER sr FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'url', max_retries '2');
CREATE USER MAPPING FOR CURRENT_USER SERVER sr OPTIONS (token 'test-pat-alice-0123456789');
CREATE FOREIGN TABLE tr (name text) SERVER sr OPTIONS (object 'schemas', database 'SALES');
-- the pacer at a known limit: one request every 5 s
CREATE SERVER sp FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'url', max_requests_per_second '0.2');
CREATE USER MAPPING FOR CURRENT_USER SERVER sp OPTIONS (token 'test-pat-alice-0123456789');
CREATE FOREIGN TABLE tp (name text) SERVER sp OPTIONS (object 'schemas', database 'SALES');
CREATE FUNCTION fill_activity(n int) RETURNS int
  AS 'snowfdw', 'snowfdw_fault_fill_activity' LANGUAGE C STRICT;
-- the stale window: an hour fresh, then an hour stale
CREATE SERVER st FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'url', cache_ttl '3600', cache_stale_ttl '3600');
CREATE USER MAPPING FOR CURRENT_USER SERVER st OPTIONS (token 'test-pat-alice-0123456789');
CREATE FOREIGN TABLE st_t (name text) SERVER st OPTIONS (object 'schemas', database 'SALES');

-- what an observer saw, poll after poll, of the backend running a query
CREATE TABLE seen (poll int, state text, method text, path text,
                   rows_delivered bigint, bytes_received bigint,
                   request_id text, user_name text, server text,
                   wait_event text, other_sees bigint, reader_sees bigint);
-- observe(TAG, TRIES): poll every 10 ms, up to TRIES times, the rows of
-- the backend whose query holds TAG, as this role, as act_other and as
-- act_reader; ends once the rows were seen and are gone
CREATE FUNCTION observe(tag text, tries int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  target int;
  seen_any bool := false;
  other bigint;
  reader bigint;
BEGIN
  FOR i IN 1..tries LOOP
    PERFORM pg_stat_clear_snapshot();
    IF target IS NULL THEN
      SELECT pid INTO target FROM pg_stat_activity
       WHERE query LIKE '%' || tag || '%' AND pid <> pg_backend_pid();
    END IF;
    IF target IS NOT NULL THEN
      SET LOCAL ROLE act_other;
      SELECT count(*) INTO other FROM snowfdw_activity WHERE pid = target;
      SET LOCAL ROLE act_reader;
      SELECT count(*) INTO reader FROM snowfdw_activity WHERE pid = target;
      RESET ROLE;
      INSERT INTO seen
        SELECT i, a.state, a.method, a.path, a.rows_delivered, a.bytes_received,
               a.request_id, a.user_name, a.server, s.wait_event, other, reader
          FROM snowfdw_activity a LEFT JOIN pg_stat_activity s USING (pid)
         WHERE a.pid = target;
      IF FOUND THEN
        seen_any := true;
      ELSIF seen_any THEN
        RETURN i;
      END IF;
    END IF;
    PERFORM pg_sleep(0.01);
  END LOOP;
  RETURN tries;
END $$;
SQL
test_build_functions "$PGPORT" activity_suite
emu clear-faults >/dev/null

# ---------------------------------------------------------------------
# 1. a request held at a gate: sending, SnowfdwTransfer
# ---------------------------------------------------------------------
emu clear-log
emu fault '{"method": "GET", "path": "/schemas$", "times": 1, "action": "gate", "name": "held"}' >/dev/null
q "SELECT count(*) FROM t /* act-held */" >"$RUN_DIR/activity-held.out" 2>&1 &
scanner=$!
wait_for 30 shows act-held "a.state, s.wait_event" "sending|$TRANSFER"
check "a request at the gate shows as sending, waiting on $TRANSFER" "sending|$TRANSFER" \
  "$(row_of act-held "a.state, s.wait_event")"
sent=$(emu log --tsv | awk -F'\t' '{ print $3 " " $4 ($5 == "\\N" || $5 == "" ? "" : "?" $5) }')
check "... with the method and path (and query) the emulator received" "$sent" \
  "$(row_of act-held "method || ' ' || path")"
check "... its server, role, attempt, no request ID yet" "s|postgres|1|t" \
  "$(row_of act-held "server, user_name, attempt, request_id IS NULL")"
check "... and since and started set" "t" \
  "$(row_of act-held "since >= started AND started <= now()")"
check "another role sees none of it" "0" \
  "$(q "SET ROLE act_other; SELECT count(*) FROM snowfdw_activity")"
check "a member of pg_read_all_stats sees it" "1" \
  "$(q "SET ROLE act_reader; SELECT count(*) FROM snowfdw_activity")"
emu open-gate held
wait "$scanner"
check "the statement ends with its rows" "8" "$(cat "$RUN_DIR/activity-held.out")"
check "after the statement, no row is left" "yes" "$(wait_for 10 no_rows && echo yes)"

# ---------------------------------------------------------------------
# 2. a slow listing: receiving, rows_delivered growing, the log
# ---------------------------------------------------------------------
q "TRUNCATE seen"
emu clear-log
# 120 bytes every 40 ms: each row of the listing takes several drips
emu fault '{"method": "GET", "path": "/schemas$", "times": 1, "action": "drip", "bytes": 120, "interval_ms": 40}' >/dev/null
log_before=$(wc -c <"$RUN_DIR/postgres.log")
q "SET snowfdw.log_min_duration = 200; SELECT count(*) FROM t /* act-drip */" >"$RUN_DIR/activity-drip.out" 2>&1 &
scanner=$!
q "SELECT observe('act-drip', 3000)" >/dev/null
wait "$scanner"
check "the slow listing ends with its rows" "8" "$(cat "$RUN_DIR/activity-drip.out")"
check "an observer saw it receiving" "t" "$(q "SELECT bool_or(state = 'receiving') FROM seen")"
check "... rows_delivered grew, poll after poll (at least 3 values, never down)" "t|t" \
  "$(q "SELECT count(DISTINCT rows_delivered) >= 3,
               bool_and(rows_delivered >= prev)
          FROM (SELECT rows_delivered, lag(rows_delivered, 1, 0::bigint) OVER (ORDER BY poll) AS prev FROM seen) x")"
check "... and bytes_received with it" "t" \
  "$(q "SELECT count(DISTINCT bytes_received) >= 3 FROM seen")"
rid=$(emu_log_facts "log[0]['request_id']")
check "... the request ID of the emulator's answer" "$rid" \
  "$(q "SELECT DISTINCT request_id FROM seen WHERE state = 'receiving'")"
check "... waiting on $TRANSFER between the drips" "t" \
  "$(q "SELECT bool_or(wait_event = '$TRANSFER') FROM seen")"
# (each poll reads as act_other and act_reader before it reads the row: the
# first poll may have read before the request began)
check "act_other saw none of it, act_reader all of it" "0|t" \
  "$(q "SELECT max(other_sees), bool_or(reader_sees = 1) AND count(*) FILTER (WHERE reader_sees <> 1) <= 1 FROM seen")"
check "after the statement, no row is left" "yes" "$(wait_for 10 no_rows && echo yes)"
slow=$(tail -c +"$((log_before + 1))" "$RUN_DIR/postgres.log" | grep "Snowflake request: GET /api/v2/databases/SALES/schemas")
check "the slow-request log has one line for it" "1" "$(printf '%s\n' "$slow" | grep -c 'duration:')"
check "... with the status, attempts, bytes and request ID" "1" \
  "$(printf '%s\n' "$slow" | grep -c "status: 200  attempts: 1  bytes: [1-9][0-9]*  request ID: $rid")"
check "... and no token" "0" "$(printf '%s\n' "$slow" | grep -c -i 'test-pat\|bearer')"
log_before=$(wc -c <"$RUN_DIR/postgres.log")
q "SET snowfdw.log_min_duration = 3600000; SELECT count(*) FROM t /* act-fast */" >/dev/null
check "a request under the threshold is not logged" "0" \
  "$(tail -c +"$((log_before + 1))" "$RUN_DIR/postgres.log" | grep -c 'Snowflake request:')"
check "an ordinary role may not set snowfdw.log_min_duration" "1" \
  "$(q "SET ROLE act_other; SET snowfdw.log_min_duration = 0" 2>&1 | grep -c 'permission denied')"

# ---------------------------------------------------------------------
# 3. coalescing: waiting, SnowfdwCoalesce
# ---------------------------------------------------------------------
q "SELECT snowfdw_cache_clear()" >/dev/null
emu clear-log
emu fault '{"method": "GET", "path": "/schemas$", "times": 1, "action": "gate", "name": "fetch"}' >/dev/null
q "SELECT count(*) FROM tc /* act-fetcher */" >"$RUN_DIR/activity-fetcher.out" 2>&1 &
fetcher=$!
wait_for 30 shows act-fetcher "a.state" "sending"
q "SELECT count(*) FROM tc /* act-waiter */" >"$RUN_DIR/activity-waiter.out" 2>&1 &
waiter=$!
wait_for 30 shows act-waiter "a.state, s.wait_event" "waiting|$COALESCE"
check "a coalesced backend shows as waiting, on $COALESCE" "waiting|$COALESCE" \
  "$(row_of act-waiter "a.state, s.wait_event")"
check "... for the same request as the fetcher" "$sent $sent" \
  "$(row_of act-fetcher "a.method || ' ' || a.path") $(row_of act-waiter "a.method || ' ' || a.path")"
check "... which the emulator received once" "1" "$(emu log --tsv | wc -l)"
emu open-gate fetch
wait "$fetcher" "$waiter"
check "both end with the rows" "8 8" "$(cat "$RUN_DIR/activity-fetcher.out") $(cat "$RUN_DIR/activity-waiter.out")"
check "after the statements, no row is left" "yes" "$(wait_for 10 no_rows && echo yes)"

# a 202 answered after 6 polls (0.05 s, then doubling): polling between them
emu fault '{"method": "GET", "path": "/schemas$", "times": 1, "action": "async", "polls": 6}' >/dev/null
q "SELECT count(*) FROM t /* act-async */" >"$RUN_DIR/activity-async.out" 2>&1 &
scanner=$!
# the state lasts until the next poll is sent: checked as the poll saw it
check "a request answered 202 shows as polling, on $POLL" "seen" \
  "$(wait_for 30 shows act-async "a.state, s.wait_event" "polling|$POLL" && echo seen)"
check "... with the request ID of the 202" "t" "$(row_of act-async "request_id LIKE '00000000-%'")"
wait "$scanner"
check "... and ends with its rows" "8" "$(cat "$RUN_DIR/activity-async.out")"
# a 429 that asks for 2 s: held off until then, attempt 1, then 2
emu fault '{"method": "GET", "path": "/schemas$", "times": 1, "action": "status", "status": 429, "retry_after": 2}' >/dev/null
q "SELECT count(*) FROM tr /* act-429 */" >"$RUN_DIR/activity-429.out" 2>&1 &
scanner=$!
wait_for 30 shows act-429 "a.state, s.wait_event" "held off|$PACED"
check "a request answered 429 shows as held off, on $PACED" "held off|$PACED|1" \
  "$(row_of act-429 "a.state, s.wait_event, a.attempt")"
wait "$scanner"
check "... and ends with its rows" "8" "$(cat "$RUN_DIR/activity-429.out")"
emu clear-faults >/dev/null
# the pacer at 0.2 requests a second: a request right after another waits
# for its slot, 5 s after the first's
q "SELECT count(*) FROM tp" >/dev/null
q "SELECT count(*) FROM tp /* act-paced */" >"$RUN_DIR/activity-paced.out" 2>&1 &
scanner=$!
wait_for 30 shows act-paced "a.state, s.wait_event" "paced|$PACED"
check "a request waiting for the pacer shows as paced, on $PACED" "paced|$PACED" \
  "$(row_of act-paced "a.state, s.wait_event")"
wait "$scanner"
check "... and ends with its rows" "8" "$(cat "$RUN_DIR/activity-paced.out")"

# ---------------------------------------------------------------------
# 4. slots: 16 per backend, back at subtransaction abort and at the end
# ---------------------------------------------------------------------
check "a backend shows 16 requests at most" "16|16" \
  "$(q "BEGIN; SELECT fill_activity(20), (SELECT count(*) FROM snowfdw_activity WHERE pid = pg_backend_pid()); COMMIT;")"
check "... none once its transaction ended" "0" \
  "$(q "SELECT fill_activity(3)" >/dev/null; q "SELECT count(*) FROM snowfdw_activity")"
check "slots go back at a subtransaction's abort, not its commit" "2" \
  "$(as_postgres "$PG_BIN/psql" -X -At -q -h "$RUN_DIR" -p "$PGPORT" -d activity_suite <<'SQL'
BEGIN;
SAVEPOINT a;
SELECT fill_activity(3) \g /dev/null
ROLLBACK TO a;
SAVEPOINT b;
SELECT fill_activity(2) \g /dev/null
RELEASE b;
SELECT count(*) FROM snowfdw_activity WHERE pid = pg_backend_pid();
COMMIT;
SQL
)"

# ---------------------------------------------------------------------
# 5. EXPLAIN (ANALYZE): time waited for Snowflake, and for another fetch
# ---------------------------------------------------------------------
explain_lines() {
  q "EXPLAIN (ANALYZE, COSTS OFF, $2) $1" | grep -o 'Snowflake wait: [0-9.]* ms\|Coalesced wait: [0-9.]* ms' |
    sed 's/[0-9.]* ms/N ms/' | tr '\n' ';'
}
check "EXPLAIN ANALYZE shows the waits of a scan" "Snowflake wait: N ms;Coalesced wait: N ms;" \
  "$(explain_lines "SELECT count(*) FROM t" "TIMING ON")"
check "... and not under TIMING OFF" "" "$(explain_lines "SELECT count(*) FROM t" "TIMING OFF")"
q "SELECT snowfdw_cache_clear()" >/dev/null
emu fault '{"method": "GET", "path": "/schemas$", "times": 1, "action": "gate", "name": "fetch2"}' >/dev/null
q "SELECT count(*) FROM tc /* act-fetcher2 */" >/dev/null 2>&1 &
fetcher=$!
wait_for 30 shows act-fetcher2 "a.state" "sending"
q "EXPLAIN (ANALYZE, COSTS OFF) SELECT count(*) FROM tc /* act-waiter2 */" >"$RUN_DIR/activity-explain.out" 2>&1 &
waiter=$!
wait_for 30 shows act-waiter2 "a.state" "waiting"
emu open-gate fetch2
wait "$fetcher" "$waiter"
check "a coalesced scan's Coalesced wait is more than 0 ms" "1" \
  "$(grep -c 'Coalesced wait: [0-9]*\.[0-9]*[1-9][0-9]* ms\|Coalesced wait: [1-9][0-9]*\.[0-9]* ms' "$RUN_DIR/activity-explain.out")"
check "EXPLAIN ANALYZE of an INSERT shows its Snowflake wait" "Snowflake wait: N ms;" \
  "$(explain_lines "INSERT INTO t (name) VALUES ('ACT_EXPLAIN')" "TIMING ON")"
q "DELETE FROM t WHERE name = 'ACT_EXPLAIN'" >/dev/null

# ---------------------------------------------------------------------
# 6. a refresh worker: refreshing
# ---------------------------------------------------------------------
refresher() {
  q "SELECT a.state || '|' || coalesce(s.wait_event, '') || '|' || a.user_name || '|' || a.server
       FROM snowfdw_activity a JOIN pg_stat_activity s USING (pid)
      WHERE s.backend_type <> 'client backend'"
}
refreshing() { [ "$(refresher)" = "refreshing|$TRANSFER|postgres|st" ]; }
q "SELECT count(*) FROM st_t" >/dev/null
q "SELECT advance_clock(3601)" >/dev/null
emu fault '{"method": "GET", "path": "/schemas$", "times": 1, "action": "gate", "name": "refresh"}' >/dev/null
check "a stale entry answers at once" "8" "$(q "SELECT count(*) FROM st_t")"
wait_for 30 refreshing
check "the refresh worker's request shows as refreshing, on $TRANSFER" "refreshing|$TRANSFER|postgres|st" "$(refresher)"
emu open-gate refresh
check "after the refresh, no row is left" "yes" "$(wait_for 30 no_rows && echo yes)"

emu clear-faults >/dev/null

# ---------------------------------------------------------------------
# 6. not preloaded: this backend's own requests only
# ---------------------------------------------------------------------
main_env=("$PGHOST" "$PGPORT")
stop_local
start_cluster "$LOCAL_PORT" "" "$LOCAL_DATA"
PGHOST=${main_env[0]} PGPORT=${main_env[1]}
lq() { as_postgres "$PG_BIN/psql" -X -At -q -v ON_ERROR_STOP=1 -h "$RUN_DIR" -p "$LOCAL_PORT" -d postgres "$@"; }
lq -c "CREATE EXTENSION snowfdw" -c "CREATE FUNCTION fill_activity(n int) RETURNS int
  AS 'snowfdw', 'snowfdw_fault_fill_activity' LANGUAGE C STRICT" >/dev/null
lq -c "BEGIN" -c "SELECT fill_activity(3)" -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
holder=$!
held() { [ "$(lq -c "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)'")" = 1 ]; }
wait_for 30 held
check "not preloaded: a backend sees its own requests" "3|t" \
  "$(lq -c "BEGIN" -c "SELECT fill_activity(3), (SELECT count(*) = 3 FROM snowfdw_activity WHERE pid = pg_backend_pid())" -c "COMMIT" | sed -n 1p)"
check "... and none of another backend's" "0" "$(lq -c "SELECT count(*) FROM snowfdw_activity")"
lq -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)'" >/dev/null
wait "$holder" 2>/dev/null
stop_local

as_postgres "$PG_BIN/psql" -X -q -h "$RUN_DIR" -p "$PGPORT" -d postgres \
  -c "DROP DATABASE activity_suite WITH (FORCE)" -c "DROP ROLE act_other" -c "DROP ROLE act_reader" >/dev/null
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
