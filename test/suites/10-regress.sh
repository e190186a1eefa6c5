#!/usr/bin/env bash
# Suite: pg_regress (REGRESS in the Makefile) against the running cluster and emulator.
#   bash test/suites/10-regress.sh RUN_DIR
# Prints `N passed, N failed` last; on failure, the diffs and the logs' tails.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
RUN_DIR=${1:?usage: 10-regress.sh RUN_DIR}
tests=$(sed -n 's/^REGRESS = //p' "$REPO/Makefile")
as_postgres mkdir -p "$RUN_DIR/regress"
as_postgres "$("$PG_CONFIG" --pkglibdir)/pgxs/src/test/regress/pg_regress" \
  --inputdir="$REPO" --outputdir="$RUN_DIR/regress" \
  --bindir="$PG_BIN" --host="$PGHOST" --port="$PGPORT" --user=postgres \
  --dbname=contrib_regression $tests 2>&1 | tee "$RUN_DIR/regress.out"
# 15 prints "test NAME ... ok"; 16 and later print TAP ("ok 1 - NAME")
p=$(grep -cE '\.\.\. ok|^ok [0-9]+ ' "$RUN_DIR/regress.out")
f=$(grep -cE '\.\.\. FAILED|^not ok [0-9]+ ' "$RUN_DIR/regress.out")
# a test that did not run to its verdict (pg_regress bailed out, or found no
# expected file) is a failure too
total=$(echo $tests | wc -w)
[ $((p + f)) -lt "$total" ] && f=$((total - p))
if [ "$f" -gt 0 ] || [ "$p" -eq 0 ]; then
  echo "---- regression.diffs"
  cat "$RUN_DIR/regress/regression.diffs" 2>/dev/null
  echo "---- postgres.log (tail)"
  tail -50 "$RUN_DIR/postgres.log"
  echo "---- emulator.log (tail)"
  tail -30 "$RUN_DIR/emulator.log"
fi
echo "$p passed, $f failed"
[ "$f" -eq 0 ]
