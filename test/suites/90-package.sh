#!/usr/bin/env bash
# Suite: the Debian package. After the other suites, so that a packaging
# fault cannot hide a code fault:
#   1. make deb builds postgresql-<major>-snowfdw_<version>-1_<arch>.deb,
#      without the test build's fault points;
#   2. it installs with apt (dependencies from Debian), and a fresh cluster
#      creates the extension from the packaged files and lists schemas from
#      the emulator of this run;
#   3. dpkg -r removes every file the package installed;
#   4. the build's own install is in place for what runs after (put back if not).
#   bash test/suites/90-package.sh RUN_DIR
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
RUN_DIR=${1:?usage: 90-package.sh RUN_DIR}
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "package: $1: ok"; }
bad() { failed=$((failed + 1)); echo "package: $1: FAILED"; }
PKG_DIR=$RUN_DIR/package
rm -rf "$PKG_DIR"; mkdir -p "$PKG_DIR"; chown postgres: "$PKG_DIR" 2>/dev/null || true
version=$(bash "$REPO/test/version.sh")
major=$("$SYSTEM_PG_CONFIG" --version | sed 's/^PostgreSQL \([0-9]*\).*/\1/')
pkg=postgresql-$major-snowfdw
# the package goes to the system's PostgreSQL, not the run's private copy
SYS_BIN=$("$SYSTEM_PG_CONFIG" --bindir)

# 1. build
if bash "$REPO/test/build-deb.sh" "$PKG_DIR" >"$PKG_DIR/build.out" 2>&1 &&
   deb=$(ls "$PKG_DIR"/"$pkg"_"$version"-*_*.deb 2>/dev/null | head -1) && [ -n "$deb" ]; then
  ok "make deb built $(basename "$deb")"
else
  bad "make deb"; tail -30 "$PKG_DIR/build.out"
  echo "$passed passed, $((failed + 4)) failed"; exit 1
fi
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's#^\./#/#' | grep -v '/$' >"$PKG_DIR/files"
# the test build's fault points (src/shmem/fault.c) are not in the package
mkdir -p "$PKG_DIR/contents" && dpkg-deb -x "$deb" "$PKG_DIR/contents"
so=$(find "$PKG_DIR/contents" -name snowfdw.so | head -1)
if [ -n "$so" ] && ! grep -q -a 'snowfdw.fault_point' "$so" &&
   grep -q -a 'snowfdw.fault_point' "$("$PG_CONFIG" --pkglibdir)/snowfdw.so"; then
  ok "no fault points in the package's snowfdw.so (the test build has them)"
else
  bad "fault points in the package"
fi

# 2. install and use it from a fresh cluster
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$deb" >"$PKG_DIR/install.out" 2>&1
if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
  as_postgres "$SYS_BIN/initdb" -D "$PKG_DIR/data" -U postgres --encoding=UTF8 --no-locale \
    --auth=trust >"$PKG_DIR/initdb.log" 2>&1
  as_postgres "$SYS_BIN/pg_ctl" -D "$PKG_DIR/data" -l "$PKG_DIR/postgres.log" -w \
    -o "-p 55439 -k $PKG_DIR -c listen_addresses=''" start >/dev/null
  count=$(as_postgres "$SYS_BIN/psql" -X -q -At -h "$PKG_DIR" -p 55439 -d postgres \
            -v ON_ERROR_STOP=1 -v url="$SNOWFDW_EMU_URL" <<'SQL' 2>"$PKG_DIR/psql.err"
CREATE EXTENSION snowfdw;
CREATE SERVER pkg FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'url');
CREATE USER MAPPING FOR CURRENT_USER SERVER pkg OPTIONS (token 'test-pat-alice-0123456789');
CREATE FOREIGN TABLE sales_schemas (name text) SERVER pkg OPTIONS (object 'schemas', database 'SALES');
SELECT extversion || ' ' || (SELECT count(*) FROM sales_schemas) FROM pg_extension WHERE extname = 'snowfdw';
SQL
)
  as_postgres "$SYS_BIN/pg_ctl" -D "$PKG_DIR/data" -m fast -w stop >/dev/null 2>&1
  if [ "${count%% *}" = "$version" ] && [ "${count##* }" -gt 0 ] 2>/dev/null; then
    ok "installed; a fresh cluster lists ${count##* } schemas with extension $version"
  else
    bad "fresh cluster on the package"; cat "$PKG_DIR/psql.err"
  fi
else
  bad "apt install"; tail -20 "$PKG_DIR/install.out"
fi

# 3. removal leaves none of its files
dpkg -r "$pkg" >"$PKG_DIR/remove.out" 2>&1
left=$(while read -r f; do [ -e "$f" ] && echo "$f"; done <"$PKG_DIR/files")
if [ -z "$left" ] && ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok"; then
  ok "dpkg -r removed all $(wc -l <"$PKG_DIR/files") files"
else
  bad "dpkg -r left files"; echo "$left" | head
fi

# 4. the build's own install is as it was (the package went to the system's
# PostgreSQL, not to the run's private installation, which valgrind may be
# using beside this suite); put it back if it is not
installed=$("$PG_CONFIG" --pkglibdir)/snowfdw.so
if cmp -s "$REPO/snowfdw.so" "$installed" || build_and_install; then
  ok "build's own install in place"
else
  bad "restoring the build's install"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
