#!/usr/bin/env bash
# One PostgreSQL major's part of make test: build, start the emulator and a
# private cluster, run the suites, then the whole-run checks; print
# `N passed, N failed` last and stop everything by PID, even on failure.
#   bash test/run-major.sh
# PG_CONFIG says which major (default: the host's 15).  test/run-tests.sh
# runs it once on the host and once inside each major's chroot.
#
# Suites are the files test/suites/NN-name.sh, run in name order with RUN_DIR
# as argument and the cluster and emulator of this run in the environment;
# each prints `N passed, N failed` as its last line.  Then each whole-run
# check in test/checks/ counts as one test.  Selection, by name:
#   SNOWFDW_SUITES / SNOWFDW_CHECKS   run only these (unset: all)
#   SNOWFDW_SKIP_SUITES               skip these (a developer's run)
# A suite in SNOWFDW_BACKGROUND_SUITES (default 60-valgrind) starts right
# after the set-up and runs beside the others; its output is printed in its
# place.  Every step prints one line that ends with its wall time, `(N s)`: build,
# set-up (keys, certificates, emulator, cluster), each suite and each check;
# run-tests.sh makes its table of them.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

passed=0
failed=0
trap stop_all EXIT

# selected KIND NAME: whether suite or check NAME runs
selected() {
  local only skip=""
  if [ "$1" = suite ]; then only=${SNOWFDW_SUITES-*}; skip=${SNOWFDW_SKIP_SUITES:-}
  else only=${SNOWFDW_CHECKS-*}; fi
  case " $skip " in *" $2 "*) return 1 ;; esac
  [ "$only" = "*" ] && return 0
  case " $only " in *" $2 "*) return 0 ;; esac
  return 1
}

# since T0: seconds from T0 (date +%s) until now
since() { echo $(( $(date +%s) - $1 )); }

t0=$(date +%s)
build_and_install || { echo "build: FAILED ($(since "$t0") s)"; echo "0 passed, 1 failed"; exit 1; }
echo "build: ok ($(since "$t0") s)"
t0=$(date +%s)
prepare_run_dir "$REPO/tmp_check"
make_keys
make_tls_certs || { echo "set-up: certificates FAILED"; echo "0 passed, 1 failed"; exit 1; }
write_fixture "$EMU_DIR/fixtures/test.json" "$RUN_DIR/fixture.json"
start_emulator "$RUN_DIR/fixture.json" || { echo "set-up: emulator FAILED"; echo "0 passed, 1 failed"; exit 1; }
start_cluster 55432
echo "set-up: keys, certificates, emulator, cluster ($(since "$t0") s)"

# suites that run beside the others from the start, with a cluster and an
# emulator of their own (SNOWFDW_BACKGROUND_SUITES, default valgrind: it
# needs CPU for long, the others mostly wait); each is printed in its place
declare -A bg_start
for name in ${SNOWFDW_BACKGROUND_SUITES-60-valgrind}; do
  [ -f "$REPO/test/suites/$name.sh" ] && selected suite "$name" || continue
  bg_start[$name]=$(date +%s)
  (bash "$REPO/test/suites/$name.sh" "$RUN_DIR" >"$RUN_DIR/suite-$name.out" 2>&1
   date +%s >"$RUN_DIR/suite-$name.end") &
done

for suite in "$REPO"/test/suites/*.sh; do
  name=$(basename "$suite" .sh)
  selected suite "$name" || continue
  if [ -n "${bg_start[$name]:-}" ]; then
    echo "== suite $name ($(pg_major), beside the others since the set-up)"
    wait_for 7200 test -e "$RUN_DIR/suite-$name.end"
    cat "$RUN_DIR/suite-$name.out"
    start=${bg_start[$name]}
    end=$(cat "$RUN_DIR/suite-$name.end" 2>/dev/null || date +%s)
  else
    echo "== suite $name ($(pg_major))"
    start=$(date +%s)
    bash "$suite" "$RUN_DIR" 2>&1 | tee "$RUN_DIR/suite-$name.out"
    end=$(date +%s)
  fi
  last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$RUN_DIR/suite-$name.out" | tail -1)
  if [ -z "$last" ]; then
    echo "suite $name: no summary line ($((end - start)) s)"
    failed=$((failed + 1))
    continue
  fi
  echo "suite $name: $last ($((end - start)) s)"
  passed=$((passed + $(echo "$last" | cut -d' ' -f1)))
  failed=$((failed + $(echo "$last" | cut -d' ' -f3)))
done

for check in "$REPO"/test/checks/*.sh; do
  [ -e "$check" ] || continue
  selected check "$(basename "$check" .sh)" || continue
  start=$(date +%s)
  if bash "$check" "$RUN_DIR" >"$RUN_DIR/check.out" 2>&1; then
    echo "check $(basename "$check"): ok: $(tail -1 "$RUN_DIR/check.out") ($(since "$start") s)"
    passed=$((passed + 1))
  else
    echo "check $(basename "$check"): FAILED ($(since "$start") s)"
    cat "$RUN_DIR/check.out"
    failed=$((failed + 1))
  fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
