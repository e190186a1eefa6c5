#!/usr/bin/env bash
# Suite: pg_regress (REGRESS in the Makefile) against the running cluster and emulator.
#   bash test/suites/10-regress.sh RUN_DIR
# The tests spend most of their time waiting for the emulator (injected
# latencies, timeouts), so they run in SNOWFDW_REGRESS_GROUPS groups at once
# (default 2), balanced by their usual durations (below): the first on the
# run's cluster and emulator, each other one on a cluster and emulator of
# its own in RUN_DIR/regress-N, since tests change the emulator's state and
# clear the shared cache.  Prints `N passed, N failed` last; on failure, the
# diffs and the logs' tails.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
RUN_DIR=${1:?usage: 10-regress.sh RUN_DIR}
MAIN_DIR=$RUN_DIR
# SNOWFDW_REGRESS: these tests instead of the Makefile's REGRESS
read -r -a tests <<<"${SNOWFDW_REGRESS:-$(sed -n 's/^REGRESS = //p' "$REPO/Makefile")}"
ngroups=${SNOWFDW_REGRESS_GROUPS:-2}
[ "$ngroups" -ge 1 ] 2>/dev/null || ngroups=1

# usual seconds of each test on the development machine (PostgreSQL 15, 2
# cores); they only balance the groups, and an unlisted test counts 5
declare -A seconds=(
  [pipeline]=16 [cache]=14 [dml]=12 [streaming]=12 [async]=11 [errors]=11
  [cancel]=9 [explain_request]=7 [connection]=6 [auth]=5 [planner]=5
  [https]=4 [generic_plans]=4 [pushdown]=4 [protocol]=4 [later_pages]=3
  [functions]=3 [subxact]=2 [select]=1 [join]=1 [options_check]=1
  [import]=1 [privileges]=1
)

# the groups: heaviest test first, each to the lightest group so far; each
# group keeps the Makefile's order
declare -a load group_of
declare -A in_group
for ((g = 0; g < ngroups; g++)); do load[g]=0; done
for t in $(for t in "${tests[@]}"; do echo "${seconds[$t]:-5} $t"; done | sort -k1,1nr -k2 | cut -d' ' -f2); do
  best=0
  for ((g = 1; g < ngroups; g++)); do [ "${load[g]}" -lt "${load[best]}" ] && best=$g; done
  load[best]=$((load[best] + ${seconds[$t]:-5}))
  in_group[$t]=$best
done
for t in "${tests[@]}"; do group_of[in_group[$t]]="${group_of[in_group[$t]]:-} $t"; done

# run_group N DIR TEST...: pg_regress of these tests against the cluster of
# the environment, results in DIR/regress
run_group() {
  local n=$1 dir=$2
  shift 2
  as_postgres mkdir -p "$dir/regress"
  as_postgres "$("$PG_CONFIG" --pkglibdir)/pgxs/src/test/regress/pg_regress" \
    --inputdir="$REPO" --outputdir="$dir/regress" \
    --bindir="$PG_BIN" --host="$PGHOST" --port="$PGPORT" --user=postgres \
    --dbname=contrib_regression "$@" >"$dir/regress.out" 2>&1
}

# own_cluster N: a cluster and an emulator of group N's own, then its tests;
# everything it started stops when it ends
own_cluster() {
  local n=$1
  shift
  SNOWFDW_KEYS_FROM=$MAIN_DIR/keys
  PG_PID=""
  EMU_PID=""
  trap stop_all EXIT
  prepare_run_dir "$MAIN_DIR/regress-$n"
  make_keys
  make_tls_certs || exit 1
  write_fixture "$EMU_DIR/fixtures/test.json" "$RUN_DIR/fixture.json"
  start_emulator "$RUN_DIR/fixture.json" || exit 1
  start_cluster $((55450 + n))
  run_group "$n" "$RUN_DIR" "$@"
}

pids=()
for ((g = 0; g < ngroups; g++)); do
  [ -n "${group_of[g]:-}" ] || continue
  # shellcheck disable=SC2086
  if [ "$g" -eq 0 ]; then
    run_group 1 "$MAIN_DIR" ${group_of[g]} &
  else
    (own_cluster $((g + 1)) ${group_of[g]}) &
  fi
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done

dirs=("$MAIN_DIR")
for ((g = 1; g < ngroups; g++)); do [ -n "${group_of[g]:-}" ] && dirs+=("$MAIN_DIR/regress-$((g + 1))"); done
p=0
f=0
for d in "${dirs[@]}"; do
  if [ "$d" = "$MAIN_DIR" ]; then echo "-- group 1, on the run's cluster:${group_of[0]}"
  else echo "-- group ${d##*-}, on a cluster of its own ($d)"; fi
  grep -E '\.\.\. |^(not )?ok [0-9]+ |^# |tests? (passed|failed)' "$d/regress.out" 2>/dev/null ||
    tail -20 "$d/regress.out" 2>/dev/null
  # 15 prints "test NAME ... ok"; 16 and later print TAP ("ok 1 - NAME")
  p=$((p + $(grep -cE '\.\.\. ok|^ok [0-9]+ ' "$d/regress.out" 2>/dev/null)))
  f=$((f + $(grep -cE '\.\.\. FAILED|^not ok [0-9]+ ' "$d/regress.out" 2>/dev/null)))
done
# a test that did not run to its verdict (pg_regress bailed out, or found no
# expected file, or its group's cluster did not start) is a failure too
total=${#tests[@]}
[ $((p + f)) -lt "$total" ] && f=$((total - p))
if [ "$f" -gt 0 ] || [ "$p" -eq 0 ]; then
  for d in "${dirs[@]}"; do
    echo "---- regression.diffs ($d)"
    cat "$d/regress/regression.diffs" 2>/dev/null
    echo "---- postgres.log (tail, $d)"
    tail -50 "$d/postgres.log"
    echo "---- emulator.log (tail, $d)"
    tail -30 "$d/emulator.log"
  done
fi
echo "$p passed, $f failed"
[ "$f" -eq 0 ]
