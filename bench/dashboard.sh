#!/usr/bin/env bash
# make bench, part 2: a dashboard refreshing six panel queries against the
# response cache (cache_ttl 300), 50 ms latency per request, over an
# account of 10 databases x 20 schemas with stages, files and streams.
#   round 1 and round 2 on one connection, round 3 on a new connection,
#   snowfdw preloaded (shared cache); then round 3 again on a cluster
#   without preload (backend-local cache: a new connection starts empty).
# Prints requests and seconds per round and the goals; asserts nothing.
set -euo pipefail
. "$(dirname "$0")/../test/lib.sh"
trap stop_all EXIT
prepare_run_dir "$REPO/tmp_check/bench-dashboard"
"$PYTHON" "$REPO/bench/make_dashboard_fixture.py" "$RUN_DIR/fixture.json"
start_emulator "$RUN_DIR/fixture.json"
emu() { "$PYTHON" "$EMU_DIR/emuctl.py" "$@"; }

. "$(dirname "$0")/dashboard-panels.sh"

# rounds PORT N LABEL...: N rounds on one connection, one line each
rounds() {
  local port=$1 n=$2
  shift 2
  local script="$RUN_DIR/rounds.sql"
  : >"$script"
  for i in $(seq 1 "$n"); do
    round_sql >>"$script"
    echo "\\! $PYTHON $EMU_DIR/emuctl.py log --tsv | wc -l > $RUN_DIR/requests.r$i; $PYTHON $EMU_DIR/emuctl.py clear-log" >>"$script"
  done
  emu clear-log
  local out
  out=$(as_postgres "$PG_BIN/psql" -X -At -q -v ON_ERROR_STOP=1 -h "$RUN_DIR" -p "$port" -d postgres -f "$script")
  local i=1
  for label in "$@"; do
    local secs
    secs=$(echo "$out" | grep '^round ' | sed -n "${i}p" | cut -d' ' -f2)
    printf '%-62s %9s %9s\n' "$label" "$secs" "$(cat "$RUN_DIR/requests.r$i")"
    echo "$secs $(cat "$RUN_DIR/requests.r$i")" >"$RUN_DIR/result.$label_key$i"
    i=$((i + 1))
  done
}

emu fault '{"method": "GET", "times": -1, "action": "latency", "ms": 50}' >/dev/null
printf '%-62s %9s %9s\n' "dashboard (6 panels, 50 ms latency, cache_ttl 300)" "seconds" "requests"

# distinct requests of one round, with no cache across statements: the
# panels run once with cache_ttl 0 and the log is counted
start_cluster 55436 snowfdw
setup 55436
emu clear-log
as_postgres "$PG_BIN/psql" -X -q -h "$RUN_DIR" -p 55436 -d postgres \
  -c "ALTER SERVER dash OPTIONS (SET cache_ttl '0')" >/dev/null
for p in "${PANELS[@]}"; do
  as_postgres "$PG_BIN/psql" -X -q -h "$RUN_DIR" -p 55436 -d postgres -c "$p" >/dev/null
done
uncached=$(emu log --tsv | wc -l)
distinct=$(emu log --tsv | cut -f3-5 | sort -u | wc -l)
as_postgres "$PG_BIN/psql" -X -q -h "$RUN_DIR" -p 55436 -d postgres \
  -c "ALTER SERVER dash OPTIONS (SET cache_ttl '300')" -c "SELECT snowfdw_cache_clear()" >/dev/null
printf '%-62s %9s %9s\n' "no cache across statements (requests; distinct ones)" "" "$uncached; $distinct"

label_key=shared
rounds 55436 2 "round 1, preloaded (shared cache), connection A" "round 2, same connection A"
label_key=shared3
rounds 55436 1 "round 3, preloaded, new connection B"
r1=$(cat "$RUN_DIR/result.shared1")
r2=$(cat "$RUN_DIR/result.shared2")
r3=$(cat "$RUN_DIR/result.shared31")
as_postgres "$PG_BIN/pg_ctl" -D "$RUN_DIR/data" -m fast -w stop >/dev/null

# the same without preload: a new connection has an empty local cache
rm -rf "$RUN_DIR/data"
start_cluster 55436 ""
setup 55436
label_key=local
rounds 55436 2 "round 1, not preloaded (backend-local cache), connection C" "round 2, same connection C"
label_key=local3
rounds 55436 1 "round 3, not preloaded, new connection D"
emu clear-faults >/dev/null

ratio() { "$PYTHON" -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print('%.1f' % (a/b if b else float('inf')))" "$1" "$2"; }
echo
echo "goals (preloaded):"
echo "  round 1 makes only distinct requests:  $(cut -d' ' -f2 <<<"$r1") made, $distinct distinct"
echo "  rounds 2 and 3 make 0 requests:        $(cut -d' ' -f2 <<<"$r2") and $(cut -d' ' -f2 <<<"$r3")"
echo "  round 2 speed-up over round 1 (>= 20): $(ratio "$(cut -d' ' -f1 <<<"$r1")" "$(cut -d' ' -f1 <<<"$r2")")x"
echo "  round 3 speed-up over round 1 (>= 20): $(ratio "$(cut -d' ' -f1 <<<"$r1")" "$(cut -d' ' -f1 <<<"$r3")")x"
