#!/usr/bin/env bash
# Suite: every extension version since 1.0 updates to the current one, and
# the result has the same objects and privileges as a fresh install (\dx+
# and the ACLs compared).
#   bash test/suites/80-upgrade.sh RUN_DIR
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
RUN_DIR=${1:?usage: 80-upgrade.sh RUN_DIR}
current=$(bash "$REPO/test/version.sh")
psql_q() { as_postgres "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 "$@"; }
objects() {
  # the extension's member objects, one per line, in a stable order
  psql_q -d "$1" -c "SELECT pg_describe_object(classid, objid, 0) FROM pg_depend
                      WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
                        AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'snowfdw')
                      ORDER BY 1"
  # and who may use them: a fresh install and an upgrade grant the same
  psql_q -d "$1" -c "SELECT pg_describe_object(d.classid, d.objid, 0) || ': ' ||
                            coalesce(p.proacl::text, c.relacl::text, 'default')
                       FROM pg_depend d
                       LEFT JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
                       LEFT JOIN pg_class c ON d.classid = 'pg_class'::regclass AND c.oid = d.objid
                      WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
                        AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'snowfdw')
                      ORDER BY 1"
  as_postgres "$PG_BIN/psql" -X -d "$1" -c '\dx+ snowfdw' | sed 1d
}
passed=0
failed=0
psql_q -d postgres -c "DROP DATABASE IF EXISTS upgrade_fresh" -c "CREATE DATABASE upgrade_fresh"
psql_q -d upgrade_fresh -c "CREATE EXTENSION snowfdw"
fresh=$(objects upgrade_fresh)
got=$(psql_q -d upgrade_fresh -c "SELECT extversion FROM pg_extension WHERE extname = 'snowfdw'")
if [ "$got" = "$current" ]; then passed=$((passed + 1)); echo "fresh install is version $current: ok"
else failed=$((failed + 1)); echo "fresh install is version $got, not $current: FAILED"; fi
# every version with an install script, or reached by an upgrade script
versions=$( (cd "$REPO" && ls snowfdw--*.sql) | sed -n 's/^snowfdw--\([^-]*\)\.sql$/\1/p; s/^snowfdw--\([^-]*\)--\([^-]*\)\.sql$/\1\n\2/p' | sort -uV)
for v in $versions; do
  [ "$v" = "$current" ] && continue
  db=upgrade_from_${v//./_}
  psql_q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  if psql_q -d "$db" -c "CREATE EXTENSION snowfdw VERSION '$v'" -c "ALTER EXTENSION snowfdw UPDATE" &&
     [ "$(objects "$db")" = "$fresh" ]; then
    passed=$((passed + 1)); echo "$v -> $current: same objects as a fresh install: ok"
  else
    failed=$((failed + 1)); echo "$v -> $current: FAILED"
    diff <(echo "$fresh") <(objects "$db") | head -40
  fi
  psql_q -d postgres -c "DROP DATABASE $db"
done
psql_q -d postgres -c "DROP DATABASE upgrade_fresh"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
