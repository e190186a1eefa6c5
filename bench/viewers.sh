#!/usr/bin/env bash
# make bench, part 3: many viewers of one dashboard (bench/dashboard-panels.sh),
# snowfdw preloaded, 50 ms latency per request.
#   V1: 8 viewers open the dashboard at once on a cold cache: the requests
#       made, against one viewer's on a cold cache.
#   V2: 4 viewers refresh it in a loop for 30 s, each on its own connection,
#       cache_ttl 5 s and a stale window of 60 s: latency of a refresh (p50,
#       p95, max) and the requests made, against one viewer's cold refresh
#       x (30 / 5).
# Prints the figures with their goals; asserts nothing.
#   bash bench/viewers.sh [--build]   (--build: build and install first, as
#                                      when run alone, e.g. in a chroot)
set -euo pipefail
. "$(dirname "$0")/../test/lib.sh"
trap stop_all EXIT
[ "${1:-}" = --build ] && build_and_install
prepare_run_dir "$REPO/tmp_check/bench-viewers"
"$PYTHON" "$REPO/bench/make_dashboard_fixture.py" "$RUN_DIR/fixture.json"
start_emulator "$RUN_DIR/fixture.json"
emu() { "$PYTHON" "$EMU_DIR/emuctl.py" "$@"; }
. "$(dirname "$0")/dashboard-panels.sh"

PORT=55437
start_cluster $PORT snowfdw
setup $PORT
round_sql >"$RUN_DIR/round.sql"
psql_v() { as_postgres "$PG_BIN/psql" -X -At -q -v ON_ERROR_STOP=1 -h "$RUN_DIR" -p $PORT -d postgres "$@"; }
requests() { emu log --tsv | wc -l; }
# refresh: one viewer's refresh in a new connection; prints its seconds
refresh() { psql_v -f "$RUN_DIR/round.sql" | sed -n 's/^round //p'; }
ratio() { "$PYTHON" -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print('%.2f' % (a/b if b else float('inf')))" "$1" "$2"; }

emu fault '{"method": "GET", "times": -1, "action": "latency", "ms": 50}' >/dev/null

# V1
psql_v -c "SELECT snowfdw_cache_clear()" >/dev/null
emu clear-log
one_secs=$(refresh)
one=$(requests)
psql_v -c "SELECT snowfdw_cache_clear()" >/dev/null
emu clear-log
pids=""
for i in $(seq 1 8); do
  refresh >"$RUN_DIR/v1.$i" &
  pids="$pids $!"
done
wait $pids
eight=$(requests)
echo "V1: 8 viewers open the dashboard at once (cold cache, preloaded, 50 ms latency)"
printf '  %-50s %9s %9s\n' "" "requests" "seconds"
printf '  %-50s %9s %9s\n' "one viewer, cold cache" "$one" "$one_secs"
printf '  %-50s %9s %9s\n' "8 viewers at once, cold cache" "$eight" \
  "$(cat "$RUN_DIR"/v1.* | sort -g | tail -1) (slowest)"
echo "  requests of 8 viewers / one viewer's:  $(ratio "$eight" "$one")x   [<= 1.2x]"

# V2 (the ALTER gives the server a new catalog version: a cold cache)
psql_v -c "ALTER SERVER dash OPTIONS (SET cache_ttl '5', ADD cache_stale_ttl '60')" >/dev/null
emu clear-log
cold_secs=$(refresh)
cold=$(requests)
# each viewer refreshes on its own connection until the 30 s are over
{
  for _ in $(seq 1 2000); do
    round_sql
    echo "SELECT extract(epoch FROM clock_timestamp()) > :end_at AS done \\gset"
    echo "\\if :done"
    echo "\\q"
    echo "\\endif"
  done
} >"$RUN_DIR/loop.sql"
emu clear-log
end=$(($(date +%s) + 30))
pids=""
for i in 1 2 3 4; do
  psql_v -v end_at="$end" -f "$RUN_DIR/loop.sql" | sed -n 's/^round //p' >"$RUN_DIR/v2.$i" &
  pids="$pids $!"
done
wait $pids
made=$(requests)
read -r n p50 p95 max < <(cat "$RUN_DIR"/v2.* | "$PYTHON" -c "
import sys
v = sorted(float(x) for x in sys.stdin if x.strip())
q = lambda p: v[min(len(v) - 1, int(p * len(v)))]
print(len(v), '%.3f' % q(0.5), '%.3f' % q(0.95), '%.3f' % v[-1])")
emu clear-faults >/dev/null
refreshed=$(psql_v -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'snowfdw refresh worker'")
echo
echo "V2: 4 viewers refresh for 30 s (cache_ttl 5 s, cache_stale_ttl 60 s, 50 ms latency)"
echo "  one viewer's cold refresh:  $cold requests, $cold_secs s"
echo "  refreshes: $n; latency p50 $p50 s, p95 $p95 s, max $max s   [p95 <= 0.2 s]"
echo "  requests made in 30 s: $made   [<= $cold x 30/5 = $((cold * 6))]"
echo "  refresh workers still running at the end: $refreshed"
