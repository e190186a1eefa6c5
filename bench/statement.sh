#!/usr/bin/env bash
# make bench, part 3: one statement, many requests at once (issue 22).
# 50 ms latency per request; every figure is a ratio to one listing of one
# scope measured in the same run (medians of 5 runs on one connection).
#   S1  UNION ALL of 4 single-scope scans (stages of two schemas, streams of
#       two): rows read directly (asynchronous Append), and count(*) over the
#       same UNION ALL (a Subquery Scan over each branch: siblings sent
#       early), against the same statements with async_capable off.
#   S5  a 4-way UNION ALL of schema listings with LIMIT 5: the first branch
#       alone has the rows, so one request is needed; requests sent and time,
#       asynchronous and serial.
# Prints the figures and the goals; asserts nothing.
set -euo pipefail
. "$(dirname "$0")/../test/lib.sh"
trap stop_all EXIT
prepare_run_dir "$REPO/tmp_check/bench-statement"
"$PYTHON" "$REPO/bench/make_dashboard_fixture.py" "$RUN_DIR/fixture.json"
start_emulator "$RUN_DIR/fixture.json"
start_cluster 55441
emu() { "$PYTHON" "$EMU_DIR/emuctl.py" "$@"; }
psql_s() { as_postgres "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$RUN_DIR" -p "$PGPORT" -d postgres "$@"; }
ratio() { "$PYTHON" -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print('%.2f' % (a/b if b else float('nan')))" "$1" "$2"; }

psql_s -v url="$SNOWFDW_EMU_URL" >/dev/null <<'SQL'
CREATE EXTENSION snowfdw;
CREATE SERVER st FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'url');
CREATE USER MAPPING FOR CURRENT_USER SERVER st OPTIONS (token 'bench-pat-0123456789');
CREATE FOREIGN TABLE schemas (database_name text, name text) SERVER st OPTIONS (object 'schemas');
CREATE FOREIGN TABLE stages (database_name text, schema_name text, name text)
  SERVER st OPTIONS (object 'stages');
CREATE FOREIGN TABLE streams (database_name text, schema_name text, name text)
  SERVER st OPTIONS (object 'streams');
CREATE VIEW four_scopes AS
  SELECT database_name, schema_name, name FROM stages WHERE database_name = 'DASH_0' AND schema_name = 'S_00'
  UNION ALL
  SELECT database_name, schema_name, name FROM stages WHERE database_name = 'DASH_0' AND schema_name = 'S_01'
  UNION ALL
  SELECT database_name, schema_name, name FROM streams WHERE database_name = 'DASH_0' AND schema_name = 'S_00'
  UNION ALL
  SELECT database_name, schema_name, name FROM streams WHERE database_name = 'DASH_1' AND schema_name = 'S_00';
CREATE VIEW four_databases AS
  SELECT database_name, name FROM schemas WHERE database_name = 'DASH_0'
  UNION ALL SELECT database_name, name FROM schemas WHERE database_name = 'DASH_1'
  UNION ALL SELECT database_name, name FROM schemas WHERE database_name = 'DASH_2'
  UNION ALL SELECT database_name, name FROM schemas WHERE database_name = 'DASH_3';
SQL
emu fault '{"method": "GET", "times": -1, "action": "latency", "ms": 50}' >/dev/null

# timed SETTINGS SQL: "median_seconds requests" of SQL run 5 times on one
# connection after one untimed run (connections open), requests of one run
timed() {
  local script="$RUN_DIR/timed.sql"
  {
    echo "$1"
    echo "$2;"
    for i in 1 2 3 4 5; do
      echo "SELECT extract(epoch FROM clock_timestamp()) AS t0 \\gset"
      echo "$2;"
      echo "SELECT 'took ' || (extract(epoch FROM clock_timestamp()) - :t0);"
    done
    echo "\\! $PYTHON $EMU_DIR/emuctl.py clear-log"
    echo "$2;"
    echo "\\! $PYTHON $EMU_DIR/emuctl.py log --tsv | wc -l > $RUN_DIR/requests"
  } >"$script"
  local out median
  out=$(psql_s -f "$script")
  median=$(echo "$out" | sed -n 's/^took //p' | sort -g | sed -n 3p)
  printf '%.3f %s\n' "$median" "$(cat "$RUN_DIR/requests")"
}
line() { printf '%-66s %9s %9s\n' "$1" "$(echo "$2" | cut -d' ' -f1)" "$(echo "$2" | cut -d' ' -f2)"; }

printf '%-66s %9s %9s\n' "statement (50 ms per request)" "seconds" "requests"
base=$(timed "" "SELECT name FROM stages WHERE database_name = 'DASH_0' AND schema_name = 'S_00'")
line "one listing of one scope (the unit)" "$base"
s1=$(timed "" "SELECT * FROM four_scopes")
line "S1 UNION ALL of 4 scopes, rows (asynchronous Append)" "$s1"
s1c=$(timed "" "SELECT count(*) FROM four_scopes")
line "S1 count(*) over the UNION ALL (siblings sent early)" "$s1c"
s1s=$(timed "ALTER SERVER st OPTIONS (ADD async_capable 'false');" "SELECT * FROM four_scopes")
line "S1 rows, async_capable off (serial)" "$s1s"
s1cs=$(timed "" "SELECT count(*) FROM four_scopes")
line "S1 count(*), async_capable off (serial)" "$s1cs"
s5s=$(timed "" "SELECT * FROM four_databases LIMIT 5")
line "S5 4-way UNION ALL LIMIT 5, async_capable off (serial)" "$s5s"
s5=$(timed "ALTER SERVER st OPTIONS (DROP async_capable);" "SELECT * FROM four_databases LIMIT 5")
line "S5 4-way UNION ALL LIMIT 5, asynchronous" "$s5"
emu clear-faults >/dev/null

b=$(echo "$base" | cut -d' ' -f1)
echo "ratios to one listing of one scope (same run), goal in brackets:"
echo "  S1 rows, asynchronous:          $(ratio "$(echo "$s1" | cut -d' ' -f1)" "$b")x   [<= 1.5x]"
echo "  S1 count(*), siblings early:    $(ratio "$(echo "$s1c" | cut -d' ' -f1)" "$b")x   [<= 1.5x]"
echo "  S1 rows, serial:                $(ratio "$(echo "$s1s" | cut -d' ' -f1)" "$b")x"
echo "  S5 asynchronous: $(ratio "$(echo "$s5" | cut -d' ' -f1)" "$b")x, $(( $(echo "$s5" | cut -d' ' -f2) - 1 )) requests beyond the 1 needed" \
     "(serial: $(ratio "$(echo "$s5s" | cut -d' ' -f1)" "$b")x, $(( $(echo "$s5s" | cut -d' ' -f2) - 1 )) beyond)"
