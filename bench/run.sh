#!/usr/bin/env bash
# make bench: ratios measured in one run against baselines of the same run.
# Nothing is asserted; the numbers are printed for the reader.
set -euo pipefail
. "$(dirname "$0")/../test/lib.sh"
run_from_copy bench "$0" "$@"
trap stop_all EXIT
build_and_install
prepare_run_dir "$REPO/tmp_check/bench"
make_keys
make_tls_certs
"$PYTHON" "$REPO/bench/make_fixture.py" "$RUN_DIR/fixture.json" 20000
start_emulator "$RUN_DIR/fixture.json"
start_cluster 55434

psql_b() { as_postgres "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d postgres "$@"; }
psql_b -v url="$SNOWFDW_EMU_URL" -v https_url="$SNOWFDW_EMU_HTTPS_URL" -v ca_file="$SNOWFDW_TLS_DIR/ca.pem" <<'SQL'
CREATE EXTENSION snowfdw;
CREATE SERVER b FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'url');
CREATE USER MAPPING FOR CURRENT_USER SERVER b OPTIONS (token 'bench-pat-0123456789');
CREATE FOREIGN TABLE schemas (database_name text, name text, comment text) SERVER b OPTIONS (object 'schemas');
-- the same emulator through its HTTPS listener, as production runs
CREATE SERVER bs FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'https_url', ca_file :'ca_file');
CREATE USER MAPPING FOR CURRENT_USER SERVER bs OPTIONS (token 'bench-pat-0123456789');
CREATE FOREIGN TABLE schemas_tls (database_name text, name text, comment text) SERVER bs OPTIONS (object 'schemas');
SQL

emu() { "$PYTHON" "$EMU_DIR/emuctl.py" "$@"; }
# measure SETTINGS SQL: after SETTINGS, "seconds peak_kB_growth" of SQL in a fresh backend
measure() {
  psql_b <<SQL
$1
SELECT regexp_replace(pg_read_file('/proc/self/status'), '.*VmHWM:\s+(\d+) kB.*', '\1', 's') AS before \gset
SELECT extract(epoch FROM clock_timestamp()) AS t0 \gset
$2;
SELECT round((extract(epoch FROM clock_timestamp()) - :t0)::numeric, 3) || ' ' ||
       (regexp_replace(pg_read_file('/proc/self/status'), '.*VmHWM:\s+(\d+) kB.*', '\1', 's')::int - :before);
SQL
}
# run_query SETTINGS SQL: prints "seconds requests peak_kB" of the query, in a fresh backend
run_query() {
  emu clear-log
  local out
  out=$(measure "$1" "$2")
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
# the same over HTTPS: each fresh backend pays one TLS handshake per connection
t1=$(run_query "SET snowfdw.max_concurrency = 1;" "SELECT count(*) FROM schemas_tls WHERE database_name IN ($dbs)")
hs1=$(emu listeners https | cut -f5)
t8=$(run_query "SET snowfdw.max_concurrency = 8;" "SELECT count(*) FROM schemas_tls WHERE database_name IN ($dbs)")
hs8=$(emu listeners https | cut -f5)
report "  the same over HTTPS, concurrency 1" "$t1"
report "  the same over HTTPS, concurrency 8" "$t8"
emu clear-faults

# 2. memory is bounded by the page, not the listing
# (one untimed listing first: the emulator's first listing of BIG is slower)
run_query "" "SELECT count(*) FROM schemas WHERE database_name = 'BIG'" >/dev/null
s2k=$(run_query "" "SELECT count(*) FROM (SELECT * FROM schemas WHERE database_name = 'BIG' LIMIT 2000) s")
s20k=$(run_query "" "SELECT count(*) FROM schemas WHERE database_name = 'BIG'")
report "BIG: first 2000 schemas (2 pages of 1000)" "$s2k"
report "BIG: all 20000 schemas (20 pages of 1000)" "$s20k"
t20k=$(run_query "" "SELECT count(*) FROM schemas_tls WHERE database_name = 'BIG'")
hs20k=$(emu listeners https | cut -f5)
report "  the same over HTTPS" "$t20k"

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
echo "  HTTPS / HTTP time, fan-out concurrency 1:  $(ratio "$(echo "$t1" | cut -d' ' -f1)" "$(echo "$r1" | cut -d' ' -f1)")x"
echo "  HTTPS / HTTP time, fan-out concurrency 8:  $(ratio "$(echo "$t8" | cut -d' ' -f1)" "$(echo "$r8" | cut -d' ' -f1)")x"
echo "  HTTPS / HTTP time, 20 pages of 1000:       $(ratio "$(echo "$t20k" | cut -d' ' -f1)" "$(echo "$s20k" | cut -d' ' -f1)")x"
echo "  TLS handshakes (concurrency 1, concurrency 8, 20 pages): $hs1, $hs8, $hs20k"

# ---------------------------------------------------------------------------
# B1: listings at scale, against the physical limit of the stack.  A server of
# pre-built bytes (bench/listserver.py) so that the server is not measured.
echo
echo "B1: stage listings at scale (loopback, no latency)"
LS_DIR="$RUN_DIR/listserver"
as_postgres mkdir -p "$LS_DIR"
as_postgres "$PYTHON" "$REPO/bench/listserver.py" --port-file "$LS_DIR/port" \
  --files 200000,1000000 --schemas 100000 >"$LS_DIR/log" 2>&1 &
for _ in $(seq 1 600); do [ -s "$LS_DIR/port" ] && break; sleep 0.1; done
LS_PID=$(pgrep -f -n "listserver.py --port-file $LS_DIR/port")
trap 'kill $LS_PID 2>/dev/null; stop_all' EXIT
LS_URL="http://127.0.0.1:$(cat "$LS_DIR/port")"
gcc -O2 -o "$LS_DIR/limit" "$REPO/bench/limit.c" $(pkg-config --cflags --libs libcurl libcjson)

psql_b -v url="$LS_URL" <<'SQL'
CREATE SERVER ls FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'url');
CREATE USER MAPPING FOR CURRENT_USER SERVER ls OPTIONS (token 'bench-pat-0123456789');
CREATE FOREIGN TABLE files (stage_name text, name text, size bigint, md5 text,
  last_modified timestamptz) SERVER ls OPTIONS (object 'stage_files', database 'BENCH', schema 'PUBLIC');
