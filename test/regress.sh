#!/usr/bin/env bash
# Run named pg_regress tests against a dev-env.sh environment:
#   bash test/regress.sh DIR TEST...
# Results land in DIR/regress (results/, regression.diffs).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
RUN_DIR=$1; shift
. "$RUN_DIR/env.sh"
as_postgres mkdir -p "$RUN_DIR/regress"
as_postgres "$("$PG_CONFIG" --pkglibdir)/pgxs/src/test/regress/pg_regress" \
  --inputdir="$REPO" --outputdir="$RUN_DIR/regress" --bindir="$PG_BIN" \
  --host="$PGHOST" --port="$PGPORT" --user=postgres --dbname=contrib_regression "$@"
