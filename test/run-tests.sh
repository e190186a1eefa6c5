#!/usr/bin/env bash
# make test: build, start the emulator and a private cluster, run every suite,
# print `N passed, N failed`, stop everything by PID even on failure.
#
# Suites are the files test/suites/NN-name.sh, run in name order with RUN_DIR
# as argument and the cluster and emulator of this run in the environment;
# each prints `N passed, N failed` as its last line.  Then each whole-run
# check in test/checks/ counts as one test.  SNOWFDW_SKIP_SUITES (names such
# as "90-package") skips suites in a developer's run; CI sets nothing.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

passed=0
failed=0
trap stop_all EXIT

build_and_install || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
prepare_run_dir "$REPO/tmp_check"
make_keys
make_tls_certs || { echo "0 passed, 1 failed"; exit 1; }
write_fixture "$EMU_DIR/fixtures/test.json" "$RUN_DIR/fixture.json"
start_emulator "$RUN_DIR/fixture.json" || { echo "0 passed, 1 failed"; exit 1; }
start_cluster 55432

for suite in "$REPO"/test/suites/*.sh; do
  name=$(basename "$suite" .sh)
  case " ${SNOWFDW_SKIP_SUITES:-} " in
    *" $name "*) echo "== suite $name: skipped (SNOWFDW_SKIP_SUITES)"; continue ;;
  esac
  echo "== suite $name"
  bash "$suite" "$RUN_DIR" 2>&1 | tee "$RUN_DIR/suite-$name.out"
  last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$RUN_DIR/suite-$name.out" | tail -1)
  if [ -z "$last" ]; then
    echo "suite $name: no summary line"
    failed=$((failed + 1))
    continue
  fi
  echo "suite $name: $last"
  passed=$((passed + $(echo "$last" | cut -d' ' -f1)))
  failed=$((failed + $(echo "$last" | cut -d' ' -f3)))
done

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
