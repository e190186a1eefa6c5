#!/usr/bin/env bash
# make demo: build, start the emulator with a sample account and a cluster,
# import the foreign tables, run the showcase queries, and leave both running.
#   bash test/demo.sh start | stop
set -euo pipefail
. "$(dirname "$0")/lib.sh"
DEMO_DIR=${SNOWFDW_DEMO_DIR:-/tmp/snowfdw-demo}
DEMO_PORT=${SNOWFDW_DEMO_PORT:-55433}

stop_demo() {
  RUN_DIR=$DEMO_DIR
  if [ -f "$DEMO_DIR/data/postmaster.pid" ]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$DEMO_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  if [ -f "$DEMO_DIR/emulator.pid" ]; then
    kill "$(cat "$DEMO_DIR/emulator.pid")" 2>/dev/null || true
  fi
}

case "${1:-start}" in
  stop)
    stop_demo
    echo "snowfdw demo stopped"
    exit 0
    ;;
  start) run_from_copy demo "$0" "$@" ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac

stop_demo
build_and_install
prepare_run_dir "$DEMO_DIR"
make_keys
write_fixture "$EMU_DIR/fixtures/demo.json" "$RUN_DIR/fixture.json"
# the demo outlives this script: detach the emulator from it
start_emulator "$RUN_DIR/fixture.json"
start_cluster "$DEMO_PORT"
token=$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["tokens"][0]["token"])' "$RUN_DIR/fixture.json")

psql_demo() { as_postgres "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$RUN_DIR" -p "$DEMO_PORT" -U postgres "$@"; }
psql_demo -d postgres -c "CREATE DATABASE demo" >/dev/null
# the token goes in through a psql variable: it is never printed
psql_demo -d demo -v url="$SNOWFDW_EMU_URL" -v token="$token" <<'SQL' >/dev/null
CREATE EXTENSION snowfdw;
CREATE SERVER snowflake FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'url', account 'myorg-myaccount');
CREATE USER MAPPING FOR CURRENT_USER SERVER snowflake OPTIONS (token :'token');
CREATE SCHEMA sf;
IMPORT FOREIGN SCHEMA snowflake FROM SERVER snowflake INTO sf;
CREATE TABLE owners (database_name text, schema_name text, team text, cost_centre text);
INSERT INTO owners VALUES
  ('ANALYTICS', 'FINANCE', 'finance-eng', 'CC-100'),
  ('RAW_INGEST', 'EVENTS', 'platform', 'CC-200'),
  ('HR', 'PAYROLL', 'people-ops', 'CC-300'),
  ('HR', 'RETIRED', 'nobody', 'CC-999');
SQL

show() {
  echo
  [ -n "$1" ] && echo "== $1"
  echo "   $2"
  psql_demo -d demo -P pager=off -c "$2"
}
echo "snowfdw demo: emulator at $SNOWFDW_EMU_URL, PostgreSQL socket in $RUN_DIR port $DEMO_PORT"
show "Every schema in the account (databases enumerated concurrently)" \
  "SELECT database_name, name, kind, owner, created_on FROM sf.remote_schemas ORDER BY 1, 2"
show "One database, filtered remotely (see the Remote request line)" \
  "EXPLAIN (COSTS OFF) SELECT name FROM sf.remote_schemas WHERE database_name = 'ANALYTICS' AND name LIKE 'M%'"
show "Stages and their file counts and sizes" \
  "SELECT f.database_name, f.schema_name, f.stage_name, count(*) AS files, pg_size_pretty(sum(f.size)) AS total
     FROM sf.stage_files f GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
show "Streams with their sources (jsonb)" \
  "SELECT database_name, schema_name, name, stream_source->>'src_type' AS source_type, stream_source->>'name' AS source, mode
     FROM sf.remote_streams ORDER BY 1, 2, 3"
show "Join with a local ownership table: one fetch per owned schema" \
  "SELECT o.team, o.cost_centre, s.database_name, s.name, s.comment
     FROM owners o JOIN sf.remote_schemas s ON s.database_name = o.database_name AND s.name = o.schema_name ORDER BY 1"
show "Dropped schemas (history)" \
  "SELECT database_name, name, dropped_on FROM sf.remote_schemas WHERE dropped_on IS NOT NULL ORDER BY 1, 2"
show "Create a schema with INSERT, read it back, drop it with DELETE" \
  "INSERT INTO sf.remote_schemas (database_name, name, comment) VALUES ('SANDBOX', 'DEMO_SCRATCH', 'made by make demo') RETURNING database_name, name, owner, created_on"
show "Clone it with a function, then drop both with DELETE" \
  "SELECT snowfdw_clone_schema('snowflake', 'SANDBOX', 'DEMO_SCRATCH', 'DEMO_SCRATCH_COPY') AS status"
show "" "DELETE FROM sf.remote_schemas WHERE database_name = 'SANDBOX' AND name LIKE 'DEMO_SCRATCH%' RETURNING database_name, name"
show "One kept-alive session per user mapping, reused by every request of the backend" \
  "SELECT count(*) FROM sf.remote_streams; SELECT * FROM snowfdw_get_connections()"

cat <<EOT

The demo is running.
  Connect:  runuser -u postgres -- psql -h $RUN_DIR -p $DEMO_PORT demo
            (tables in schema sf; try \\d sf.remote_streams)
  Stop:     make demo-stop
EOT
