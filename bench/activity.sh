#!/usr/bin/env bash
# make bench, part 4: the cost of reading snowfdw_activity with every slot
# busy.  snowfdw preloaded, max_connections 120; 100 backends each hold 8
# requests under way (the test build's fill_activity, which takes slots
# for requests that wait for nothing: what a reader sees is the same), so
# the view has 800 rows.
#   A1: one read of the view (SELECT count(*)), as a superuser (800 rows):
#       p50, p95 and max of 300 reads [goal: under 10 ms], against a read
#       of pg_stat_activity (102 rows) and of the view with no slot busy,
#       in the same run
#   A2: the same read as a role that may see none of the rows (0 rows
#       returned, every slot still looked at)
# Prints the figures with their goals; asserts nothing.
#   bash bench/activity.sh [--build]   (--build: build and install first, as
#                                       when run alone, e.g. in a chroot)
set -euo pipefail
. "$(dirname "$0")/../test/lib.sh"
run_from_copy bench-activity "$0" "$@"
[ "${1:-}" = --build ] && build_and_install
prepare_run_dir "$REPO/tmp_check/bench-activity"
PORT=55444
fillers=()
cleanup() {
  for p in "${fillers[@]}"; do kill "$p" 2>/dev/null || true; done
  stop_all
}
trap cleanup EXIT
start_cluster $PORT snowfdw
psql_a() { as_postgres "$PG_BIN/psql" -X -At -q -v ON_ERROR_STOP=1 -h "$RUN_DIR" -p $PORT -d postgres "$@"; }
psql_a -c "ALTER SYSTEM SET max_connections = 120" >/dev/null
as_postgres "$PG_BIN/pg_ctl" -D "$RUN_DIR/data" -w restart >/dev/null
psql_a >/dev/null <<'SQL'
CREATE EXTENSION snowfdw;
CREATE FUNCTION fill_activity(n int) RETURNS int
  AS 'snowfdw', 'snowfdw_fault_fill_activity' LANGUAGE C STRICT;
CREATE ROLE bench_filler;
CREATE ROLE bench_nobody;
GRANT EXECUTE ON FUNCTION fill_activity(int) TO bench_filler;
-- read_times(SQL, N): p50, p95 and max in ms of N runs of SQL, after 20
-- runs that warm the caches
CREATE FUNCTION read_times(query text, n int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  t0 timestamptz;
  ms float8[] := '{}';
BEGIN
  FOR i IN 1..n + 20 LOOP
    t0 := clock_timestamp();
    EXECUTE query;
    IF i > 20 THEN
      ms := ms || extract(epoch FROM clock_timestamp() - t0) * 1000;
    END IF;
  END LOOP;
  RETURN (SELECT format('%s %s %s',
                        round(percentile_cont(0.5) WITHIN GROUP (ORDER BY x)::numeric, 3),
                        round(percentile_cont(0.95) WITHIN GROUP (ORDER BY x)::numeric, 3),
                        round(max(x)::numeric, 3))
            FROM unnest(ms) x);
END $$;
GRANT EXECUTE ON FUNCTION read_times(text, int) TO bench_nobody;
SQL
ratio() { "$PYTHON" -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print('%.1f' % (a/b if b else float('inf')))" "$1" "$2"; }
times() { psql_a -c "${3:-}" -c "SELECT read_times('$1', $2)" | tail -1; }

READ="SELECT count(*) FROM snowfdw_activity"
empty=$(times "$READ" 300)
for i in $(seq 1 100); do
  as_postgres "$PG_BIN/psql" -X -q -h "$RUN_DIR" -p $PORT -d postgres \
    -c "SET ROLE bench_filler" -c "BEGIN" -c "SELECT fill_activity(8)" -c "SELECT pg_sleep(600)" \
    >/dev/null 2>&1 &
  fillers+=("$!")
done
full() { [ "$(psql_a -c "SELECT count(*) FROM snowfdw_activity")" = 800 ]; }
if ! wait_for 120 full; then
  echo "A: the 100 backends did not fill their slots; rows: $(psql_a -c "$READ")"
  exit 1
fi
rows=$(psql_a -c "$READ")
stat=$(times "SELECT count(*) FROM pg_stat_activity" 300)
busy=$(times "$READ" 300)
nobody=$(times "$READ" 300 "SET ROLE bench_nobody")
seen_by_nobody=$(psql_a -c "SET ROLE bench_nobody" -c "$READ" | tail -1)

echo "A snowfdw_activity with 100 backends x 8 requests ($rows rows), 300 reads each, ms (p50 p95 max):"
echo "  A1 superuser, $rows rows:                      $busy   [goal: max < 10 ms]"
echo "     baseline: the view with no slot busy:        $empty"
echo "     baseline: pg_stat_activity (count(*)):       $stat"
echo "     p50 ratio to pg_stat_activity:               $(ratio "${busy%% *}" "${stat%% *}")x"
echo "  A2 a role that sees none ($seen_by_nobody rows):           $nobody"
echo "     p50 ratio to the superuser's read:           $(ratio "${nobody%% *}" "${busy%% *}")x"