CREATE FOREIGN TABLE paged (database_name text, name text, kind text, owner text)
  SERVER ls OPTIONS (object 'schemas', database 'PAGED');
CREATE TABLE files_local (name text, size bigint);
SQL

ls_stat() { curl -s "$LS_URL/_stats" | "$PYTHON" -c "import json,sys; d=json.load(sys.stdin); print(d['$1'])"; }
# fdw_query SETTINGS SQL: "seconds peak_kB_growth" of one statement in a fresh backend
fdw_query() { measure "$1" "$2" | tail -1; }
# pipeline URL: what a user does without snowfdw, timed whole
pipeline() {
  local t0 t1
  t0=$(date +%s.%N)
  curl -s "$1" | jq -r '.[] | [.name, .size] | @tsv' |
    psql_b -c "TRUNCATE files_local" -c "\\copy files_local FROM STDIN" >/dev/null
  psql_b -c "SELECT count(*), sum(size) FROM files_local" >/dev/null
  t1=$(date +%s.%N)
  "$PYTHON" -c "print('%.3f' % ($t1 - $t0))"
}
b1_line() { printf '  %-52s %9s %12s  %s\n' "$1" "$2" "$3" "${4:-}"; }
printf '  %-52s %9s %12s  %s\n' "measurement" "seconds" "peak+ kB" ""
declare -A FDW BARE PIPE MEM
for n in 200000 1000000; do
  url="$LS_URL/api/v2/databases/BENCH/schemas/PUBLIC/stages/F$n/files"
  read -r rows sum fetch_s parse_s < <("$LS_DIR/limit" "$url")
  BARE[$n]=$("$PYTHON" -c "print('%.3f' % ($fetch_s + $parse_s))")
  b1_line "F$n bare C (libcurl + cJSON by ->next)" "${BARE[$n]}" "" "(fetch $fetch_s s, parse+sum $parse_s s; $rows rows)"
  PIPE[$n]=$(pipeline "$url")
  b1_line "F$n curl | jq | psql \\copy, then aggregate" "${PIPE[$n]}" ""
  read -r FDW[$n] MEM[$n] < <(fdw_query "" "SELECT count(*), sum(size) FROM files WHERE stage_name = 'F$n'")
  b1_line "F$n snowfdw count(*), sum(size)" "${FDW[$n]}" "${MEM[$n]}"
