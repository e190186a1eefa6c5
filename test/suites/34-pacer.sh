#!/usr/bin/env bash
# Suite: the request pacer (src/shmem/pacer.c) under the emulator's token
# bucket (the rate_limit fault), on the run's cluster (snowfdw preloaded).
#   bash test/suites/34-pacer.sh RUN_DIR
# 1. max_requests_per_second under the account's limit: 0 429s, the rows
#    exact; the stats columns and EXPLAIN ANALYZE's Paced wait move.
# 2. Adaptive: a 429 storm ends with every statement answered and exact
#    rows, also with 4 sessions at once; the learned rate goes down on 429s
#    and back up (the test build's clock makes the seconds pass), and the
#    429s fall once it settled.
# 3. Retry-After is honoured: after a 429 the next request reaches the
#    emulator no sooner than its Retry-After (the emulator's timestamps).
# 4. Fair: a statement of 4 calls is not starved by one of 60.
# 5. A pacer wait ends on statement_timeout and on a cancel with 57014, and
#    the waiter takes no slot.
# 6. Two user mappings of one server are paced apart.
# 7. A database still at 1.2 objects reads snowfdw_stats.
# Prints `N passed, N failed` last.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
RUN_DIR=${1:?usage: 34-pacer.sh RUN_DIR}
passed=0
failed=0

emu() { "$PYTHON" "$EMU_DIR/emuctl.py" "$@"; }
requests() { emu log --tsv | wc -l; }
limited() { emu log --tsv | awk -F'\t' '$6 == 429' | wc -l; }
# q SQL...: run SQL in a new backend, database pacer_suite
q() {
  local args=()
  for sql in "$@"; do args+=(-c "$sql"); done
  as_postgres "$PG_BIN/psql" -X -At -q -v ON_ERROR_STOP=1 -h "$RUN_DIR" -p "$PGPORT" -d pacer_suite "${args[@]}"
}
# stat SERVER COLUMN: a column of the server's snowfdw_stats row (current user)
stat() { q "SELECT $2 FROM snowfdw_stats WHERE server_name = '$1' AND user_name = current_user"; }
rate_limit() { emu fault "{\"action\": \"rate_limit\", \"times\": -1, $1}" >/dev/null; }

as_postgres "$PG_BIN/psql" -X -q -h "$RUN_DIR" -p "$PGPORT" -d postgres \
  -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS pacer_suite" \
  -c "CREATE DATABASE pacer_suite" >/dev/null
as_postgres "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$RUN_DIR" -p "$PGPORT" -d pacer_suite \
  -v url="$SNOWFDW_EMU_URL" >/dev/null <<'SQL'
CREATE EXTENSION snowfdw;
-- one server per part: each has a pacer entry of its own
CREATE FUNCTION make_server(name text, opts text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE SERVER %I FOREIGN DATA WRAPPER snowfdw OPTIONS (url %L, max_retries ''20'', retry_max_time ''300''%s)',
                 name, current_setting('pacer.url'), opts);
  EXECUTE format('CREATE USER MAPPING FOR CURRENT_USER SERVER %I OPTIONS (token ''test-pat-alice-0123456789'')', name);
  -- the stages of every live schema of SALES: 1 + 8 requests, 6 rows
  EXECUTE format('CREATE FOREIGN TABLE %I (schema_name text, name text) SERVER %I OPTIONS (object ''stages'', database ''SALES'')',
                 name || '_stages', name);
  EXECUTE format('CREATE FOREIGN TABLE %I (database_name text, name text) SERVER %I OPTIONS (object ''schemas'')',
                 name || '_schemas', name);
END $$;
SELECT set_config('pacer.url', :'url', false);
SELECT make_server('capped', ', max_requests_per_second ''6''');
SELECT make_server('adaptive', '');
SELECT make_server('told', ', max_concurrency ''1''');
SELECT make_server('fair', ', max_requests_per_second ''10''');
SELECT make_server('slow', ', max_requests_per_second ''0.1''');
SELECT make_server('shared', '');
CREATE ROLE pacer_bob;
GRANT USAGE ON FOREIGN SERVER shared TO pacer_bob;
GRANT SELECT ON shared_stages TO pacer_bob;
CREATE USER MAPPING FOR pacer_bob SERVER shared
  OPTIONS (token 'test-oauth-bob-0123456789', token_type 'OAUTH');
SQL
test_build_functions "$PGPORT" pacer_suite
emu clear-faults >/dev/null
q "SELECT snowfdw_stats_reset()" >/dev/null

# ---------------------------------------------------------------------
# 1. a known limit: max_requests_per_second 6 under a bucket of 10/s
# ---------------------------------------------------------------------
check "the option takes a positive number only" "1 1" \
  "$(q "ALTER SERVER capped OPTIONS (SET max_requests_per_second '0')" 2>&1 | grep -c 'requests per second greater than 0') $(q "ALTER USER MAPPING FOR CURRENT_USER SERVER capped OPTIONS (ADD max_requests_per_second 'fast')" 2>&1 | grep -c 'invalid value')"
