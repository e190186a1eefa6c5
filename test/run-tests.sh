#!/usr/bin/env bash
# The test entry points, by tier:
#   bash test/run-tests.sh check   make check: the host's PostgreSQL only; the
#                                  regression, fault and property suites and
#                                  the static checks (no valgrind, no chroots)
#   bash test/run-tests.sh test    make test: every suite on the host's 15, and
#                                  the major-dependent ones on 17, 18 and 19 in
#                                  their Debian chroots (test/chroot.sh);
#                                  valgrind over test/valgrind/subset
#   bash test/run-tests.sh full    make test-full: as test, with valgrind over
#                                  every regression test and the long leak run
# PG_MAJORS="15 17" limits the majors.  The majors run at once, up to
# SNOWFDW_JOBS of them (default: the cores, and at least 3: a major's suites
# spend most of their time waiting for the emulator), each into its own log;
# each log is printed whole, in the order of PG_MAJORS, once its major is
# done.  Last: a table of the wall time of every step (deps, copy, chroot,
# build, set-up) and suite per major, one summary line per major, and the
# sum of all, `N passed, N failed`; exit 1 on any failure.
# Valgrind, fuzzing, the emulator's own tests, the README's examples, Prism
# and the static checks run on the host only: they test the code and the
# tools, not their fit to a major.  A major whose chroot cannot be made here
# (not root, no mirror) is skipped with the reason; under CI=true a skipped
# major counts as a failure.
set -uo pipefail
tier=${1:-test}
case "$tier" in check | test | full) ;; *) echo "usage: run-tests.sh check|test|full" >&2; exit 2 ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)

# set-up steps before the copy, timed here and reported by the copy's run
if [ -z "${SNOWFDW_CHECKOUT:-}" ]; then
  SNOWFDW_T_START=$(date +%s)
  bash "$HERE/deps.sh" --without-prism || exit 1
  SNOWFDW_T_DEPS=$(( $(date +%s) - SNOWFDW_T_START ))
  SNOWFDW_T_COPY_START=$(date +%s)
  export SNOWFDW_T_START SNOWFDW_T_DEPS SNOWFDW_T_COPY_START
fi
. "$HERE/lib.sh"
run_from_copy test "$0" "$@"
copy_s=$(( $(date +%s) - ${SNOWFDW_T_COPY_START:-$(date +%s)} ))
t_start=${SNOWFDW_T_START:-$(date +%s)}

HOST_MAJOR=$("$PG_CONFIG" --version | sed 's/^PostgreSQL \([0-9]*\).*/\1/')
if [ "$tier" = check ]; then
  MAJORS=$HOST_MAJOR
  # one major: the regression tests may take three clusters
  export SNOWFDW_REGRESS_GROUPS=${SNOWFDW_REGRESS_GROUPS:-3}
  export SNOWFDW_SUITES="10-regress 32-faults 34-pacer 35-pattern-property"
  export SNOWFDW_CHECKS="compat layers option-names paths release secrets"
else
  MAJORS=${PG_MAJORS:-15 17 18 19}
fi
if [ "$tier" = full ]; then
  export SNOWFDW_VG_TESTS=all SNOWFDW_VG_ROUNDS=${SNOWFDW_VG_ROUNDS:-10 40}
  # the debug build valgrind installs must not be under the other suites
  export SNOWFDW_BACKGROUND_SUITES=${SNOWFDW_BACKGROUND_SUITES-}
fi
JOBS=${SNOWFDW_JOBS:-$(nproc 2>/dev/null || echo 2)}
[ "$JOBS" -ge 3 ] 2>/dev/null || JOBS=3
LOGS=$REPO/tmp_matrix
rm -rf "$LOGS"
mkdir -p "$LOGS"

# the key pairs, made once for every major (one takes OpenSSL some 10 s),
# while the majors build; make_keys and run-chroot.sh wait for them
RUN_DIR=$LOGS/shared
prepare_run_dir "$RUN_DIR"
export SNOWFDW_KEYS_FROM=$RUN_DIR/keys
(
  t0=$(date +%s)
  unset SNOWFDW_KEYS_FROM
  make_keys
  echo $(( $(date +%s) - t0 )) >"$RUN_DIR/keys.seconds"
) &

# run_major M: one major's run into LOGS/pgM.out, its status into LOGS/pgM.rc
run_major() {
  local m=$1 rc
  if [ "$m" = "$HOST_MAJOR" ]; then
    bash "$REPO/test/run-major.sh" >"$LOGS/pg$m.out" 2>&1
  else
    bash "$REPO/test/run-chroot.sh" "$m" >"$LOGS/pg$m.out" 2>&1
  fi
  rc=$?
  echo "$rc" >"$LOGS/pg$m.rc"
}