done
curl -s "$LS_URL/_reset" >/dev/null
read -r lim_s lim_mem < <(fdw_query "" "SELECT name FROM files WHERE stage_name = 'F1000000' LIMIT 10")
sleep 0.5
lim_sent=$(ls_stat bytes_sent); lim_planned=$(ls_stat bytes_planned)
b1_line "F1000000 snowfdw LIMIT 10" "$lim_s" "$lim_mem" "(server sent $lim_sent of $lim_planned bytes)"
read -r p1k _ < <(fdw_query "ALTER SERVER ls OPTIONS (ADD page_size '1000');" "SELECT count(*) FROM paged")
read -r p10k _ < <(fdw_query "ALTER SERVER ls OPTIONS (SET page_size '10000');" "SELECT count(*) FROM paged")
b1_line "100000 schemas keyset-paged, page_size 1000" "$p1k" ""
b1_line "100000 schemas keyset-paged, page_size 10000" "$p10k" ""

per_row() { "$PYTHON" -c "print('%.2f' % ($1 / $2 * 1e6))"; }
echo
echo "B1 ratios (same run), goal in brackets:"
for n in 200000 1000000; do
  echo "  F$n snowfdw / bare C:               $(ratio "${FDW[$n]}" "${BARE[$n]}")x   [<= 1.5x]"
  echo "  F$n pipeline / snowfdw:             $(ratio "${PIPE[$n]}" "${FDW[$n]}")x   [>= 3x]"
done
echo "  F1000000 peak growth:                 ${MEM[1000000]} kB   [<= 65536 kB]"
echo "  peak growth 1000000 / 200000 files:   $(ratio "${MEM[1000000]}" "${MEM[200000]}")x   [<= 1.2x]"
echo "B1-limit:"
echo "  LIMIT 10 / full listing time:         $(ratio "$lim_s" "${FDW[1000000]}")   [<= 0.05]"
echo "B1-pages (microseconds per row; the file listing: $(per_row "${FDW[1000000]}" 1000000)):"
echo "  page_size 1000:                       $(per_row "$p1k" 100000)"
echo "  page_size 10000:                      $(per_row "$p10k" 100000)"

# ---------------------------------------------------------------------------
# J: joins with local rows, the planner's choice next to each alternative
# forced by settings (300 databases x 20 schemas, 20 ms per request)
echo
echo "J: local rows joined with remote_schemas (300 databases x 20 schemas, 20 ms latency)"
psql_b <<'SQL'
CREATE FOREIGN TABLE rs (database_name text, name text) SERVER b OPTIONS (object 'schemas');
CREATE TABLE local30 AS
  SELECT 'D00' || (1 + i % 3) AS db, 'S_' || lpad((i / 3)::text, 4, '0') AS schema_name
    FROM generate_series(0, 29) i;
CREATE TABLE local500 AS
  SELECT 'D00' || (1 + i % 3) AS db, 'S_' || lpad((i % 20)::text, 4, '0') AS schema_name
    FROM generate_series(0, 499) i;
