#!/usr/bin/env bash
# Suite: every answer belongs to the credentials that fetched it, and the
# refresh worker works for every role (the run's cluster preloads snowfdw).
#   bash test/suites/33-credentials.sh RUN_DIR
# 1. A token replaced while a backend's listing with the old token is under
#    way: that statement gets its answer, but the next ones ask Snowflake
#    with the new token (401, SQLSTATE 28000), also within a stale window.
# 2. The same while the refresh worker's request is under way.
# 3. A NOLOGIN role (a viewer's SET ROLE) is refreshed like any other.
# 4. A refresh worker that never starts: its slot is given up, and the next
#    stale lookup launches one that refreshes.
# 5. A hot standby refreshes too.
# The emulator's log says which token signed each request (a fingerprint,
# never the token).  Prints `N passed, N failed` last.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
RUN_DIR=${1:?usage: 33-credentials.sh RUN_DIR}
STANDBY_DATA=$RUN_DIR/data-standby
STANDBY_PORT=55441
passed=0
failed=0

stop_standby() {
  [ -f "$STANDBY_DATA/postmaster.pid" ] &&
    as_postgres "$PG_BIN/pg_ctl" -D "$STANDBY_DATA" -m fast -w stop >/dev/null 2>&1
  rm -rf "$STANDBY_DATA"
}
trap stop_standby EXIT

GOOD=test-pat-alice-0123456789
REVOKED=test-pat-revoked-0123456789
fingerprint() { printf %s "$1" | sha256sum | cut -c1-16; }
GOOD_FP=$(fingerprint "$GOOD")
REVOKED_FP=$(fingerprint "$REVOKED")

emu() { "$PYTHON" "$EMU_DIR/emuctl.py" "$@"; }
# signed: one line per request of the log, "TOKEN STATUS", TOKEN good,
# revoked or other, STATUS the answer's (none while in flight)
signed() {
  emu log | "$PYTHON" -c '
import json, sys
good, revoked = sys.argv[1:3]
for e in json.load(sys.stdin):
    t = {good: "good", revoked: "revoked"}.get(e["token_sha256"], "other")
    print(t, e["status"] if e["status"] is not None else "none")' "$GOOD_FP" "$REVOKED_FP"
}
signed_list() { signed | tr '\n' ',' | sed 's/,$//'; }
requests() { emu log --tsv | wc -l; }
# q [PORT] SQL: run SQL in a new backend, database cred_suite; an error
# prints its SQLSTATE
q() {
  local port=$PGPORT
  [ $# -gt 1 ] && { port=$1; shift; }
  as_postgres "$PG_BIN/psql" -X -At -q -v VERBOSITY=sqlstate -h "$RUN_DIR" -p "$port" \
    -d cred_suite -c "$1" 2>&1 | sed 's/^psql:[^ ]* //'
}
# wait_requests N: until the emulator has seen N requests (5 s at most)
wait_requests() {
  for _ in $(seq 1 100); do [ "$(requests)" -ge "$1" ] && return; sleep 0.05; done
}
# wait_answered N: until N requests have their answer (5 s at most)
wait_answered() {
  for _ in $(seq 1 100); do
    [ "$(emu log --tsv | awk -F'\t' '$6 != "\\N"' | wc -l)" -ge "$1" ] && return
    sleep 0.05
  done
}
# wait_no_worker: until no refresh worker runs (5 s at most)
wait_no_worker() {
  for _ in $(seq 1 100); do
    [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'snowfdw refresh worker'")" = 0 ] && return
    sleep 0.05
  done
}

as_postgres "$PG_BIN/psql" -X -q -h "$RUN_DIR" -p "$PGPORT" -d postgres \
  -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS cred_suite" \
  -c "DROP ROLE IF EXISTS cred_dash" -c "CREATE DATABASE cred_suite" \
  -c "CREATE ROLE cred_dash NOLOGIN" >/dev/null
as_postgres "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$RUN_DIR" -p "$PGPORT" -d cred_suite \
  -v url="$SNOWFDW_EMU_URL" -v good="$GOOD" >/dev/null <<'SQL'
CREATE EXTENSION snowfdw;
CREATE SERVER s FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'url', cache_ttl '3600', cache_stale_ttl '3600', max_retries '0');
CREATE USER MAPPING FOR CURRENT_USER SERVER s OPTIONS (token :'good');
CREATE FOREIGN TABLE t (name text) SERVER s OPTIONS (object 'schemas', database 'SALES');
CREATE FOREIGN TABLE t_m (name text) SERVER s OPTIONS (object 'schemas', database 'MARKETING');
-- a dashboard's query: remote schemas with their local cost centres
CREATE TABLE owners (schema_name text, centre text);
INSERT INTO owners VALUES ('PUBLIC', 'finance');
CREATE FUNCTION centre_of(text) RETURNS text LANGUAGE plpgsql STABLE
  AS $$ BEGIN RETURN (SELECT centre FROM owners WHERE schema_name = $1); END $$;
