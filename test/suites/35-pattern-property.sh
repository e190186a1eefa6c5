#!/usr/bin/env bash
# Suite: stage_files name patterns give the same rows with and without
# pushdown, over random names and random patterns (test/pattern_cases.py).
#   bash test/suites/35-pattern-property.sh RUN_DIR
# Env: SNOWFDW_PROPERTY_SEED (default 20), SNOWFDW_PROPERTY_CASES (4000),
# SNOWFDW_PROPERTY_NAMES (300).  The emulator gets a stage of random names
# for the run and its startup fixture back at the end.  Each case is one
# pushed query compared with PostgreSQL's own filter over a local copy of
# the names, as arrays sorted by byte; errors must agree too.  A failure prints
# the seed, the case and the request sent.  The property is one test, which
# passes when every case agrees: prints how many did, then `1 passed, 0
# failed` or `0 passed, 1 failed` last.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
RUN_DIR=${1:?usage: 35-pattern-property.sh RUN_DIR}
SEED=${SNOWFDW_PROPERTY_SEED:-20}
CASES=${SNOWFDW_PROPERTY_CASES:-4000}
NAMES=${SNOWFDW_PROPERTY_NAMES:-300}
DIR=$RUN_DIR/property
emu() { "$PYTHON" "$EMU_DIR/emuctl.py" "$@"; }
restore() {
  emu reset >/dev/null
  as_postgres "$PG_BIN/psql" -X -q -h "$RUN_DIR" -p "$PGPORT" -d postgres \
    -c "DROP DATABASE IF EXISTS property_suite" >/dev/null 2>&1
}
trap restore EXIT

as_postgres mkdir -p "$DIR"
as_postgres "$PYTHON" "$REPO/test/pattern_cases.py" "$SEED" "$RUN_DIR/fixture.json" \
  "$DIR/fixture.json" "$DIR/cases.tsv" "$NAMES" "$CASES" || { echo "0 passed, 1 failed"; exit 1; }
emu reset "$DIR/fixture.json" || { echo "0 passed, 1 failed"; exit 1; }
echo "seed $SEED: $NAMES names, $CASES patterns (SNOWFDW_PROPERTY_SEED replays them)"

as_postgres "$PG_BIN/psql" -X -q -h "$RUN_DIR" -p "$PGPORT" -d postgres \
  -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS property_suite" \
  -c "CREATE DATABASE property_suite ENCODING 'UTF8' TEMPLATE template0" >/dev/null
start=$(date +%s)
as_postgres "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$RUN_DIR" -p "$PGPORT" -d property_suite \
  -v url="$SNOWFDW_EMU_URL" -v cases="$DIR/cases.tsv" -v seed="$SEED" >"$DIR/out.txt" 2>&1 <<'SQL'
CREATE EXTENSION snowfdw;
CREATE SERVER s FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'url');
CREATE USER MAPPING FOR CURRENT_USER SERVER s OPTIONS (token 'test-pat-alice-0123456789');
CREATE FOREIGN TABLE files (name text) SERVER s
  OPTIONS (object 'stage_files', database 'PROP', schema 'PUBLIC', stage 'NAMES');
SET snowfdw.enable_pushdown = off;
CREATE TABLE local_files AS SELECT name FROM files;
SET snowfdw.enable_pushdown = on;
CREATE TABLE cases (id int PRIMARY KEY, op text, pattern text);
\set copy '\\copy cases FROM ' :'cases'
:copy
\set ON_ERROR_STOP 0
SET property.seed = :'seed';
DO $$
DECLARE
  c record;
  cond text;
  line text;
  request text;
  on_err text;
  off_err text;
  on_rows text[];
  off_rows text[];
  passed int := 0;
  failed int := 0;
  pushed int := 0;
BEGIN
  FOR c IN SELECT * FROM cases ORDER BY id LOOP
    cond := format(' WHERE name %s %L', c.op, c.pattern);
    request := NULL;
    on_err := NULL;
    off_err := NULL;
    on_rows := NULL;
    off_rows := NULL;
    BEGIN
      FOR line IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) SELECT name FROM files' || cond LOOP
        IF line LIKE '%Remote request:%' THEN
          request := substring(line FROM 'Remote request: (.*)$');
        END IF;
      END LOOP;
      EXECUTE 'SELECT array_agg(name ORDER BY name COLLATE "C") FROM files' || cond INTO on_rows;
    EXCEPTION WHEN OTHERS THEN
      on_err := SQLSTATE || ' ' || SQLERRM;
    END;
    BEGIN
      EXECUTE 'SELECT array_agg(name ORDER BY name COLLATE "C") FROM local_files' || cond INTO off_rows;
    EXCEPTION WHEN OTHERS THEN
      off_err := SQLSTATE || ' ' || SQLERRM;
    END;
    IF request LIKE '%pattern=%' THEN
      pushed := pushed + 1;
    END IF;
    IF on_err IS NOT DISTINCT FROM off_err AND on_rows IS NOT DISTINCT FROM off_rows THEN
      passed := passed + 1;
    ELSE
      failed := failed + 1;
      IF failed <= 20 THEN
        RAISE NOTICE E'FAIL seed % case %: name % %\n  request: %\n  with pushdown: %\n  PostgreSQL filter: %',
          current_setting('property.seed'), c.id, c.op, quote_literal(c.pattern), request,
          coalesce(on_err, cardinality(on_rows) || ' rows: ' || on_rows::text, '0 rows'),
          coalesce(off_err, cardinality(off_rows) || ' rows: ' || off_rows::text, '0 rows');
      END IF;
    END IF;
  END LOOP;
  RAISE NOTICE 'pushed % of % patterns', pushed, passed + failed;
  RAISE NOTICE 'RESULT % %', passed, failed;
END $$;
SQL
end=$(date +%s)
grep -v 'RESULT' "$DIR/out.txt" | sed 's/^psql:[^ ]* NOTICE:  //'
result=$(sed -n 's/.*RESULT \([0-9]*\) \([0-9]*\)$/\1 \2/p' "$DIR/out.txt")
echo "$CASES cases in $((end - start)) s"
if [ -z "$result" ]; then
  echo "the property run did not finish"
  echo "0 passed, 1 failed"
  exit 1
fi
set -- $result
if [ "$2" -eq 0 ] && [ "$1" -eq "$CASES" ]; then
  echo "ok - pushed and local filters agree on all $CASES cases"
  echo "1 passed, 0 failed"
else
  echo "not ok - pushed and local filters disagree on $2 of $((${1} + ${2})) cases ($CASES generated)"
  echo "0 passed, 1 failed"
  exit 1
fi
