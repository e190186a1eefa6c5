#!/usr/bin/env bash
# Suite: through a real driver (Debian's python3-psycopg): prepared
# statements past psycopg's prepare threshold keep their pushdown and their
# rows, and a named cursor reads an asynchronous Append in chunks, rows
# exact (test/drivers/psycopg_check.py).  Uses the run's cluster and
# emulator.
#   bash test/suites/25-psycopg.sh RUN_DIR
# Prints `N passed, N failed` last.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
RUN_DIR=${1:?usage: 25-psycopg.sh RUN_DIR}

as_postgres "$PG_BIN/psql" -X -q -h "$RUN_DIR" -p "$PGPORT" -d postgres \
  -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS driver_suite" \
  -c "CREATE DATABASE driver_suite" >/dev/null
out=$(as_postgres "$PYTHON" "$REPO/test/drivers/psycopg_check.py" \
  "host=$RUN_DIR port=$PGPORT dbname=driver_suite user=postgres" \
  "$SNOWFDW_EMU_URL" "$EMU_DIR/emuctl.py" 2>&1)
status=$?
echo "$out"
passed=$(grep -c '^ok - ' <<<"$out")
failed=$(grep -c '^not ok - ' <<<"$out")
# a driver that failed to run at all is a failure too
[ "$status" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