-- the refresh tests: an entry is stale after an hour (the test build's
-- clock moves past it; an hour leaves room for a slow machine)
CREATE SERVER st FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'url', cache_ttl '3600', cache_stale_ttl '7200', max_retries '0');
CREATE USER MAPPING FOR CURRENT_USER SERVER st OPTIONS (token :'good');
CREATE USER MAPPING FOR cred_dash SERVER st OPTIONS (token :'good');
CREATE FOREIGN TABLE st_t (name text) SERVER st OPTIONS (object 'schemas', database 'SALES');
CREATE FOREIGN TABLE st_m (name text) SERVER st OPTIONS (object 'schemas', database 'MARKETING');
GRANT SELECT ON st_t, st_m TO cred_dash;
SQL
# advance_clock: entries age by the test build's clock, not by waiting
test_build_functions "$PGPORT" cred_suite
emu clear-faults >/dev/null

# ---------------------------------------------------------------------
# 1. a backend's own fetch
# ---------------------------------------------------------------------
DASHBOARD="SELECT count(*), count(centre_of(name)) FROM t"
q "SELECT snowfdw_cache_clear()" >/dev/null
emu clear-log
# the answer leaves once the token is replaced
emu fault '{"method": "GET", "times": 1, "action": "gate", "name": "a"}' >/dev/null
q "$DASHBOARD" >"$RUN_DIR/cred-a.out" &
a=$!
wait_requests 1
q "ALTER USER MAPPING FOR CURRENT_USER SERVER s OPTIONS (SET token '$REVOKED')" >/dev/null
emu open-gate a
wait "$a"
emu clear-faults >/dev/null
check "the statement whose request was under way gets its answer" "8|1" "$(cat "$RUN_DIR/cred-a.out")"
check "... signed by the old token" "good 200" "$(signed_list)"
check "the next query asks Snowflake with the new token: SQLSTATE 28000" \
  "ERROR:  28000" "$(q "SELECT count(*) FROM t")"
check "... one request, refused" "good 200,revoked 401" "$(signed_list)"
check "and the one after it too, in the stale window" "ERROR:  28000" "$(q "SELECT count(*) FROM t")"
check "... nothing answered from the old token's entry" "good 200,revoked 401,revoked 401" "$(signed_list)"
q "ALTER USER MAPPING FOR CURRENT_USER SERVER s OPTIONS (SET token '$GOOD')" >/dev/null
emu clear-log
check "the good token back: its own request" "8" "$(q "SELECT count(*) FROM t")"
check "... signed by it" "good 200" "$(signed_list)"

# ---------------------------------------------------------------------
# 2. a refresh behind the viewer's back
# ---------------------------------------------------------------------
q "SELECT snowfdw_cache_clear()" >/dev/null
check "refresh: a first read fills the entry" "8" "$(q "SELECT count(*) FROM st_t")"
q "SELECT advance_clock(3601)" >/dev/null
emu clear-log
# the worker's answer leaves once the token is replaced
emu fault '{"method": "GET", "times": 1, "action": "gate", "name": "refresh"}' >/dev/null
check "refresh: past cache_ttl, the stale entry answers" "8" "$(q "SELECT count(*) FROM st_t")"
wait_requests 1
q "ALTER USER MAPPING FOR CURRENT_USER SERVER st OPTIONS (SET token '$REVOKED')" >/dev/null
emu open-gate refresh
wait_answered 1
wait_no_worker
emu clear-faults >/dev/null
check "refresh: the worker's request was signed by the old token" "good 200" "$(signed_list)"
check "refresh: the next query asks with the new token: SQLSTATE 28000" \
  "ERROR:  28000" "$(q "SELECT count(*) FROM st_t")"
check "... not answered from the refreshed entry" "good 200,revoked 401" "$(signed_list)"
q "ALTER USER MAPPING FOR CURRENT_USER SERVER st OPTIONS (SET token '$GOOD')" >/dev/null

# ---------------------------------------------------------------------
# 3. a NOLOGIN role
# ---------------------------------------------------------------------
q "SELECT snowfdw_cache_clear()" >/dev/null
check "NOLOGIN: the role reads through its mapping" "2" "$(q "SET ROLE cred_dash; SELECT count(*) FROM st_m")"
# a schema made through the other server: st's entry is not dropped
q "INSERT INTO t_m (name) VALUES ('CRED_NEW')" >/dev/null
log_from=$(($(stat -c %s "$RUN_DIR/postgres.log") + 1))
q "SELECT advance_clock(3601)" >/dev/null
emu clear-log
check "NOLOGIN: past cache_ttl, the stale entry answers" "2" "$(q "SET ROLE cred_dash; SELECT count(*) FROM st_m")"
wait_answered 1
wait_no_worker
check "NOLOGIN: a worker refreshed the entry" "good 200" "$(signed_list)"
check "NOLOGIN: no worker failed to log in" "0" \
  "$(tail -c "+$log_from" "$RUN_DIR/postgres.log" | grep -c 'not permitted to log in')"
