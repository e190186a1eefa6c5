#!/usr/bin/env bash
# Which regression tests valgrind must run: the C lines of src/ each
# regression test executes (gcov), and the cheapest set of tests that
# executes every line all of them do.  test/valgrind/subset records the
# answer; make test runs valgrind over that set, make test-full over all.
#   bash test/valgrind/coverage.sh DIR [TEST...]
# TEST: the tests measured (default: REGRESS of the Makefile).  As root it
# runs from a copy of the checkout (lib.sh's run_from_copy), whose private
# PostgreSQL installation gets the coverage build, so that no other run sees
# it.  snowfdw is built as the test build with --coverage and -O0 in
# DIR/build; then each test runs alone on a new cluster (preloaded, as under
# valgrind) with the emulator, and the lines its processes executed are
# read from the .gcda files once the cluster has stopped.  Prints one line
# per test (lines, seconds), the chosen set, and the line coverage of src/
# by all the tests and by the set, which must be the same; writes
# DIR/coverage.json (lines per test) and DIR/subset (the chosen tests).
# A test's cost is its time in this run, or with COV_COSTS=FILE (the
# output of pg_regress under valgrind: 60-valgrind's valgrind/regress.out
# of a make test-full) its time under valgrind, which is what the set saves.
# Re-run it after adding tests or code, and copy DIR/subset to
# test/valgrind/subset when the set changes.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/../lib.sh"
run_from_copy coverage "$0" "$@"
DIR=$(realpath -m "${1:?usage: coverage.sh DIR [TEST...]}")
shift
TESTS=("$@")
if [ ${#TESTS[@]} -eq 0 ]; then
  read -r -a TESTS <<<"$(sed -n 's/^REGRESS = //p' "$REPO/Makefile")"
fi
PORT=${COV_PORT:-55508}
trap stop_all EXIT

prepare_run_dir "$DIR"
B=$RUN_DIR/build
mkdir -p "$B"
(cd "$REPO" && tar cf - --exclude='*.o' --exclude='*.bc' --exclude='*.so' \
   Makefile snowfdw.control snowfdw--*.sql src) | (cd "$B" && tar xf -) || exit 1
make -C "$B" -s PG_CONFIG="$PG_CONFIG" COPT='-O0 -g' PROFILE=--coverage \
  SNOWFDW_FAULT_INJECTION=yes SNOWFDW_BITCODE=no >"$RUN_DIR/build.log" 2>&1 &&
  make -C "$B" -s PG_CONFIG="$PG_CONFIG" SNOWFDW_FAULT_INJECTION=yes SNOWFDW_BITCODE=no \
    install >>"$RUN_DIR/build.log" 2>&1 || { cat "$RUN_DIR/build.log"; exit 1; }
# the server's processes write the counters next to the objects
chown -R postgres: "$B" 2>/dev/null || true
make_keys
make_tls_certs || exit 1
write_fixture "$EMU_DIR/fixtures/test.json" "$RUN_DIR/fixture.json"
start_emulator "$RUN_DIR/fixture.json" || exit 1

# gcov_json: gcov's JSON of every src/LAYER/*.c, from the objects next to them
gcov_json() {
  local d
  for d in "$B"/src/*/; do
    (cd "$B" && gcov --json-format --stdout -o "src/$(basename "$d")" "src/$(basename "$d")"/*.c 2>/dev/null)
  done
}

# lines_run OUT: the executed lines of src/*/*.c, from the .gcda files, as JSON
# {"file": [line, ...]}; the counters are removed for the next test
lines_run() {
  gcov_json |
    "$PYTHON" -c '
import json, sys
lines = {}
for doc in sys.stdin:
    doc = doc.strip()
    if not doc:
        continue
    for f in json.loads(doc)["files"]:
        if f["file"].startswith("src/") and f["file"].endswith(".c"):
            run = [l["line_number"] for l in f["lines"] if l["count"] > 0]
            lines.setdefault(f["file"], set()).update(run)
json.dump({k: sorted(v) for k, v in lines.items()}, open(sys.argv[1], "w"))
' "$1"
  find "$B/src" -name '*.gcda' -delete
}

# the executable lines of src/ (all of them, counted or not)
gcov_json |
  "$PYTHON" -c '
import json, sys
lines = {}
for doc in sys.stdin:
    doc = doc.strip()
    if doc:
        for f in json.loads(doc)["files"]:
            if f["file"].startswith("src/") and f["file"].endswith(".c"):
                lines.setdefault(f["file"], set()).update(l["line_number"] for l in f["lines"])
json.dump({k: sorted(v) for k, v in lines.items()}, open(sys.argv[1], "w"))
' "$RUN_DIR/executable.json"
find "$B/src" -name '*.gcda' -delete

mkdir -p "$RUN_DIR/tests"
for t in "${TESTS[@]}"; do
  rm -rf "$RUN_DIR/data"
  start_cluster "$PORT"
  env | grep -E '^(SNOWFDW_|PGHOST|PGPORT|PGUSER)' | sed 's/^/export /' >"$RUN_DIR/env.sh"
  start=$(date +%s%N)
  bash "$REPO/test/regress.sh" "$RUN_DIR" "$t" >"$RUN_DIR/tests/$t.out" 2>&1 </dev/null ||
    true
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  as_postgres "$PG_BIN/pg_ctl" -D "$RUN_DIR/data" -m fast -w stop >/dev/null 2>&1
  lines_run "$RUN_DIR/tests/$t.json"
  verdict=$(grep -oE '\.\.\. (ok|FAILED)|^(not )?ok' "$RUN_DIR/tests/$t.out" | head -1)
  echo "$t $ms $verdict"
done | tee "$RUN_DIR/times.txt"

"$PYTHON" - "$RUN_DIR" "${COV_COSTS:-}" <<'PY'
import json, os, re, sys
d, costs_file = sys.argv[1:3]
executable = json.load(open(os.path.join(d, "executable.json")))
total = sum(len(v) for v in executable.values())
tests, cost = {}, {}
for line in open(os.path.join(d, "times.txt")):
    name, ms = line.split()[:2]
    cov = json.load(open(os.path.join(d, "tests", name + ".json")))
    tests[name] = {(f, n) for f, ns in cov.items() for n in ns}
    cost[name] = max(int(ms), 1)
# under valgrind, tests cost what they took there ("test NAME ... ok N ms")
if costs_file:
    for line in open(costs_file, errors="replace"):
        r = re.match(r"^(?:test |ok +\d+\s+- )\s*(\S+)\s.*?(\d+) ms$", line.strip())
        if r and r.group(1) in cost:
            cost[r.group(1)] = int(r.group(2))
union = set().union(*tests.values())
# greedy weighted set cover: most new lines per second of the test first
chosen, covered = [], set()
while covered != union:
    best = max((t for t in tests if t not in chosen),
               key=lambda t: (len(tests[t] - covered) / cost[t], -cost[t]))
    chosen.append(best)
    covered |= tests[best]
# then, dearest first, drop a chosen test that the others cover
for t in sorted(chosen, key=lambda t: -cost[t]):
    if set().union(*(tests[o] for o in chosen if o != t)) == union:
        chosen.remove(t)
# keep the Makefile's order, which is the order pg_regress runs them in
order = [t for t in open(os.path.join(d, "times.txt")).read().split("\n") if t]
order = [t.split()[0] for t in order]
chosen = [t for t in order if t in chosen]
for t in order:
    print("%-16s %5d lines %7.1f s%s" % (t, len(tests[t]), cost[t] / 1000.0,
                                       "  (chosen)" if t in chosen else ""))
pct = lambda n: 100.0 * n / total
print("all %d tests: %d of %d executable lines of src/ (%.1f%%), %.0f s" %
      (len(tests), len(union), total, pct(len(union)), sum(cost.values()) / 1000.0))
sub = set().union(*(tests[t] for t in chosen))
print("subset of %d: %d of %d lines (%.1f%%), %.0f s: %s" %
      (len(chosen), len(sub), total, pct(len(sub)), sum(cost[t] for t in chosen) / 1000.0,
       " ".join(chosen)))
json.dump({t: sorted("%s:%d" % x for x in tests[t]) for t in tests},
          open(os.path.join(d, "coverage.json"), "w"))
open(os.path.join(d, "subset"), "w").write(" ".join(chosen) + "\n")
sys.exit(0 if sub == union else 1)
PY
