#!/usr/bin/env bash
# make deb: the Debian package of every major it can build here, in dist/:
# postgresql-15-snowfdw on the Debian 12 host, and postgresql-N-snowfdw for
# 17, 18 and 19 inside their test chroots (test/chroot.sh; Debian 13,
# unstable and experimental), each built by that system's own pg_buildext
# against its own libraries, so that it installs on that release.
#   bash test/build-debs.sh [OUTDIR]      (DEB_MAJORS="15 17" to limit)
# A major whose chroot cannot be made here is reported and skipped; any
# other failure fails the whole.
set -uo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$REPO/dist}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
host_major=$(/usr/lib/postgresql/15/bin/pg_config --version 2>/dev/null | sed 's/^PostgreSQL \([0-9]*\).*/\1/')
failed=0
for m in ${DEB_MAJORS:-15 17 18 19}; do
  if [ "$m" = "${host_major:-15}" ]; then
    bash "$REPO/test/build-deb.sh" "$OUT" || failed=1
    continue
  fi
  SNOWFDW_CHROOT_OUT=$OUT bash "$REPO/test/run-chroot.sh" "$m" test/build-deb.sh >"$OUT/build-$m.log" 2>&1
  rc=$?
  if [ "$rc" -eq 3 ]; then
    echo "make deb: PostgreSQL $m skipped: $(grep -m1 '^chroot.sh:' "$OUT/build-$m.log" | sed 's/^chroot.sh: //')"
  elif [ "$rc" -ne 0 ]; then
    echo "make deb: PostgreSQL $m failed:"; tail -20 "$OUT/build-$m.log"; failed=1
  else
    ls "$OUT"/postgresql-"$m"-snowfdw_*.deb
    rm -f "$OUT/build-$m.log"
  fi
done
exit "$failed"