check "NOLOGIN: the next query sees the refreshed entry" "3" "$(q "SET ROLE cred_dash; SELECT count(*) FROM st_m")"
q "DELETE FROM t_m WHERE name = 'CRED_NEW'" >/dev/null

# ---------------------------------------------------------------------
# 4. a worker that never starts
# ---------------------------------------------------------------------
# one backend throughout (a coprocess): the backend that launched a worker
# sees it stopped at its next stale lookup
coproc SESSION { as_postgres "$PG_BIN/psql" -X -At -q -h "$RUN_DIR" -p "$PGPORT" -d cred_suite 2>&1; }
# bash unsets SESSION_PID once it has reaped the coprocess: keep it
session_pid=$SESSION_PID
# sq SQL: run SQL in the session, print its output
sq() {
  local line
  printf '%s\n\\echo __done__\n' "$1" >&"${SESSION[1]}"
  while IFS= read -r line <&"${SESSION[0]}"; do
    [ "$line" = __done__ ] && break
    echo "$line"
  done
}
q "SELECT snowfdw_cache_clear()" >/dev/null
q "SELECT count(*) FROM st_t" >/dev/null
q "SELECT advance_clock(3601)" >/dev/null
emu clear-log
# the launch registers a worker that cannot load its entry point
log_from=$(($(stat -c %s "$RUN_DIR/postgres.log") + 1))
sq "SET snowfdw.fault_point = 'refresh_launch';" >/dev/null
check "unstarted worker: the stale entry answers" "8" "$(sq "SELECT count(*) FROM st_t;")"
for _ in $(seq 1 100); do
  tail -c "+$log_from" "$RUN_DIR/postgres.log" | grep -q 'snowfdw_refresh_main_absent' && break
  sleep 0.05
done
check "unstarted worker: it failed before it ran" "1" \
  "$(tail -c "+$log_from" "$RUN_DIR/postgres.log" | grep -c 'could not find function "snowfdw_refresh_main_absent"')"
check "... and sent nothing" "0" "$(requests)"
# the next stale lookups of that backend give the slot up once the
# postmaster has reaped the worker, and launch one that refreshes
for _ in $(seq 1 40); do
  sq "SELECT count(*) FROM st_t;" >/dev/null
  [ "$(requests)" -ge 1 ] && break
  sleep 0.05
done
wait_answered 1
wait_no_worker
check "unstarted worker: its slot was given up, a new worker refreshed" "good 200" "$(signed_list)"
check "... one request for all those stale lookups" "1" "$(requests)"
exec {SESSION[1]}>&-
wait "$session_pid" 2>/dev/null

# ---------------------------------------------------------------------
# 5. a hot standby
# ---------------------------------------------------------------------
rm -rf "$STANDBY_DATA"
if as_postgres "$PG_BIN/pg_basebackup" -h "$RUN_DIR" -p "$PGPORT" -U postgres -D "$STANDBY_DATA" \
     -R -X stream -c fast >"$RUN_DIR/standby-basebackup.log" 2>&1 &&
   as_postgres "$PG_BIN/pg_ctl" -D "$STANDBY_DATA" -l "$STANDBY_DATA.log" -w \
     -o "-p $STANDBY_PORT -k $RUN_DIR -c listen_addresses='' -c hot_standby=on -c shared_preload_libraries=snowfdw" \
     start >/dev/null 2>&1; then
  check "standby: in recovery" "t" "$(q "$STANDBY_PORT" "SELECT pg_is_in_recovery()")"
  check "standby: a first read fills its cache" "8" "$(q "$STANDBY_PORT" "SELECT count(*) FROM st_t")"
  q "INSERT INTO t (name) VALUES ('CRED_NEW')" >/dev/null
  # (the standby's own clock: its cache is in its own shared memory)
  q "$STANDBY_PORT" "SELECT advance_clock(3601)" >/dev/null
  emu clear-log
  check "standby: past cache_ttl, the stale entry answers" "8" "$(q "$STANDBY_PORT" "SELECT count(*) FROM st_t")"
  wait_answered 1
  for _ in $(seq 1 100); do
    [ "$(q "$STANDBY_PORT" "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'snowfdw refresh worker'")" = 0 ] && break
    sleep 0.05
  done
  check "standby: a worker refreshed it" "good 200" "$(signed_list)"
  check "standby: the next query sees the refreshed entry" "9" "$(q "$STANDBY_PORT" "SELECT count(*) FROM st_t")"
  q "DELETE FROM t WHERE name = 'CRED_NEW'" >/dev/null
else
  check "standby: made by pg_basebackup and started" "yes" "no ($(tail -3 "$RUN_DIR/standby-basebackup.log" "$STANDBY_DATA.log" 2>/dev/null | tr '\n' ' '))"
fi
stop_standby

as_postgres "$PG_BIN/psql" -X -q -h "$RUN_DIR" -p "$PGPORT" -d postgres \
  -c "DROP DATABASE cred_suite WITH (FORCE)" -c "DROP ROLE cred_dash" >/dev/null
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
