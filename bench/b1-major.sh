#!/usr/bin/env bash
# B1 on one PostgreSQL major: a 200,000-file stage listing read by snowfdw
# (count(*), sum(size)) next to a bare C program (libcurl + cJSON, by ->next)
# reading the same bytes, both built against this system's libraries, from
# a server of pre-built bytes (bench/listserver.py).  Five alternating rounds;
# the medians are printed as one line:
#   B1 PostgreSQL N: snowfdw S s, bare C B s, snowfdw / bare C R
#   bash bench/b1-major.sh            (PG_CONFIG says which major)
# bench/run.sh runs it on the host and, through test/run-chroot.sh, in the
# 17, 18 and 19 chroots.
set -euo pipefail
. "$(dirname "$0")/../test/lib.sh"
FILES=200000
ROUNDS=5
trap 'kill "${LS_PID:-}" 2>/dev/null; stop_all' EXIT
build_and_install
prepare_run_dir "$REPO/tmp_check/b1"
LS_DIR=$RUN_DIR/listserver
as_postgres mkdir -p "$LS_DIR"
as_postgres "$PYTHON" "$REPO/bench/listserver.py" --port-file "$LS_DIR/port" \
  --files "$FILES" --schemas 10 >"$LS_DIR/log" 2>&1 &
for _ in $(seq 1 600); do [ -s "$LS_DIR/port" ] && break; sleep 0.1; done
LS_PID=$(pgrep -f -n "listserver.py --port-file $LS_DIR/port")
LS_URL="http://127.0.0.1:$(cat "$LS_DIR/port")"
gcc -O2 -o "$LS_DIR/limit" "$REPO/bench/limit.c" $(pkg-config --cflags --libs libcurl libcjson)
start_cluster 55435 ""

psql_b() { as_postgres "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d postgres "$@"; }
psql_b -v url="$LS_URL" <<'SQL'
CREATE EXTENSION snowfdw;
CREATE SERVER ls FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'url');
CREATE USER MAPPING FOR CURRENT_USER SERVER ls OPTIONS (token 'bench-pat-0123456789');
CREATE FOREIGN TABLE files (stage_name text, name text, size bigint)
  SERVER ls OPTIONS (object 'stage_files', database 'BENCH', schema 'PUBLIC');
SQL
url="$LS_URL/api/v2/databases/BENCH/schemas/PUBLIC/stages/F$FILES/files"
# fdw_seconds: one statement in a fresh backend, timed inside the backend
fdw_seconds() {
  psql_b <<SQL | tail -1
SELECT extract(epoch FROM clock_timestamp()) AS t0 \gset
SELECT count(*), sum(size) FROM files WHERE stage_name = 'F$FILES';
SELECT round((extract(epoch FROM clock_timestamp()) - :t0)::numeric, 3);
SQL
}
bare=()
fdw=()
for _ in $(seq 1 "$ROUNDS"); do
  read -r _ _ fetch_s parse_s < <("$LS_DIR/limit" "$url")
  bare+=("$("$PYTHON" -c "print('%.3f' % ($fetch_s + $parse_s))")")
  fdw+=("$(fdw_seconds)")
done
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
b=$(median "${bare[@]}")
f=$(median "${fdw[@]}")
echo "B1 $(pg_major): snowfdw $f s, bare C $b s, snowfdw / bare C $("$PYTHON" -c "print('%.2f' % ($f / $b))") (medians of $ROUNDS; snowfdw ${fdw[*]}; bare C ${bare[*]})"
