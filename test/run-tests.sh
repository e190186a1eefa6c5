#!/usr/bin/env bash
# make test: every suite on the host's PostgreSQL 15, then the regression
# suites on PostgreSQL 17, 18 and 19, each in its Debian chroot
# (test/chroot.sh), built from the same tree.  One summary line per major,
# then the sum of all: `N passed, N failed` last; exit 1 on any failure.
#   bash test/run-tests.sh         (make test; PG_MAJORS="15 17" to limit)
# Valgrind, fuzzing, Prism and the static checks run on the host only: they
# test the code, not its fit to a major.  A major whose chroot cannot be made
# here (not root, no mirror) is skipped with the reason; under CI=true a
# skipped major counts as a failure.  Chroots missing at the start are made
# in the background while the host's suites run.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
run_from_copy test "$0" "$@"

MAJORS=${PG_MAJORS:-15 17 18 19}
HOST_MAJOR=$("$PG_CONFIG" --version | sed 's/^PostgreSQL \([0-9]*\).*/\1/')
LOGS=$REPO/tmp_matrix
rm -rf "$LOGS"
mkdir -p "$LOGS"
passed=0
failed=0
skipped=0
summary=()

# make the chroots that are missing while the host runs (they only download
# and unpack); run-chroot.sh waits for them through chroot.sh's lock
makers=()
for m in $MAJORS; do
  [ "$m" = "$HOST_MAJOR" ] && continue
  [ -f "$(bash "$REPO/test/chroot.sh" path "$m")/.snowfdw-complete" ] && continue
  [ "$(id -u)" -eq 0 ] || continue
  nice -n 10 bash "$REPO/test/chroot.sh" ensure "$m" >"$LOGS/chroot-$m.log" 2>&1 &
  makers+=($!)
done
trap 'for p in "${makers[@]}"; do kill "$p" 2>/dev/null; done' EXIT

# count MAJOR OUTFILE RC SECONDS: add a major's last summary line to the sums
count() {
  local last
  last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$2" | tail -1)
  if [ -z "$last" ]; then
    last="0 passed, 1 failed"
  elif [ "$3" -ne 0 ] && [ "$(echo "$last" | cut -d' ' -f3)" -eq 0 ]; then
    last="$(echo "$last" | cut -d' ' -f1) passed, 1 failed"
  fi
  passed=$((passed + $(echo "$last" | cut -d' ' -f1)))
  failed=$((failed + $(echo "$last" | cut -d' ' -f3)))
  summary+=("PostgreSQL $1: $last ($4 s)")
  echo "PostgreSQL $1: $last ($4 s)"
}

for m in $MAJORS; do
  start=$(date +%s)
  echo "======== PostgreSQL $m"
  if [ "$m" = "$HOST_MAJOR" ]; then
    bash "$REPO/test/run-major.sh" 2>&1 | tee "$LOGS/pg$m.out"
    rc=${PIPESTATUS[0]}
  else
    bash "$REPO/test/run-chroot.sh" "$m" 2>&1 | tee "$LOGS/pg$m.out"
    rc=${PIPESTATUS[0]}
    if [ "$rc" -eq 3 ]; then
      why=$(grep -m1 '^chroot.sh:' "$LOGS/pg$m.out" | sed 's/^chroot.sh: //')
      if [ "${CI:-}" = true ]; then
        summary+=("PostgreSQL $m: 0 passed, 1 failed (skipped under CI=true: $why)")
        echo "${summary[-1]}"
        failed=$((failed + 1))
      else
        summary+=("PostgreSQL $m: skipped ($why)")
        echo "${summary[-1]}"
        skipped=$((skipped + 1))
      fi
      continue
    fi
  fi
  count "$m" "$LOGS/pg$m.out" "$rc" "$(( $(date +%s) - start ))"
done

echo "======== summary (logs in $LOGS)"
printf '%s\n' "${summary[@]}"
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
