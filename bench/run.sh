#!/usr/bin/env bash
# make bench: ratios measured in one run against baselines of the same run.
# Nothing is asserted; the numbers are printed for the reader.
set -euo pipefail
. "$(dirname "$0")/../test/lib.sh"
trap stop_all EXIT
build_and_install
prepare_run_dir "$REPO/tmp_check/bench"
make_keys
"$PYTHON" "$REPO/bench/make_fixture.py" "$RUN_DIR/fixture.json" 20000
start_emulator "$RUN_DIR/fixture.json"
start_cluster 55434

psql_b() { as_postgres "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d postgres "$@"; }
psql_b -v url="$SNOWFDW_EMU_URL" <<'SQL'
CREATE EXTENSION snowfdw;
CREATE SERVER b FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'url');
CREATE USER MAPPING FOR CURRENT_USER SERVER b OPTIONS (token 'bench-pat-0123456789');
CREATE FOREIGN TABLE schemas (database_name text, name text, comment text) SERVER b OPTIONS (object 'schemas');
SQL

emu() { "$PYTHON" "$EMU_DIR/emuctl.py" "$@"; }
# run_query SETTINGS SQL: prints "seconds requests peak_kB" of the query, in a fresh backend
run_query() {
  emu clear-log
  local out
  out=$(psql_b <<SQL
$1
SELECT regexp_replace(pg_read_file('/proc/self/status'), '.*VmHWM:\s+(\d+) kB.*', '\1', 's') AS before \gset
SELECT extract(epoch FROM clock_timestamp()) AS t0 \gset
$2;
SELECT round((extract(epoch FROM clock_timestamp()) - :t0)::numeric, 3) || ' ' ||
       (regexp_replace(pg_read_file('/proc/self/status'), '.*VmHWM:\s+(\d+) kB.*', '\1', 's')::int - :before);
SQL
)
  local n
  n=$(emu log --tsv | wc -l)
  echo "$(echo "$out" | tail -1 | cut -d' ' -f1) $n $(echo "$out" | tail -1 | cut -d' ' -f2)"
}
ratio() { "$PYTHON" -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print('%.2f' % (a/b if b else float('nan')))" "$1" "$2"; }

printf '%-58s %9s %9s %12s\n' "measurement" "seconds" "requests" "peak+ kB"
report() { printf '%-58s %9s %9s %12s\n' "$1" $2; }

# 1. fan-out concurrency: 8 database listings, 40 ms latency each
dbs="'DB_0','DB_1','DB_2','DB_3','DB_4','DB_5','DB_6','DB_7'"
emu fault '{"method": "GET", "times": -1, "action": "latency", "ms": 40}'
r1=$(run_query "SET snowfdw.max_concurrency = 1;" "SELECT count(*) FROM schemas WHERE database_name IN ($dbs)")
r8=$(run_query "SET snowfdw.max_concurrency = 8;" "SELECT count(*) FROM schemas WHERE database_name IN ($dbs)")
report "8 databases x 50 schemas, 40 ms latency, concurrency 1" "$r1"
report "8 databases x 50 schemas, 40 ms latency, concurrency 8" "$r8"
emu clear-faults

# 2. memory is bounded by the page, not the listing
s2k=$(run_query "" "SELECT count(*) FROM (SELECT * FROM schemas WHERE database_name = 'BIG' LIMIT 2000) s")
s20k=$(run_query "" "SELECT count(*) FROM schemas WHERE database_name = 'BIG'")
report "BIG: first 2000 schemas (2 pages of 1000)" "$s2k"
report "BIG: all 20000 schemas (20 pages of 1000)" "$s20k"

# 3. name pushdown: one fetch against the 20000-row listing
fetch=$(run_query "" "SELECT count(*) FROM schemas WHERE database_name = 'BIG' AND name = 'S_019999'")
nopd=$(run_query "SET snowfdw.enable_pushdown = off;" "SELECT count(*) FROM schemas WHERE database_name = 'BIG' AND name = 'S_019999'")
report "BIG: name = 'S_019999', pushdown on (fetch)" "$fetch"
report "BIG: name = 'S_019999', pushdown off (listing)" "$nopd"

echo
echo "ratios (same run):"
echo "  concurrency speed-up, 8 vs 1:              $(ratio "$(echo "$r1" | cut -d' ' -f1)" "$(echo "$r8" | cut -d' ' -f1)")x"
echo "  peak memory growth, 20000 vs 2000 rows:    $(ratio "$(echo "$s20k" | cut -d' ' -f3)" "$(echo "$s2k" | cut -d' ' -f3)")x  (10x rows)"
echo "  name pushdown speed-up:                    $(ratio "$(echo "$nopd" | cut -d' ' -f1)" "$(echo "$fetch" | cut -d' ' -f1)")x"

echo
bash "$(dirname "$0")/dashboard.sh"
