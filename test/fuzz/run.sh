#!/usr/bin/env bash
# Build and run the sanitizer unit tests and libFuzzer targets of test/fuzz.
#   bash test/fuzz/run.sh unit           unit tests only
#   bash test/fuzz/run.sh fuzz SECONDS   every fuzz target for SECONDS each
#   bash test/fuzz/run.sh all SECONDS    both (make test: a few seconds each)
# Fuzz targets run one at a time (the machine has 2 cores, shared).  They
# start from the seed corpus in corpus/NAME/ (read only) and add what they
# find to WORK_DIR/corpus/NAME (default build/work: kept between `make
# fuzz` runs); a crash, a sanitizer report or a violated property fails the
# target and leaves the input in WORK_DIR/artifacts/.  One line per unit
# test group and per fuzz target, then `N passed, N failed` last.
set -uo pipefail
FUZZ_DIR=$(cd "$(dirname "$0")" && pwd)
mode=${1:?usage: run.sh unit|fuzz|all [SECONDS]}
seconds=${2:-60}
WORK_DIR=${WORK_DIR:-$FUZZ_DIR/build/work}
BUILD_DIR=$FUZZ_DIR/build
passed=0
failed=0

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

mkdir -p "$WORK_DIR/logs" "$WORK_DIR/artifacts"
if ! make -C "$FUZZ_DIR" -s OUT="$BUILD_DIR" all >"$WORK_DIR/logs/build.log" 2>&1; then
  cat "$WORK_DIR/logs/build.log"
  echo "not ok - build"
  echo "0 passed, 1 failed"
  exit 1
fi

# unit test binaries: each group prints ok/not ok; a sanitizer abort fails too
run_units() {
  local bin name log rc
  for bin in "$BUILD_DIR"/unit_*; do
    name=$(basename "$bin")
    log="$WORK_DIR/logs/$name.log"
    "$bin" >"$log" 2>&1
    rc=$?
    sed -n "s/^\(ok\|not ok\) - /\1 - $name: /p" "$log"
    passed=$((passed + $(grep -c '^ok - ' "$log")))
    failed=$((failed + $(grep -c '^not ok - ' "$log")))
    if [ "$rc" -ne 0 ]; then
      grep -v '^ok - ' "$log" | head -60
      if ! grep -q '^not ok - ' "$log"; then
        echo "not ok - $name: exited with status $rc"
        failed=$((failed + 1))
      fi
    fi
  done
}

# fuzz targets, one after the other, SECONDS each
run_fuzzers() {
  local bin name log corpus runs rc
  for bin in "$BUILD_DIR"/fuzz_*; do
    name=${bin##*/fuzz_}
    log="$WORK_DIR/logs/fuzz_$name.log"
    corpus="$WORK_DIR/corpus/$name"
    mkdir -p "$corpus" "$FUZZ_DIR/corpus/$name"
    "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 \
      -print_final_stats=1 -artifact_prefix="$WORK_DIR/artifacts/$name-" \
      "$corpus" "$FUZZ_DIR/corpus/$name" >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    if [ "$rc" -eq 0 ] && ! grep -qE 'ERROR: (Address|Undefined|Leak)Sanitizer|runtime error:' "$log"; then
      echo "ok - fuzz_$name: ${runs:-0} executions in ${seconds} s, corpus $(ls "$corpus" | wc -l) inputs"
      passed=$((passed + 1))
    else
      grep -E 'property violated|runtime error|ERROR:|does not parse|curl_getdate|SUMMARY|Test unit written' "$log" | head -20
      echo "not ok - fuzz_$name: status $rc after ${runs:-0} executions (log $log)"
      failed=$((failed + 1))
    fi
  done
}

case "$mode" in
  unit) run_units ;;
  fuzz) run_fuzzers ;;
  all) run_units; run_fuzzers ;;
  *) echo "usage: run.sh unit|fuzz|all [SECONDS]" >&2; exit 2 ;;
esac
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
