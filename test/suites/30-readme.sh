#!/usr/bin/env bash
# Suite: every SQL example of README.md runs, verbatim, against the emulator
# over HTTPS (test/readme_check.py says how).  One test per example, plus one
# that shows the check fails on broken examples (test/readme_check_selftest.md).
#   bash test/suites/30-readme.sh RUN_DIR
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
RUN_DIR=${1:?usage: 30-readme.sh RUN_DIR}
export PG_BIN
work=$RUN_DIR/readme
as_postgres mkdir -p "$work/examples" "$work/selftest"

passed=0
failed=0
# the check itself can fail: broken examples are reported as such
"$PYTHON" "$REPO/test/readme_check.py" --readme "$REPO/test/readme_check_selftest.md" \
  --work-dir "$work/selftest" >"$work/selftest.out" 2>&1
rc=$?
want="1 passed, 4 failed, 1 skipped"
if [ "$rc" -eq 1 ] && [ "$(tail -1 "$work/selftest.out")" = "$want" ]; then
  echo "ok     self-test: broken examples fail ($want)"
  passed=$((passed + 1))
else
  echo "FAILED self-test: expected exit 1 and \"$want\", got exit $rc:"
  sed 's/^/    /' "$work/selftest.out"
  failed=$((failed + 1))
fi

"$PYTHON" "$REPO/test/readme_check.py" --work-dir "$work/examples" >"$work/examples.out" 2>&1
cat "$work/examples.out"
last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$work/examples.out" | tail -1)
if [ -z "$last" ]; then
  failed=$((failed + 1))
else
  passed=$((passed + $(echo "$last" | cut -d' ' -f1)))
  failed=$((failed + $(echo "$last" | cut -d' ' -f3 | tr -d ,)))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
