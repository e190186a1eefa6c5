#!/usr/bin/env bash
# Suite: the emulator's own unit tests (every response validated against the spec).
#   bash test/suites/20-emulator.sh RUN_DIR
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
RUN_DIR=${1:?usage: 20-emulator.sh RUN_DIR}
(cd "$EMU_DIR" && "$PYTHON" -m unittest test_emulator) >"$RUN_DIR/emulator-tests.out" 2>&1
ran=$(sed -n 's/^Ran \([0-9]*\) tests\{0,1\}.*/\1/p' "$RUN_DIR/emulator-tests.out")
bad=0
for n in $(sed -n 's/^FAILED (\(.*\))/\1/p' "$RUN_DIR/emulator-tests.out" | grep -oE '[0-9]+'); do
  bad=$((bad + n))
done
ran=${ran:-0}
[ "$ran" -eq 0 ] && bad=1
[ "$bad" -gt 0 ] && tail -60 "$RUN_DIR/emulator-tests.out"
echo "$((ran - bad)) passed, $bad failed"
[ "$bad" -eq 0 ]
