#!/usr/bin/env bash
# Suite: defer_writes across sessions, and COMMIT cut short (the run's
# cluster preloads snowfdw; the emulator's log is the truth).
#   bash test/suites/37-defer.sh RUN_DIR
# 1. A pipelined COMMIT whose 25th of 40 creates fails: the error's counts
#    (applied and undone, failed, not sent) are what the emulator's log
#    shows, whatever was in flight.
# 2. Other sessions never see a pending change, not even through the shared
#    cache that the transaction's own scan filled; after COMMIT they do.
# 3. A cancel during COMMIT (the 5th of 10 creates held at an emulator
#    gate): the request in flight ends first, then the 5 created are
#    dropped again, 5 are not sent, and the error says so (57014).
# 4. statement_timeout does not apply to COMMIT (PostgreSQL disables it
#    before committing): all 10 creates are applied.
# 5. The backend terminated during COMMIT (pg_terminate_backend while the
#    5th create is held at a gate; a crash leaves Snowflake the same way):
#    no undo runs; the server log has told, before anything was sent, every
#    request COMMIT was about to send, and Snowflake keeps what it applied.
# Prints `N passed, N failed` last.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
RUN_DIR=${1:?usage: 37-defer.sh RUN_DIR}
passed=0
failed=0
DB=defer_suite
BG=$RUN_DIR/defer-bg

emu() { "$PYTHON" "$EMU_DIR/emuctl.py" "$@"; }
# q SQL: run SQL in a new backend, database defer_suite
q() { as_postgres "$PG_BIN/psql" -X -At -q -v ON_ERROR_STOP=1 -h "$RUN_DIR" -p "$PGPORT" -d $DB -c "$1"; }
# q_err SQL...: run the statements in one backend; print its stderr (errors)
q_err() {
  local args=() s
  for s in "$@"; do args+=(-c "$s"); done
  as_postgres "$PG_BIN/psql" -X -At -q -h "$RUN_DIR" -p "$PGPORT" -d $DB "${args[@]}" 2>&1 >/dev/null
}
# count_writes METHOD STATUS: requests of the log with that method and status
count_writes() { emu_log_facts "sum(1 for e in log if e['method'] == '$1' and e['status'] == $2)"; }
held_at_gate() { [ "$(emu_log_facts "sum(1 for e in log if e['method'] == 'POST' and e['status'] is None)")" = 1 ]; }
# number_of WHAT TEXT: the count the error's detail gives for "N WHAT:"
number_of() { printf '%s' "$2" | grep -o "[0-9]* $1:" | grep -o '^[0-9]*' || echo 0; }
# sales_schemas LETTER: the schemas of SALES named LETTER and two digits
sales_schemas() { q "SELECT count(*) FROM t WHERE name ~ '^$1[0-9]{2}\$'"; }
# creates PREFIX N: the INSERT of N deferred creates
creates() { echo "INSERT INTO t (name) SELECT '$1' || lpad(i::text, 2, '0') FROM generate_series(1, $2) i"; }

as_postgres "$PG_BIN/psql" -X -q -h "$RUN_DIR" -p "$PGPORT" -d postgres \
  -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null
as_postgres "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$RUN_DIR" -p "$PGPORT" -d $DB \
  -v url="$SNOWFDW_EMU_URL" >/dev/null <<'SQL'
CREATE EXTENSION snowfdw;
CREATE SERVER s FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'url', cache_ttl '3600', defer_writes 'true');
CREATE USER MAPPING FOR PUBLIC SERVER s OPTIONS (token 'test-pat-alice-0123456789');
CREATE FOREIGN TABLE t (name text, comment text) SERVER s OPTIONS (object 'schemas', database 'SALES');
SQL

# ---------------------------------------------------------------------
# 1. pipelined COMMIT, the 25th of 40 creates refused
emu reset
emu fault '{"method": "POST", "path": "/schemas$", "skip": 24, "times": 1, "action": "status", "status": 409}'
emu fault '{"method": "POST", "path": "/schemas$", "times": -1, "action": "latency", "ms": 20}'
err=$(q_err "BEGIN" "$(creates P 40)" "COMMIT")
emu clear-faults
undone=$(number_of "applied and undone" "$err")
notsent=$(number_of "not sent" "$err")
check "pipelined: COMMIT fails with the refused create's error" "1" "$(printf '%s' "$err" | grep -c 'COMMIT of deferred snowfdw changes failed: .*409')"
check "... 1 failed" "1" "$(number_of failed "$err")"
check "... applied and undone + failed + not sent = 40" "40" "$((undone + 1 + notsent))"
check "... the log has as many creates applied as the report" "$undone" "$(count_writes POST 200)"
check "... and as many drops" "$undone" "$(count_writes DELETE 200)"
check "... one create refused, none other sent" "1" "$(count_writes POST 409)"
check "... no P schema is left" "0" "$(sales_schemas P)"