# start the majors in order, up to JOBS at once; print each one's log, in
# order, as soon as it and those before it are done
read -r -a order <<<"$MAJORS"
declare -A began ended
next_start=0
next_print=0
passed=0
failed=0
skipped=0
summary=()
while [ "$next_print" -lt "${#order[@]}" ]; do
  running=0
  for ((i = 0; i < next_start; i++)); do [ -f "$LOGS/pg${order[i]}.rc" ] || running=$((running + 1)); done
  while [ "$next_start" -lt "${#order[@]}" ] && [ "$running" -lt "$JOBS" ]; do
    m=${order[next_start]}
    began[$m]=$(date +%s)
    echo "(PostgreSQL $m: started, log in $LOGS/pg$m.out)"
    run_major "$m" &
    next_start=$((next_start + 1))
    running=$((running + 1))
  done
  m=${order[next_print]}
  if [ ! -f "$LOGS/pg$m.rc" ]; then
    sleep 1
    continue
  fi
  ended[$m]=$(stat -c %Y "$LOGS/pg$m.rc")
  next_print=$((next_print + 1))
  rc=$(cat "$LOGS/pg$m.rc")
  echo "======== PostgreSQL $m"
  cat "$LOGS/pg$m.out"
  wall=$(( ended[$m] - began[$m] ))
  if [ "$rc" -eq 3 ] && [ "$m" != "$HOST_MAJOR" ]; then
    why=$(grep -m1 '^chroot.sh:' "$LOGS/pg$m.out" | sed 's/^chroot.sh: //')
    if [ "${CI:-}" = true ]; then
      summary+=("PostgreSQL $m: 0 passed, 1 failed (skipped under CI=true: $why)")
      failed=$((failed + 1))
    else
      summary+=("PostgreSQL $m: skipped ($why)")
      skipped=$((skipped + 1))
    fi
    echo "${summary[-1]}"
    continue
  fi
  last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$LOGS/pg$m.out" | tail -1)
  if [ -z "$last" ]; then
    last="0 passed, 1 failed"
  elif [ "$rc" -ne 0 ] && [ "$(echo "$last" | cut -d' ' -f3)" -eq 0 ]; then
    last="$(echo "$last" | cut -d' ' -f1) passed, 1 failed"
  fi
  passed=$((passed + $(echo "$last" | cut -d' ' -f1)))
  failed=$((failed + $(echo "$last" | cut -d' ' -f3)))
  summary+=("PostgreSQL $m: $last ($wall s)")
  echo "${summary[-1]}"
done
wait

# the table: one row per step or suite, one column per major; a step that
# ends with "(N s)" in a major's log is timed there
echo "======== wall time in seconds (logs in $LOGS)"
"$PYTHON" - "$LOGS" "$copy_s" "${SNOWFDW_T_DEPS:-0}" "$(cat "$RUN_DIR/keys.seconds" 2>/dev/null || echo -)" \
  "$(( $(date +%s) - t_start ))" \
  "$JOBS" "${order[@]}" <<'PY'
import os, re, sys
logs, copy_s, deps_s, keys_s, total, jobs = sys.argv[1:7]
majors = sys.argv[7:]
rows, cols = [], {}
for m in majors:
    cols[m] = {}
    try:
        text = open(os.path.join(logs, "pg%s.out" % m), errors="replace").read()
    except OSError:
        continue
    for line in text.splitlines():
        r = re.match(r"^(chroot|chroot copy|build|set-up|suite \S+|check \S+): .*\((\d+) s\)$", line)
        if not r:
            continue
        name = r.group(1).replace("suite ", "").replace(".sh", "")
        if name not in rows:
            rows.append(name)
        cols[m][name] = int(r.group(2))
# the set-up steps first, then suites and checks in the order they ran
steps = ["chroot", "chroot copy", "build", "set-up"]
rows = [r for r in steps if r in rows] + [r for r in rows if r not in steps]
w = max([len(r) for r in rows] + [24])
print("%-*s %s" % (w, "step / suite", " ".join("%6s" % m for m in majors)))
print("%-*s %6s   (checkout, before the copy)" % (w, "deps", deps_s))
print("%-*s %6s   (checkout to run copy)" % (w, "copy", copy_s))
print("%-*s %6s   (once, for every major, while they build)" % (w, "keys", keys_s))
for r in rows:
    print("%-*s %s" % (w, r, " ".join("%6s" % cols[m].get(r, "-") for m in majors)))
print("%-*s %6s   (majors %d at a time)" % (w, "all, wall", total, int(jobs)))
PY
echo "======== summary"
printf '%s\n' "${summary[@]}"
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
