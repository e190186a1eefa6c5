#!/usr/bin/env bash
# Developer convenience: a long-lived emulator + cluster for iterating on tests.
#   bash test/dev-env.sh start DIR PORT   # builds, installs, starts; writes DIR/env.sh
#   . DIR/env.sh                           # PGHOST, PGPORT, SNOWFDW_* for psql and regress.sh
#   bash test/regress.sh DIR TEST...       # run some pg_regress tests against it
#   bash test/dev-env.sh stop DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"
case "${1:-}" in
  start)
    dir=$2 port=$3
    build_and_install
    prepare_run_dir "$dir"
    make_keys
    make_tls_certs
    write_fixture "$EMU_DIR/fixtures/test.json" "$RUN_DIR/fixture.json"
    start_emulator "$RUN_DIR/fixture.json"
    start_cluster "$port"
    env | grep -E '^(SNOWFDW_|PGHOST|PGPORT|PGUSER)' | sed 's/^/export /' >"$dir/env.sh"
    echo "started: . $dir/env.sh"
    ;;
  stop)
    RUN_DIR=$2
    as_postgres "$PG_BIN/pg_ctl" -D "$RUN_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    [ -f "$RUN_DIR/emulator.pid" ] && kill "$(cat "$RUN_DIR/emulator.pid")" 2>/dev/null || true
    ;;
  *) echo "usage: $0 start DIR PORT | stop DIR" >&2; exit 2 ;;
esac