# ---------------------------------------------------------------------
# 2. another session never sees a pending change, not through the cache
emu reset
rm -f "$BG.in" "$BG.out"
mkfifo "$BG.in"
chmod 666 "$BG.in"
as_postgres "$PG_BIN/psql" -X -At -q -h "$RUN_DIR" -p "$PGPORT" -d $DB <"$BG.in" >"$BG.out" 2>&1 &
bg=$!
exec 3>"$BG.in"
echo "BEGIN; INSERT INTO t (name, comment) VALUES ('PENDING_1', 'mine');
UPDATE t SET comment = 'pending' WHERE name = 'STAGING';
SELECT 'mine:' || count(*) FROM t WHERE name = 'PENDING_1' OR comment = 'pending';" >&3
wait_for 30 grep -q '^mine:' "$BG.out"
check "the transaction sees its pending create and update" "mine:2" "$(grep '^mine:' "$BG.out")"
emu clear-log
check "another session does not see them" "0" "$(q "SELECT count(*) FROM t WHERE name = 'PENDING_1' OR comment = 'pending'")"
check "... answered by the cache the transaction's scan filled" "0" "$(emu_log_facts "len(log)")"
echo "COMMIT; SELECT 'done';" >&3
wait_for 30 grep -q '^done' "$BG.out"
exec 3>&-
wait "$bg"
check "after COMMIT another session sees them" "2" "$(q "SELECT count(*) FROM t WHERE name = 'PENDING_1' OR comment = 'pending'")"

# ---------------------------------------------------------------------
# 3. a cancel during COMMIT: the request in flight ends, then the undo
emu reset
log_lines=$(wc -l <"$RUN_DIR/postgres.log")
emu fault '{"method": "POST", "path": "/schemas$", "skip": 4, "times": 1, "action": "gate", "name": "c5"}'
q_err "SET snowfdw.max_concurrency = 1" "SET application_name = 'defer_cancel'" "BEGIN" "$(creates C 10)" "COMMIT" >"$BG.err" &
bg=$!
wait_for 30 held_at_gate
check "cancel: the 5th create is held at the gate" "4" "$(count_writes POST 200)"
q "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'defer_cancel'" >/dev/null
# the cancel is taken (the server log says so), but the backend waits for
# the request in flight
wait_for 30 sh -c "tail -n +$((log_lines + 1)) '$RUN_DIR/postgres.log' | grep -q 'snowfdw: COMMIT interrupted (canceling statement due to user request)'"
emu open-gate c5
wait "$bg"
err=$(cat "$BG.err")
check "... COMMIT fails with the cancel" "1" "$(grep -c 'COMMIT of deferred snowfdw changes failed: canceling statement due to user request' <<<"$err")"
check "... 5 applied and undone" "5" "$(number_of "applied and undone" "$err")"
check "... 5 not sent" "5" "$(number_of "not sent" "$err")"
check "... the log agrees: 5 creates, 5 drops" "5 5" "$(count_writes POST 200) $(count_writes DELETE 200)"
check "... no C schema is left" "0" "$(sales_schemas C)"

# ---------------------------------------------------------------------
# 4. statement_timeout does not reach COMMIT: PostgreSQL disables it
#    before the commit runs (finish_xact_command); each request is bounded
#    by request_timeout.  The gate holds the 5th create 1 s, past the
#    300 ms timeout.
emu reset
emu fault '{"method": "POST", "path": "/schemas$", "skip": 4, "times": 1, "action": "gate", "name": "t5", "seconds": 1}'
err=$(q_err "SET snowfdw.max_concurrency = 1" "BEGIN" "$(creates T 10)" "SET LOCAL statement_timeout = '300ms'" "COMMIT")
check "statement_timeout: COMMIT is not cut short" "" "$err"
check "... the 10 creates applied" "10 0" "$(count_writes POST 200) $(count_writes DELETE 200)"

# ---------------------------------------------------------------------
# 5. the backend terminated during COMMIT
emu reset
emu fault '{"method": "POST", "path": "/schemas$", "skip": 4, "times": 1, "action": "gate", "name": "k5"}'
log_lines=$(wc -l <"$RUN_DIR/postgres.log")
q_err "SET snowfdw.max_concurrency = 1" "SET application_name = 'defer_kill'" "BEGIN" "$(creates K 10)" "COMMIT" >"$BG.err" &
bg=$!
wait_for 30 held_at_gate
q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'defer_kill'" >/dev/null
wait "$bg"
emu open-gate k5
# the held create is carried out once the gate opens, as Snowflake would
wait_for 30 test "$(count_writes POST 200)" = 5
logged=$(tail -n +"$((log_lines + 1))" "$RUN_DIR/postgres.log" | grep -o 'snowfdw: COMMIT sends [0-9]* changes: .*')
check "crash: the server log named the 10 requests before sending" "10" "$(grep -o 'POST /api/v2/databases/SALES/schemas' <<<"$logged" | wc -l)"
check "... no undo was sent" "0" "$(count_writes DELETE 200)"
check "... Snowflake keeps the 5 creates it applied" "5" "$(sales_schemas K)"
check "... the client saw the connection end" "1" "$(grep -c 'terminating connection' "$BG.err")"

rm -f "$BG.in" "$BG.out" "$BG.err"
as_postgres "$PG_BIN/psql" -X -q -h "$RUN_DIR" -p "$PGPORT" -d postgres -c "DROP DATABASE $DB WITH (FORCE)" >/dev/null
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
