#!/usr/bin/env bash
# make bench, part 7 (V4, issue 31): warm hits of a cached ~5 MB stage
# listing (40,000 files), snowfdw preloaded (the shared cache), by 8 pgbench
# clients against 1, for a whole count(*) and for LIMIT 1 (a dashboard's
# "latest files" panel).  While each runs, pg_stat_activity is sampled: the
# share of active backends' samples that wait on one of snowfdw's LWLocks
# (tranches "snowfdw ..."), and which.
# Prints the figures with their goals; asserts nothing.
#   bash bench/sharedhits.sh [--build]
set -euo pipefail
. "$(dirname "$0")/../test/lib.sh"
run_from_copy bench-sharedhits "$0" "$@"
trap stop_all EXIT
[ "${1:-}" = --build ] && build_and_install
prepare_run_dir "$REPO/tmp_check/bench-sharedhits"
"$PYTHON" - "$RUN_DIR/fixture.json" <<'PY'
import json, sys
files = [{"name": "landing/2026/%02d/part-%06d.parquet" % (i % 12 + 1, i), "size": str(1000 + i),
          "md5": "%032x" % i, "last_modified": "Tue, 12 Mar 2024 10:00:00 GMT"} for i in range(40000)]
json.dump({
    "account": "BENCH-ACCOUNT",
    "tokens": [{"token": "bench-pat-0123456789", "type": "PROGRAMMATIC_ACCESS_TOKEN",
                "user": "BENCH", "role": "SYSADMIN"}],
    "users": [{"name": "BENCH", "role": "SYSADMIN", "public_keys": []}],
    "databases": [{"name": "V4", "schemas": [{"name": "PUBLIC", "stages": [
        {"name": "BIG", "encryption": {"type": "SNOWFLAKE_SSE"}, "files": files}]}]}],
}, open(sys.argv[1], "w"))
PY
start_emulator "$RUN_DIR/fixture.json"
PORT=55440
start_cluster $PORT snowfdw
psql_v() { as_postgres "$PG_BIN/psql" -X -At -q -v ON_ERROR_STOP=1 -h "$RUN_DIR" -p $PORT -d postgres "$@"; }
psql_v -v url="$SNOWFDW_EMU_URL" >/dev/null <<'SQL'
CREATE EXTENSION snowfdw;
CREATE SERVER v4 FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'url', cache_ttl '3600');
CREATE USER MAPPING FOR PUBLIC SERVER v4 OPTIONS (token 'bench-pat-0123456789');
CREATE FOREIGN TABLE files (name text, size bigint)
  SERVER v4 OPTIONS (object 'stage_files', database 'V4', schema 'PUBLIC', stage 'BIG');
SQL
echo "SELECT count(*) FROM files;" >"$RUN_DIR/count.sql"
echo "SELECT name FROM files LIMIT 1;" >"$RUN_DIR/limit1.sql"
# warm: each query once, so that every later one is a hit
psql_v -c "SELECT count(*) FROM files" -c "SELECT name FROM files LIMIT 1" >/dev/null
bytes=$(psql_v -c "SELECT bytes FROM snowfdw_cache_info()")

# tps SCRIPT CLIENTS: pgbench's tps; the sampler's figures go to $RUN_DIR/samples
tps() {
  local script=$1 clients=$2 out
  # (each sample its own transaction: pg_stat_activity is read once per
  # transaction)
  {
    echo "CREATE TEMP TABLE s (snowfdw_lock text);"
    for _ in $(seq 1 300); do
      echo "INSERT INTO s SELECT CASE WHEN wait_event_type = 'LWLock' AND wait_event LIKE 'snowfdw%' THEN wait_event END FROM pg_stat_activity WHERE backend_type = 'client backend' AND state = 'active' AND pid <> pg_backend_pid(); SELECT pg_sleep(0.02) \\g /dev/null"
    done
    echo "SELECT round(100.0 * count(snowfdw_lock) / greatest(count(*), 1), 1) || '% of ' || count(*) || ' ' || coalesce(string_agg(DISTINCT snowfdw_lock, ','), '') FROM s;"
  } >"$RUN_DIR/sampler.sql"
  psql_v -f "$RUN_DIR/sampler.sql" >"$RUN_DIR/samples" &
  local sampler=$!
  out=$(as_postgres "$PG_BIN/pgbench" -n -h "$RUN_DIR" -p $PORT -c "$clients" -j "$clients" -T 8 \
    -f "$RUN_DIR/$script" postgres 2>&1)
  wait $sampler
  sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<<"$out" | head -1
}
ratio() { "$PYTHON" -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print('%.2f' % (a/b if b else float('nan')))" "$1" "$2"; }

echo "V4: warm hits of a cached $((bytes / 1024)) kB stage listing, preloaded, pgbench 8 s each"
printf '  %-22s %10s %10s %8s %s\n' "" "1 client" "8 clients" "ratio" "samples on snowfdw LWLocks (8 clients)"
for q in count limit1; do
  one=$(tps $q.sql 1)
  eight=$(tps $q.sql 8)
  printf '  %-22s %10s %10s %7sx %s\n' "$q" "$one" "$eight" "$(ratio "$eight" "$one")" "$(cat "$RUN_DIR/samples")"
done
echo "  goals: each ratio >= 1.8x on 2 cores; snowfdw's LWLocks in < 5% of samples"