rate_limit '"rate": 10, "burst": 3'
emu clear-log
check "a paced statement under a known limit: exact rows" "6 6" \
  "$(q "SELECT count(*) FROM capped_stages" "SELECT count(*) FROM capped_stages" | tr '\n' ' ' | sed 's/ $//')"
check "... 18 requests, none answered 429" "18 0" "$(requests) $(limited)"
check "... all paced, and their waits counted in snowfdw_stats" "18 t t" \
  "$(stat capped "paced_requests, paced_wait_seconds > 0, learned_rate IS NULL" | tr '|' ' ')"
out=$(q "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM capped_stages")
check "EXPLAIN ANALYZE shows the scan's Paced wait" "1" \
  "$(grep -cE '^ +Paced wait: [1-9][0-9]* ms$' <<<"$out")"
check "... plain EXPLAIN does not" "0" \
  "$(q "EXPLAIN (COSTS OFF) SELECT count(*) FROM capped_stages" | grep -c 'Paced wait')"
check "... nor a scan that did not wait" "0" \
  "$(q "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM adaptive_schemas WHERE database_name = 'SALES'" | grep -c 'Paced wait')"
emu clear-faults >/dev/null

# ---------------------------------------------------------------------
# 2. adaptive: a bucket of 4/s, burst 2, 429s without Retry-After
# ---------------------------------------------------------------------
rate_limit '"rate": 4, "burst": 2'
emu clear-log
check "a 429 storm: the statement gets its exact rows" "6" "$(q "SELECT count(*) FROM adaptive_stages")"
first=$(limited)
check "... through 429s" "t" "$([ "$first" -ge 1 ] && echo t || echo f)"
learned1=$(stat adaptive learned_rate)
check "... which teach a rate" "t" "$([ -n "$learned1" ] && echo t || echo f)"
# 4 sessions at once, cold: every one answered with exact rows
emu clear-log
for i in 1 2 3 4; do
  q "SELECT count(*) FROM adaptive_stages" >"$RUN_DIR/pacer-storm.$i" 2>&1 &
done
wait
check "4 sessions at once under the limit: each gets its exact rows" "6 6 6 6" \
  "$(cat "$RUN_DIR"/pacer-storm.{1,2,3,4} | tr '\n' ' ' | sed 's/ $//')"
check "... with no error counted" "0" "$(stat adaptive errors)"
# once the rate settled, the same statement meets fewer 429s
emu clear-log
q "SELECT count(*) FROM adaptive_stages" >/dev/null
settled=$(limited)
check "after the rate settled, fewer 429s than the first time ($settled < $first)" "t" \
  "$([ "$settled" -lt "$first" ] && echo t || echo f)"
# a lower limit: the learned rate goes down
emu clear-faults >/dev/null
rate_limit '"rate": 1, "burst": 1'
before=$(stat adaptive learned_rate)
q "SELECT count(*) FROM adaptive_stages" >/dev/null
after=$(stat adaptive learned_rate)
check "the learned rate goes down on 429s ($after < $before)" "t" \
  "$(q "SELECT $after::float8 < $before::float8")"
# no limit any more: seconds without a 429 raise it again
emu clear-faults >/dev/null
q "SELECT advance_clock(5)" >/dev/null
q "SELECT count(*) FROM adaptive_stages" >/dev/null
grown=$(stat adaptive learned_rate)
check "... and back up in seconds without 429s ($grown > $after)" "t" \
  "$(q "SELECT $grown::float8 > $after::float8")"

# ---------------------------------------------------------------------
# 3. Retry-After: 1 s, one request at a time
# ---------------------------------------------------------------------
rate_limit '"rate": 3, "burst": 1, "retry_after": 1'
emu clear-log
check "429s with Retry-After: exact rows" "6" "$(q "SELECT count(*) FROM told_stages")"
check "... through 429s" "t" "$([ "$(limited)" -ge 1 ] && echo t || echo f)"
check "... after each, the next request arrived no sooner than Retry-After" "True" \
  "$(emu_log_facts "all(log[i + 1]['arrived_at'] - e['sending_at'] >= 1.0 for i, e in enumerate(log[:-1]) if e['status'] == 429)")"
emu clear-faults >/dev/null

# ---------------------------------------------------------------------
# 4. fairness: 60 calls against 4 at 10 requests a second
# ---------------------------------------------------------------------
names=$(for i in $(seq -w 1 60); do printf "'NODB_%s'," "$i"; done)
emu clear-log
q "SELECT count(*) FROM fair_schemas WHERE database_name IN (${names%,})" >"$RUN_DIR/pacer-big" 2>&1 &
big=$!
wait_for 30 bash -c "[ \$($PYTHON $EMU_DIR/emuctl.py log --tsv | wc -l) -ge 3 ]"
start=$(emu mark)
check "the small statement's rows" "10" \
  "$(q "SELECT count(*) FROM fair_schemas WHERE database_name IN ('SALES', 'MARKETING', 'ARCHIVE_DB', 'EMPTY_DB')")"
