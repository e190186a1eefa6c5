#!/usr/bin/env bash
# Suite: regression tests again, with the server under valgrind memcheck,
# and the leak workload at two round counts (test/valgrind/run.sh, README.md).
#   bash test/suites/60-valgrind.sh RUN_DIR
# Which regression tests: SNOWFDW_VG_TESTS, "subset" (the default, make
# test: test/valgrind/subset, the tests that execute every line of src/ the
# whole set executes, chosen by test/valgrind/coverage.sh), "all" (make
# test-full) or names.  Tests: each regression test that passes under
# valgrind; "0 memcheck errors with snowfdw frames" (regression run and leak
# workload); "definitely-lost bytes of the leak workload do not grow with
# the number of rounds" (records with snowfdw frames, at SNOWFDW_VG_ROUNDS,
# default "3 13", "10 40" in make test-full); in make test-full, "normal
# build of snowfdw.so installed again".
# run.sh runs its own emulator and cluster in RUN_DIR/valgrind; in make
# test-full it installs a -O0 -g build of snowfdw.so, and at the end (or at
# exit) this suite installs the normal build again, for the checks that run
# after the suites.  The
# run's own cluster and emulator are not touched.  Prints `N passed, N failed` last; on failure,
# the valgrind error summary, the errors and the diffs.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
RUN_DIR=${1:?usage: 60-valgrind.sh RUN_DIR}
VG=$RUN_DIR/valgrind
RUN_SH=$REPO/test/valgrind/run.sh
read -r -a ROUNDS <<<"${SNOWFDW_VG_ROUNDS:-3 13}"
# bytes the second count may lose more than the first: room for a one-off
# difference between the two backends, not for growth.  A malloc'd block
# lost each fifth round (the workload's rarest step) adds at least
# (difference / 5) blocks of 8 bytes: the slack stays one block below that
# (8 bytes for 3 and 13 rounds, 16 for 10 and 40), and a leak of every round
# adds twice as much again.
diff_rounds=$(( ROUNDS[${#ROUNDS[@]} - 1] - ROUNDS[0] ))
LEAK_SLACK=$(( diff_rounds / 5 * 8 - 8 ))
[ "$LEAK_SLACK" -gt 16 ] && LEAK_SLACK=16
[ "$LEAK_SLACK" -lt 0 ] && LEAK_SLACK=0
# make test (the subset) checks the test build installed for the run, as
# it is: nothing to build, nothing to put back, and the other suites may
# run meanwhile; make test-full (all) builds with -O0 for exact stacks and
# tracks the origins of uninitialised values
if [ "${SNOWFDW_VG_TESTS:-subset}" = all ]; then
  debug_build=1
  export SNOWFDW_VG_TRACK_ORIGINS=${SNOWFDW_VG_TRACK_ORIGINS:-yes}
else
  debug_build=0
  export SNOWFDW_VG_TRACK_ORIGINS=${SNOWFDW_VG_TRACK_ORIGINS:-no}
fi
case "${SNOWFDW_VG_TESTS:-subset}" in
  subset) read -r -a VG_TESTS <<<"$(grep -v '^#' "$REPO/test/valgrind/subset")" ;;
  all) read -r -a VG_TESTS <<<"$(sed -n 's/^REGRESS = //p' "$REPO/Makefile")" ;;
  *) read -r -a VG_TESTS <<<"$SNOWFDW_VG_TESTS" ;;
esac
export VG_PORT=55433

# reinstall: the normal build of the work tree, as build_and_install made it
# (once: at the end, or at exit if the suite stops early; never when no
# debug build replaced it)
reinstalled=$((1 - debug_build))
reinstall() {
  [ "$reinstalled" -eq 0 ] || return 0
  reinstalled=1
  make -C "$REPO" -s PG_CONFIG="$PG_CONFIG" SNOWFDW_FAULT_INJECTION=yes SNOWFDW_BITCODE=no install >/dev/null &&
    cmp -s "$REPO/snowfdw.so" "$("$PG_CONFIG" --pkglibdir)/snowfdw.so" ||
    { echo "60-valgrind: could not install the normal build again" >&2; return 1; }
}
trap reinstall EXIT
as_postgres mkdir -p "$VG"

passed=0
failed=0
pass() { echo "ok: $1"; passed=$((passed + 1)); }
fail() { echo "FAILED: $1"; failed=$((failed + 1)); }

# ---- the regression tests under valgrind (make test-full: builds and
# installs the debug build)
echo "regression tests under valgrind (${SNOWFDW_VG_TESTS:-subset}): ${VG_TESTS[*]}"
start=$(date +%s)
nobuild=-n
[ "$debug_build" -eq 1 ] && nobuild=""
bash "$RUN_SH" $nobuild "$VG/regress" "${VG_TESTS[@]}" >"$VG/regress.out" 2>&1
regress_s=$(( $(date +%s) - start ))
grep -E '^(test |ok |not ok |regression tests took|valgrind:)' "$VG/regress.out"
p=$(grep -cE '\.\.\. ok' "$VG/regress.out")
f=$(grep -cE '\.\.\. FAILED' "$VG/regress.out")
[ "$p" -eq 0 ] && [ "$f" -eq 0 ] && f=1
passed=$((passed + p))
failed=$((failed + f))
if [ "$f" -gt 0 ]; then
  echo "---- regression.diffs under valgrind"
  cat "$VG/regress/regress/regression.diffs" 2>/dev/null || tail -40 "$VG/regress.out"
fi

# ---- the leak workload, one backend per round count
start=$(date +%s)
# (-n: with the build installed already, the debug build if the regression
# run made one)
nobuild=-n
[ "$debug_build" -eq 1 ] && [ ! -f "$VG/regress/build/snowfdw.so" ] && nobuild=""
bash "$RUN_SH" $nobuild -l "${ROUNDS[*]}" "$VG/leak" >"$VG/leak.out" 2>&1
leak_s=$(( $(date +%s) - start ))
sed -n '/^iters /,$p' "$VG/leak.out" | grep -v '^----' | grep -vE '^==[0-9]+==' | head -20

# ---- 0 memcheck errors with snowfdw frames: leak records are judged below
nonleak_errors() {
  awk '/^---- / { if (blk && !leak) n++; blk = 1; leak = 0; next }
       / are definitely lost / { leak = 1 }
       END { if (blk && !leak) n++; print n + 0 }' "$1" 2>/dev/null || echo 1
}
summary=$(grep -h '^valgrind: ' "$VG/regress.out" "$VG/leak.out")
if [ "$(echo "$summary" | grep -c .)" -ne 2 ]; then
  fail "0 memcheck errors with snowfdw frames (valgrind did not report on both runs)"
  tail -n 30 "$VG/regress.out" "$VG/leak.out"
else
  e1=$(nonleak_errors "$VG/regress/vg-errors.txt")
  e2=$(nonleak_errors "$VG/leak/vg-errors.txt")
  if [ "$e1" -eq 0 ] && [ "$e2" -eq 0 ]; then
    pass "0 memcheck errors with snowfdw frames"
  else
    fail "0 memcheck errors with snowfdw frames: $e1 in the regression run, $e2 in the leak workload"
    echo "$summary"
    for run in regress leak; do
      echo "---- $run: errors with snowfdw frames ($VG/$run/vg-errors.txt)"
      head -150 "$VG/$run/vg-errors.txt"
    done
  fi
fi

# ---- definitely-lost bytes in snowfdw frames do not grow with the rounds
lost=()
ok=1
for n in "${ROUNDS[@]}"; do
  # iters pid definite indirect possible in-use-at-exit seconds snowfdw-definite
  v=$(awk -v n="$n" '$1 == n && NF == 8 { print $8 }' "$VG/leak.out" | tail -1)
  if ! grep -q "iterations done: $n" "$VG/leak/leak-$n.out" 2>/dev/null ||
     ! [[ "$v" =~ ^[0-9]+$ ]]; then
    echo "leak workload of $n rounds did not finish or has no leak summary:"
    tail -5 "$VG/leak/leak-$n.out" 2>/dev/null
    ok=0
    v=-
  fi
  lost+=("$n rounds: $v bytes")
  [ "$v" = - ] || last=$v first=${first:-$v}
done
lost_s=$(printf '%s, ' "${lost[@]}")
lost_s=${lost_s%, }
if [ "$ok" -eq 1 ] && [ "$((last - first))" -le "$LEAK_SLACK" ]; then
  pass "definitely-lost bytes in snowfdw frames do not grow with the rounds ($lost_s)"
else
  if [ "$ok" -eq 1 ]; then
    fail "definitely-lost bytes in snowfdw frames grow with the rounds ($lost_s; at most $LEAK_SLACK allowed)"
  else
    fail "definitely-lost bytes in snowfdw frames: the leak workload did not finish ($lost_s)"
  fi
  grep '^valgrind: ' "$VG/leak.out"
  echo "---- definite leaks with snowfdw frames ($VG/leak/vg-errors.txt)"
  head -150 "$VG/leak/vg-errors.txt"
fi

# ---- the checks after the suites see the normal build (when a debug
# build replaced it)
if [ "$debug_build" -eq 0 ]; then
  :
elif reinstall; then
  pass "normal build of snowfdw.so installed again"
else
  fail "normal build of snowfdw.so installed again"
fi

echo "valgrind suite: regression run ${regress_s} s, leak workload ${leak_s} s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
