#!/usr/bin/env bash
# make bench, part 3: pipelined writes (issue 22: S2, S3, S4; issue 33: D1,
# the COMMIT of deferred writes).  50 ms latency
# on every request; each statement is timed in a fresh session after one warm
# listing, as the median of 3 runs, against the emulator reset each time.
# Ratios are to one listing of one scope timed the same way in this run; each
# is printed with its goal and with the one-at-a-time figure
# (snowfdw.pipeline_writes off).  Asserts nothing.
set -euo pipefail
. "$(dirname "$0")/../test/lib.sh"
trap stop_all EXIT
build_and_install   # already done when bench/run.sh calls this script
prepare_run_dir "$REPO/tmp_check/bench-writes"
start_emulator "$REPO/test/emulator/fixtures/test.json"
start_cluster 55438 ""
emu() { "$PYTHON" "$EMU_DIR/emuctl.py" "$@"; }
psql_w() { as_postgres "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d postgres "$@"; }
psql_w -v url="$SNOWFDW_EMU_URL" <<'SQL'
CREATE EXTENSION snowfdw;
CREATE SERVER w FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'url');
CREATE USER MAPPING FOR CURRENT_USER SERVER w OPTIONS (token 'test-pat-alice-0123456789');
CREATE FOREIGN TABLE schemas (database_name text, name text, comment text)
  SERVER w OPTIONS (object 'schemas');
SQL

LISTING="SELECT count(*) FROM schemas WHERE database_name = 'EMPTY_DB'"
names() { # names PREFIX N: 'PREFIX_1', ..., 'PREFIX_N'
  local i out=""
  for i in $(seq 1 "$2"); do out="$out${out:+, }'$1_$i'"; done
  echo "$out"
}

# run_once SETUP PREPARE STATEMENT: "seconds requests max_in_flight" of
# STATEMENT in a fresh session that ran SETUP and one listing; PREPARE runs
# first, without latency, on a reset emulator
run_once() {
  emu reset
  [ -n "$2" ] && psql_w -c "$2" >/dev/null
  emu fault '{"times": -1, "action": "latency", "ms": 50}'
  local secs
  secs=$(psql_w <<SQL | tail -1
$1
$LISTING;
\! $PYTHON $EMU_DIR/emuctl.py clear-log
SELECT extract(epoch FROM clock_timestamp()) AS t0 \gset
$3;
SELECT round((extract(epoch FROM clock_timestamp()) - :t0)::numeric, 3);
SQL
)
  echo "$secs $(emu log --tsv | wc -l) $(emu concurrency)"
}
# measure SETUP PREPARE STATEMENT: the run_once line of median time of 3
measure() {
  local i
  for i in 1 2 3; do run_once "$@"; done | sort -n | sed -n 2p
}
ratio() { "$PYTHON" -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print('%.1f' % (a/b if b else float('inf')))" "$1" "$2"; }

OFF="SET snowfdw.pipeline_writes = off;"
S2="INSERT INTO schemas (database_name, name) SELECT 'EMPTY_DB', 'S2_' || g FROM generate_series(1, 40) g"
S3_PREP="INSERT INTO schemas (database_name, name) SELECT 'EMPTY_DB', 'S3_' || g FROM generate_series(1, 20) g"
S3="DELETE FROM schemas WHERE database_name = 'EMPTY_DB' AND name IN ($(names S3 20))"
S4_PREP="INSERT INTO schemas (database_name, name) SELECT 'EMPTY_DB', 'S4_' || g FROM generate_series(1, 10) g"
S4="UPDATE schemas SET comment = 'updated' WHERE database_name = 'EMPTY_DB' AND name IN ($(names S4 10))"

# D1 (issue 33): COMMIT of 40 deferred creates; the INSERT itself sends
# nothing, COMMIT sends them pipelined (one at a time: max_concurrency 1)
D1="BEGIN; SET LOCAL snowfdw.defer_writes = on; INSERT INTO schemas (database_name, name) SELECT 'EMPTY_DB', 'D1_' || g FROM generate_series(1, 40) g; COMMIT"
D1_OFF="SET snowfdw.max_concurrency = 1;"

base=$(measure "" "" "$LISTING")
d1=$(measure "" "" "$D1")
d1off=$(measure "$D1_OFF" "" "$D1")
s2=$(measure "" "" "$S2")
s2off=$(measure "$OFF" "" "$S2")
s3=$(measure "" "$S3_PREP" "$S3")
s3off=$(measure "$OFF" "$S3_PREP" "$S3")
s4=$(measure "" "$S4_PREP" "$S4")
s4off=$(measure "$OFF" "$S4_PREP" "$S4")
emu reset

b=$(cut -d' ' -f1 <<<"$base")
line() { # line LABEL GOAL ON OFF
  printf '%-38s %6ss %4s req %2s at once %6sx [goal <= %s]   one at a time: %6ss %5sx\n' \
    "$1" "$(cut -d' ' -f1 <<<"$3")" "$(cut -d' ' -f2 <<<"$3")" "$(cut -d' ' -f3 <<<"$3")" \
    "$(ratio "$(cut -d' ' -f1 <<<"$3")" "$b")" "$2" \
    "$(cut -d' ' -f1 <<<"$4")" "$(ratio "$(cut -d' ' -f1 <<<"$4")" "$b")"
}
echo
echo "pipelined writes (50 ms latency per request, max_concurrency 8, medians of 3), ratios to one listing:"
printf '%-38s %6ss %4s req\n' "one listing of one scope" "$b" "$(cut -d' ' -f2 <<<"$base")"
line "S2 INSERT of 40 schemas" 8x "$s2" "$s2off"
line "S3 DELETE of 20 schemas named by IN" 6x "$s3" "$s3off"
line "S4 UPDATE of 10 schemas (GET + PUT)" 6x "$s4" "$s4off"
line "D1 COMMIT of 40 deferred creates" 8x "$d1" "$d1off"