wait "$big"
check "the large statement's rows" "0" "$(cat "$RUN_DIR/pacer-big")"
# slots go in turn: from the moment the small statement started, its 4
# calls waited behind at most the large one's max_concurrency (8) slots
# (and a few sent already), not behind the rest of its 60; the large one
# still had requests to send after them
small_last="max(x['arrived'] for x in log if 'NODB' not in x['path'])"
check "the 4 calls waited behind at most 12 of the large statement's, not its rest" "True True" \
  "$(emu_log_facts "sum(1 for e in log if 'NODB' in e['path'] and $start < e['arrived'] < $small_last) <= 12, any(e['arrived'] > $small_last for e in log if 'NODB' in e['path'])" | tr -d '(),')"

# ---------------------------------------------------------------------
# 5. cancelling a pacer wait: one request every 10 s
# ---------------------------------------------------------------------
emu clear-log
out=$(q "SET statement_timeout = '2s'" "SELECT count(*) FROM slow_stages" 2>&1)
check "statement_timeout ends a pacer wait (57014)" "1" \
  "$(grep -c 'canceling statement due to statement timeout' <<<"$out")"
check "... with one request sent, the one slot taken" "1 1" "$(requests) $(stat slow paced_requests)"
q "SELECT count(*) FROM slow_stages" >"$RUN_DIR/pacer-cancel" 2>&1 &
waiter=$!
pid=""
for _ in $(seq 1 200); do
  pid=$(q "SELECT pid FROM pg_stat_activity WHERE query = 'SELECT count(*) FROM slow_stages' AND state = 'active' AND wait_event_type = 'Extension'")
  [ -n "$pid" ] && break
  sleep 0.05
done
q "SELECT pg_cancel_backend($pid)" >/dev/null
wait "$waiter"
check "a cancel ends a pacer wait (57014)" "1" \
  "$(grep -c 'canceling statement due to user request' "$RUN_DIR/pacer-cancel")"
check "... no request sent during the wait" "1" "$(requests)"
check "... and the waiter took no slot (paced_requests unchanged)" "1" "$(stat slow paced_requests)"

# ---------------------------------------------------------------------
# 6. two user mappings of one server
# ---------------------------------------------------------------------
rate_limit '"rate": 2, "burst": 1'
q "SELECT count(*) FROM shared_stages" >/dev/null
emu clear-faults >/dev/null
check "alice's mapping learned a rate" "t" "$(q "SELECT learned_rate IS NOT NULL FROM snowfdw_stats WHERE server_name = 'shared' AND user_name = current_user")"
check "bob's mapping is paced apart: no learned rate, no wait" "6 t 0" \
  "$(q "SET ROLE pacer_bob" "SELECT count(*) FROM shared_stages") $(q "SELECT learned_rate IS NULL, paced_requests FROM snowfdw_stats WHERE server_name = 'shared' AND user_name = 'pacer_bob'" | tr '|' ' ')"

# ---------------------------------------------------------------------
# 7. a database still at 1.2 objects: the module fills the 13 columns
#    its snowfdw_stats_raw declares
# ---------------------------------------------------------------------
as_postgres "$PG_BIN/psql" -X -q -h "$RUN_DIR" -p "$PGPORT" -d postgres \
  -c "DROP DATABASE IF EXISTS pacer_old" -c "CREATE DATABASE pacer_old" >/dev/null
as_postgres "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$RUN_DIR" -p "$PGPORT" -d pacer_old \
  -v url="$SNOWFDW_EMU_URL" >/dev/null <<'SQL'
CREATE EXTENSION snowfdw VERSION '1.2';
CREATE SERVER old FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'url');
CREATE USER MAPPING FOR CURRENT_USER SERVER old OPTIONS (token 'test-pat-alice-0123456789');
CREATE FOREIGN TABLE old_schemas (name text) SERVER old OPTIONS (object 'schemas', database 'SALES');
SELECT count(*) FROM old_schemas;
SQL
check "a database at 1.2 reads its snowfdw_stats row with the 1.3 module" "13|1" \
  "$(as_postgres "$PG_BIN/psql" -X -At -q -h "$RUN_DIR" -p "$PGPORT" -d pacer_old \
      -c "SELECT (SELECT count(*) FROM information_schema.columns WHERE table_name = 'snowfdw_stats'), requests FROM snowfdw_stats" 2>&1)"

as_postgres "$PG_BIN/psql" -X -q -h "$RUN_DIR" -p "$PGPORT" -d postgres \
  -c "DROP DATABASE pacer_suite WITH (FORCE)" -c "DROP DATABASE pacer_old WITH (FORCE)" \
  -c "DROP ROLE pacer_bob" >/dev/null
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
