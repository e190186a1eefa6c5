#!/usr/bin/env bash
# make bench, part 6: the request pacer under an account's rate limit (issue
# 31).  The cold six-panel dashboard (bench/dashboard-panels.sh), snowfdw not
# preloaded, 20 ms per request, behind the emulator's token bucket of 60
# requests/s with a burst of 12 (the rate_limit fault):
#   R1: 429s without Retry-After (Snowflake's way), one viewer;
#   R2: 429s with Retry-After: 1 (a gateway in front), one viewer;
#   R3: 4 viewers open the dashboard at once (429s without Retry-After).
# Each before (snowfdw.pace_requests off: 429s only retried) and after (the
# pacer), in the same run: time / ideal (ideal: the requests answered, at
# 60 a second), % of requests answered 429, statements that failed, and for
# R3 the fairness (slowest viewer's time / the mean).
# Prints the figures with their goals; asserts nothing.
#   bash bench/ratelimit.sh [--build]   (RATELIMIT_ONLY=R2: one scenario)
set -euo pipefail
. "$(dirname "$0")/../test/lib.sh"
run_from_copy bench-ratelimit "$0" "$@"
trap stop_all EXIT
[ "${1:-}" = --build ] && build_and_install
prepare_run_dir "$REPO/tmp_check/bench-ratelimit"
"$PYTHON" "$REPO/bench/make_dashboard_fixture.py" "$RUN_DIR/fixture.json"
start_emulator "$RUN_DIR/fixture.json"
emu() { "$PYTHON" "$EMU_DIR/emuctl.py" "$@"; }
. "$(dirname "$0")/dashboard-panels.sh"

PORT=55439
start_cluster $PORT ""
setup $PORT
round_sql >"$RUN_DIR/round.sql"
now() { date +%s.%N; }

# scenario LABEL VIEWERS PACE RETRY_AFTER: prints one line of figures
scenario() {
  local label=$1 viewers=$2 pace=$3 retry_after=$4
  # (RATELIMIT_ONLY=R3: that scenario alone)
  case "$label" in "${RATELIMIT_ONLY:-}"*) ;; *) return 0 ;; esac
  emu clear-faults >/dev/null
  if [ "$retry_after" = none ]; then
    emu fault '{"action": "rate_limit", "times": -1, "rate": 60, "burst": 12, "ms": 20}' >/dev/null
  else
    emu fault "{\"action\": \"rate_limit\", \"times\": -1, \"rate\": 60, \"burst\": 12, \"ms\": 20, \"retry_after\": $retry_after}" >/dev/null
  fi
  emu fault '{"method": "GET", "times": -1, "action": "latency", "ms": 20}' >/dev/null
  emu clear-log
  local pids="" i
  rm -f "$RUN_DIR"/viewer.* "$RUN_DIR"/result.*
  local t0
  t0=$(now)
  for i in $(seq 1 "$viewers"); do
    (
      s=$(now)
      if PGOPTIONS="-c snowfdw.pace_requests=$pace" as_postgres "$PG_BIN/psql" -X -At -q \
        -v ON_ERROR_STOP=1 -h "$RUN_DIR" -p $PORT -d postgres -f "$RUN_DIR/round.sql" \
        >/dev/null 2>"$RUN_DIR/viewer.$i.err"; then
        echo "ok $s $(now)" >"$RUN_DIR/result.$i"
      else
        echo "error $s $(now)" >"$RUN_DIR/result.$i"
      fi
    ) &
    pids="$pids $!"
  done
  wait $pids
  local t1
  t1=$(now)
  emu log >"$RUN_DIR/log.json"
  "$PYTHON" - "$label" "$t0" "$t1" "$RUN_DIR/log.json" "$RUN_DIR"/result.* <<'PY'
import json, sys
label, t0, t1, logf = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
log = json.load(open(logf))
limited = sum(1 for e in log if e["status"] == 429)
answered = len(log) - limited
ideal = answered / 60.0
views = [open(f).read().split() for f in sys.argv[5:]]
errors = sum(1 for v in views if v[0] != "ok")
times = [float(v[2]) - float(v[1]) for v in views]
fair = max(times) / (sum(times) / len(times))
print("%-44s %6.2fx %6.1f%% %6d %6d %6.2f %7.2f" % (
    label, (t1 - t0) / ideal, 100.0 * limited / max(1, len(log)), errors, len(log), fair, t1 - t0))
PY
}

echo "Rate limit: cold six-panel dashboard, not preloaded, 20 ms per request, bucket 60 rq/s, burst 12"
printf '%-44s %7s %7s %6s %6s %6s %7s\n' "" "ideal" "429s" "errors" "reqs" "fair" "seconds"
scenario "R1 429 without Retry-After, before (no pacer)" 1 off none
scenario "R1 ... after (pacer)" 1 on none
scenario "R2 429 with Retry-After: 1, before" 1 off 1
scenario "R2 ... after" 1 on 1
scenario "R3 4 viewers at once, before" 4 off none
scenario "R3 ... after" 4 on none
echo "  goals: R1 <= 1.2x ideal, <= 5% 429s, 0 errors; R2 <= 1.3x, <= 5%, 0 errors;"
echo "         R3 <= 1.3x, <= 5%, 0 errors, fair: slowest viewer <= 1.5x the mean"
emu clear-faults >/dev/null
