#!/usr/bin/env bash
# make test: build, start the emulator and a private cluster, run every suite,
# print `N passed, N failed`, stop everything by PID even on failure.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

passed=0
failed=0
trap stop_all EXIT

build_and_install || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
prepare_run_dir "$REPO/tmp_check"
make_keys
write_fixture "$EMU_DIR/fixtures/test.json" "$RUN_DIR/fixture.json"
start_emulator "$RUN_DIR/fixture.json" || { echo "0 passed, 1 failed"; exit 1; }
start_cluster 55432

# --- suite 1: pg_regress against the emulator
tests=$(sed -n 's/^REGRESS = //p' "$REPO/Makefile")
as_postgres mkdir -p "$RUN_DIR/regress"
as_postgres "$("$PG_CONFIG" --pkglibdir)/pgxs/src/test/regress/pg_regress" \
  --inputdir="$REPO" --outputdir="$RUN_DIR/regress" \
  --bindir="$PG_BIN" --host="$RUN_DIR" --port="$PGPORT_TEST" --user=postgres \
  --dbname=contrib_regression $tests 2>&1 | tee "$RUN_DIR/regress.out"
p=$(grep -E '\.\.\. ok' "$RUN_DIR/regress.out" | wc -l)
f=$(grep -E '\.\.\. FAILED' "$RUN_DIR/regress.out" | wc -l)
passed=$((passed + p))
failed=$((failed + f))
if [ "$f" -gt 0 ] || [ "$p" -eq 0 ]; then
  [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && failed=$((failed + 1))
  echo "---- regression.diffs"
  cat "$RUN_DIR/regress/regression.diffs" 2>/dev/null
  echo "---- postgres.log (tail)"
  tail -50 "$RUN_DIR/postgres.log"
  echo "---- emulator.log (tail)"
  tail -30 "$RUN_DIR/emulator.log"
fi

# --- suite 2: the emulator's own tests (spec validation included)
(cd "$EMU_DIR" && "$PYTHON" -m unittest test_emulator) >"$RUN_DIR/emulator-tests.out" 2>&1
ran=$(sed -n 's/^Ran \([0-9]*\) tests\{0,1\}.*/\1/p' "$RUN_DIR/emulator-tests.out")
bad=0
for n in $(sed -n 's/^FAILED (\(.*\))/\1/p' "$RUN_DIR/emulator-tests.out" | grep -oE '[0-9]+'); do
  bad=$((bad + n))
done
ran=${ran:-0}
if [ "$ran" -eq 0 ]; then bad=1; fi
echo "emulator tests: $((ran - bad)) passed, $bad failed"
if [ "$bad" -gt 0 ]; then tail -60 "$RUN_DIR/emulator-tests.out"; fi
passed=$((passed + ran - bad))
failed=$((failed + bad))

# --- suite 3: checks over the whole run (secrets, request conformance)
for check in "$REPO"/test/checks/*.sh; do
  [ -e "$check" ] || continue
  if bash "$check" "$RUN_DIR" >"$RUN_DIR/check.out" 2>&1; then
    echo "check $(basename "$check"): ok ($(tail -1 "$RUN_DIR/check.out"))"
    passed=$((passed + 1))
  else
    echo "check $(basename "$check"): FAILED"
    cat "$RUN_DIR/check.out"
    failed=$((failed + 1))
  fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
