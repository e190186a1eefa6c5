#!/usr/bin/env bash
# make bench, part 3 (V3 of issue 21): a 40-row INSERT in one backend while
# another backend refreshes a dashboard, snowfdw not preloaded (each backend
# has its own cache), 50 ms per request.  Counts the new connections the
# refreshing backend opens because of the writes (goal: 0), and the
# requests it makes meanwhile.  Asserts nothing.
#   bash bench/invalidation.sh [--install]   (--install: build and install
#   first, when run on its own rather than from bench/run.sh)
set -euo pipefail
. "$(dirname "$0")/../test/lib.sh"
[ "${1:-}" = "--install" ] && build_and_install
trap stop_all EXIT
prepare_run_dir "$REPO/tmp_check/bench-invalidation"
"$PYTHON" "$REPO/bench/make_dashboard_fixture.py" "$RUN_DIR/fixture.json"
start_emulator "$RUN_DIR/fixture.json"
emu() { "$PYTHON" "$EMU_DIR/emuctl.py" "$@"; }
start_cluster 55437 ""
# the dashboard's panels and tables (cache_ttl 300)
. "$(dirname "$0")/dashboard-panels.sh"
setup 55437
psql_cmd="$PG_BIN/psql -X -q -h $RUN_DIR -p 55437 -d postgres"
insert="INSERT INTO schemas (database_name, name) SELECT 'DASH_0', 'V3_' || g FROM generate_series(1, 40) g"
script=$RUN_DIR/viewer.sql
{
  # a first round fills the viewer's cache and opens its connections
  for p in "${PANELS[@]}"; do echo "$p;"; done
  echo "\\! $PYTHON $EMU_DIR/emuctl.py clear-log"
  echo "\\! ($psql_cmd -c \"$insert\" >$RUN_DIR/writer.out 2>&1; touch $RUN_DIR/writer.done) &"
  # refreshes while the writer writes, then one after it is done
  for _ in $(seq 1 30); do
    for p in "${PANELS[@]}"; do echo "$p;"; done
    echo "SELECT pg_sleep(0.1);"
  done
  echo "\\! while [ ! -f $RUN_DIR/writer.done ]; do sleep 0.1; done"
  for p in "${PANELS[@]}"; do echo "$p;"; done
} >"$script"
emu fault '{"times": -1, "action": "latency", "ms": 50}' >/dev/null
as_postgres "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$RUN_DIR" -p 55437 -d postgres \
  -f "$script" >/dev/null
emu clear-faults >/dev/null
# the writer's requests are its POSTs; every other request is the viewer's
all_conns=$(emu connections)
writer_conns=$(emu log --tsv | awk -F'\t' '$3 == "POST" { print $2 }' | sort -u | wc -l)
posts=$(emu log --tsv | awk -F'\t' '$3 == "POST"' | wc -l)
viewer_gets=$(emu log --tsv | awk -F'\t' '$3 == "GET"' | wc -l)
echo "V3: 40-row INSERT (${posts} POSTs) in one backend, another refreshes a dashboard (not preloaded)"
echo "  new connections of the refreshing backend because of the writes (goal 0): $((all_conns - writer_conns))"
echo "  requests the refreshing backend made meanwhile (its cache was warm):      $viewer_gets"
# the same script run against main before issue 21 (each write sent a catalog
# invalidation of the server: every backend reopened its sessions and dropped
# its cache at the writer's commit), PostgreSQL 18, 2026-12-02
echo "  before issue 21 (main at e142650, same script):                          8 new connections, 511 requests"
grep -q ERROR "$RUN_DIR/writer.out" && { echo "  writer failed:"; cat "$RUN_DIR/writer.out"; }
exit 0
