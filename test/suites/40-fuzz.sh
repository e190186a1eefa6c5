#!/usr/bin/env bash
# Suite: sanitizer unit tests of the backend-free parsers, and each libFuzzer
# target for a few seconds (FUZZ_TEST_SECONDS, default 3); see test/fuzz.
#   bash test/suites/40-fuzz.sh RUN_DIR
# Needs no cluster or emulator.  Prints `N passed, N failed` last.
set -uo pipefail
RUN_DIR=${1:?usage: 40-fuzz.sh RUN_DIR}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$RUN_DIR/fuzz"
WORK_DIR="$RUN_DIR/fuzz" bash "$REPO/test/fuzz/run.sh" all "${FUZZ_TEST_SECONDS:-3}"