ANALYZE local30, local500;
SQL
# the planner learns the latency and the account's shape from earlier queries of its session
# (then the request log starts over, so only the join's requests count)
warm="SELECT count(*) FROM rs WHERE database_name = 'D300'; SELECT count(*) FROM rs;
\\! $PYTHON $EMU_DIR/emuctl.py clear-log
"
emu fault '{"method": "GET", "times": -1, "action": "latency", "ms": 20}'
declare -A JT JN
for n in 30 500; do
  q="SELECT count(*) FROM local$n l JOIN rs r ON r.database_name = l.db AND r.name = l.schema_name"
  JT[choice$n]=$(run_query "$warm" "$q")
  JT[scope$n]=$(run_query "$warm SET enable_hashjoin = off; SET enable_mergejoin = off;" "$q")
  JT[fetch$n]=$(run_query "$warm SET enable_hashjoin = off; SET enable_mergejoin = off; SET snowfdw.enable_scope_join = off;" "$q")
  JT[list$n]=$(run_query "$warm SET enable_nestloop = off;" "$q")
  JT[manual$n]=$(run_query "$warm SET enable_nestloop = off;" \
    "SELECT count(*) FROM local$n l JOIN (SELECT * FROM rs WHERE database_name IN ('D001','D002','D003')) r ON r.database_name = l.db AND r.name = l.schema_name")
  report "$n local rows: the planner's choice" "${JT[choice$n]}"
  report "$n local rows: one listing per outer database (nested loop)" "${JT[scope$n]}"
  report "$n local rows: one fetch per outer row (nested loop)" "${JT[fetch$n]}"
  report "$n local rows: one account listing (hash join)" "${JT[list$n]}"
  report "$n local rows: by hand, database_name IN (3 databases)" "${JT[manual$n]}"
done
emu clear-faults
echo "J ratios (same run), goal in brackets:"
for n in 30 500; do
  c=$(echo "${JT[choice$n]}" | cut -d' ' -f1)
  best=$(printf '%s\n' "${JT[fetch$n]}" "${JT[scope$n]}" "${JT[list$n]}" "${JT[choice$n]}" | cut -d' ' -f1 | sort -g | head -1)
  echo "  $n rows: choice / fastest plan the planner can pick:  $(ratio "$c" "$best")x   [1.0x]"
  echo "  $n rows: fetch per row / choice:                     $(ratio "$(echo "${JT[fetch$n]}" | cut -d' ' -f1)" "$c")x   [>= 5x]"
done

echo
bash "$(dirname "$0")/dashboard.sh"
bash "$(dirname "$0")/invalidation.sh"
echo
bash "$(dirname "$0")/viewers.sh"
bash "$(dirname "$0")/ratelimit.sh"
bash "$(dirname "$0")/sharedhits.sh"
bash "$(dirname "$0")/statement.sh"
bash "$(dirname "$0")/writes.sh"
echo
bash "$(dirname "$0")/activity.sh"

# ---------------------------------------------------------------------------
# B1 across majors: the 200,000-file listing on each PostgreSQL major that
# make test covers, against a bare C program built on the same system (the
# chroots carry their own libcurl and cJSON)
echo
echo "B1 across PostgreSQL majors (200,000 files, medians of 5 rounds):"
declare -A B1F
for m in ${BENCH_MAJORS:-15 17 18 19}; do
  if [ "$m" = "$("$PG_CONFIG" --version | sed 's/^PostgreSQL \([0-9]*\).*/\1/')" ]; then
    line=$(bash "$REPO/bench/b1-major.sh" 2>&1 | grep '^B1 PostgreSQL' || true)
  else
    line=$(bash "$REPO/test/run-chroot.sh" "$m" bench/b1-major.sh 2>&1 | grep '^B1 PostgreSQL' || true)
  fi
  echo "  ${line:-B1 PostgreSQL $m: not measured (no chroot here)}"
  B1F[$m]=$(echo "$line" | sed -n 's/.*: snowfdw \([0-9.]*\) s,.*/\1/p')
done
if [ -n "${B1F[15]:-}" ]; then
  for m in "${!B1F[@]}"; do
    [ "$m" = 15 ] || [ -z "${B1F[$m]}" ] && continue
    echo "  snowfdw on $m / snowfdw on 15: $(ratio "${B1F[$m]}" "${B1F[15]}")x   [<= 1.2x]"
  done
fi
