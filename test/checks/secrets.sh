#!/usr/bin/env bash
# After the whole suite: no token, private key, JWT or passphrase may appear
# in the server log, the test output or the emulator log, nor in those of the
# valgrind runs (RUN_DIR/valgrind/*, test/suites/60-valgrind.sh) and of the
# regression groups on clusters of their own (RUN_DIR/regress-*,
# test/suites/10-regress.sh).
#   bash test/checks/secrets.sh RUN_DIR
# Exits 1 on any finding.  Findings name the file, line and kind of secret,
# never the secret itself, so this output is safe to print in CI.
set -uo pipefail
RUN_DIR=${1:?usage: secrets.sh RUN_DIR}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PYTHON=/usr/bin/python3
PASSPHRASE='test-passphrase-42'

files=()
for d in "$RUN_DIR" "$RUN_DIR"/valgrind/* "$RUN_DIR"/regress-*; do
  for f in "$d/postgres.log" "$d/emulator.log" \
           "$d"/regress/results/*.out "$d/regress/regression.diffs" "$d"/leak-*.out; do
    [ -f "$f" ] && files+=("$f")
  done
done
if [ "${#files[@]}" -eq 0 ]; then
  echo "secrets: nothing to check in $RUN_DIR" >&2
  exit 1
fi

patterns=$(mktemp)
trap 'rm -f "$patterns"' EXIT
found=0

# report KIND FLAGS PATTERN_FILE: grep every file, print where, not what
report() {
  local kind=$1 flags=$2 pfile=$3 hits
  [ -s "$pfile" ] || return 0
  hits=$(grep -n "$flags" -f "$pfile" "${files[@]}" /dev/null | cut -d: -f1,2)
  if [ -n "$hits" ]; then
    while IFS= read -r where; do
      echo "secrets: $where contains a $kind"
    done <<<"$hits"
    found=1
  fi
}

# tokens the fixtures define (PAT and OAuth)
for fixture in "$REPO/test/emulator/fixtures/test.json" "$RUN_DIR/fixture.json" \
               "$RUN_DIR"/valgrind/*/fixture.json; do
  [ -f "$fixture" ] || continue
  "$PYTHON" - "$fixture" <<'PY'
import json, sys
for t in json.load(open(sys.argv[1])).get("tokens", []):
    if t.get("token"):
        print(t["token"])
PY
done | sort -u >"$patterns"
report "Snowflake token from the fixtures" -F "$patterns"

# every base64 body line of the private keys (short final lines are too
# likely to occur by chance to be evidence)
: >"$patterns"
for key in "$RUN_DIR"/keys/*.pem "$RUN_DIR"/valgrind/*/keys/*.pem; do
  [ -f "$key" ] || continue
  grep -v -e '^-----' "$key" | awk 'length($0) >= 16' >>"$patterns"
done
report "line of a private key" -F "$patterns"

# a JWT: base64url JSON header ("eyJ") and two dots
printf '%s\n' 'eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.' >"$patterns"
report "JWT" -E "$patterns"

# the passphrase of the encrypted test key
printf '%s\n' "$PASSPHRASE" >"$patterns"
report "private key passphrase" -F "$patterns"

if [ "$found" -ne 0 ]; then
  exit 1
fi
echo "secrets: ${#files[@]} files clean"
