#!/usr/bin/env bash
# make deb: build postgresql-<major>-snowfdw_<version>_<arch>.deb with Debian's
# PostgreSQL extension tooling (pg_buildext, debhelper's pgxs_loop), from the
# tracked files only, in a scratch copy; the .deb files land in dist/.
#   bash test/build-deb.sh [OUTDIR]
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$REPO/dist}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)  # absolute: the build below runs elsewhere
bash "$REPO/test/deps.sh"
version=$(bash "$REPO/test/version.sh")
work=$(mktemp -d /tmp/snowfdw-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/snowfdw-$version" "$OUT"
# the files git knows or would add (not tmp_check, dist), as they are in the work tree
(cd "$REPO" && git ls-files -z -co --exclude-standard 2>/dev/null | xargs -0 tar -cf - 2>/dev/null ||
   tar -cf - --exclude=./tmp_check --exclude=./dist --exclude=./.git .) |
  tar -xf - -C "$work/snowfdw-$version"
cd "$work/snowfdw-$version"
# in a test chroot, build for its major alone (the 19 chroot also has 18,
# sid's default, which postgresql-server-dev-all brings)
if [ -n "${SNOWFDW_CHROOT_MAJOR:-}" ]; then
  export PG_SUPPORTED_VERSIONS=$SNOWFDW_CHROOT_MAJOR
fi
pg_buildext updatecontrol
dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1 || { tail -40 "$work/build.log"; exit 1; }
cp "$work"/*.deb "$OUT"/
ls "$OUT"/postgresql-*-snowfdw_"$version"-*_*.deb
