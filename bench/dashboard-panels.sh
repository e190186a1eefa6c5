# Sourced by bench/dashboard.sh and bench/viewers.sh: the dashboard's six
# panel queries, the server and tables they read (setup PORT), and one
# refresh of them as a psql script (round_sql).
# The panels; each enumerates the account (GET /api/v2/databases first)
PANELS=(
  "SELECT database_name, count(*) FROM schemas GROUP BY 1 ORDER BY 1"
  "SELECT database_name, count(*) FROM stages GROUP BY 1 ORDER BY 1"
  "SELECT count(*) FROM streams WHERE stale IS NOT TRUE"
  "SELECT database_name, name FROM schemas ORDER BY created_on DESC, 1, 2 LIMIT 10"
  "SELECT count(*), sum(size) FROM stage_files WHERE database_name = 'DASH_0'"
  "SELECT count(*) FROM schemas s LEFT JOIN streams r ON r.database_name = s.database_name AND r.schema_name = s.name WHERE r.name IS NULL"
)

# setup PORT: the server (cache_ttl 300), tables, and a latency of 50 ms
setup() {
  as_postgres "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$RUN_DIR" -p "$1" -d postgres \
    -v url="$SNOWFDW_EMU_URL" >/dev/null <<'SQL'
CREATE EXTENSION snowfdw;
CREATE SERVER dash FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'url', cache_ttl '300');
CREATE USER MAPPING FOR CURRENT_USER SERVER dash OPTIONS (token 'bench-pat-0123456789');
CREATE FOREIGN TABLE schemas (database_name text, name text, created_on timestamptz)
  SERVER dash OPTIONS (object 'schemas');
CREATE FOREIGN TABLE stages (database_name text, schema_name text, name text)
  SERVER dash OPTIONS (object 'stages');
CREATE FOREIGN TABLE streams (database_name text, schema_name text, name text, stale boolean)
  SERVER dash OPTIONS (object 'streams');
CREATE FOREIGN TABLE stage_files (database_name text, schema_name text, stage_name text,
                                  name text, size bigint)
  SERVER dash OPTIONS (object 'stage_files');
SQL
}

# round_sql: the panels, each timed; prints "round seconds" last
round_sql() {
  echo "SELECT extract(epoch FROM clock_timestamp()) AS t0 \\gset"
  for p in "${PANELS[@]}"; do echo "$p;"; done
  echo "SELECT 'round ' || round((extract(epoch FROM clock_timestamp()) - :t0)::numeric, 3);"
}

