#!/usr/bin/env bash
# One PostgreSQL major's regression suites inside its Debian chroot.
#   bash test/run-chroot.sh MAJOR [SCRIPT [ARGS...]]
# Makes the chroot if needed (test/chroot.sh), copies this tree into it,
# mounts /proc there for the run, and runs test/run-major.sh with that
# major's pg_config: every suite but fuzzing and valgrind (pg_regress, the
# emulator's tests, the cache suite, the README examples, the upgrade chain,
# the package...), then the secrets check.
# The emulator and cluster run inside the chroot; the chroot shares the
# host's network, so its ports must be free on the host too.  Exits 3 when
# the chroot cannot be made here (run-tests.sh reports the major skipped).
# SCRIPT (a path in the tree, default test/run-major.sh) runs instead of the
# suites, with ARGS: bench/run.sh runs bench/b1-major.sh this way, and
# test/build-debs.sh test/build-deb.sh.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
major=${1:?usage: run-chroot.sh MAJOR [SCRIPT]}
script=${2:-test/run-major.sh}
shift
[ $# -gt 0 ] && shift
root=$(bash "$REPO/test/chroot.sh" ensure "$major") || exit $?

# every suite but those that test the code rather than its fit to a major
# (fuzzing and valgrind stay on the host), and of the whole-run checks the
# one that reads this run's logs (the others read the tree, or need npm)
skip_suites="40-fuzz 60-valgrind"
checks="secrets"

tree=$root/snowfdw
rm -rf "$tree"
mkdir -p "$tree"
copy_tree "$REPO" "$tree" ||
  { echo "run-chroot.sh: could not copy the tree into $root"; exit 1; }

mounted=()
cleanup() {
  local m
  for m in "${mounted[@]}"; do umount -l "$m" 2>/dev/null; done
}
trap cleanup EXIT
if ! mountpoint -q "$root/proc"; then
  mount -t proc proc "$root/proc" && mounted+=("$root/proc") ||
    { echo "run-chroot.sh: cannot mount /proc in $root"; exit 1; }
fi
# POSIX shared memory for the server's dynamic shared memory
mkdir -p "$root/dev/shm"
if ! mountpoint -q "$root/dev/shm"; then
  mount -t tmpfs -o mode=1777 shm "$root/dev/shm" && mounted+=("$root/dev/shm")
fi

echo "(PostgreSQL $major in $root: $(head -1 "$root/.snowfdw-complete"))"
chroot "$root" /usr/bin/env -i \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  HOME=/tmp LANG=C.UTF-8 CI="${CI:-}" \
  PG_CONFIG="/usr/lib/postgresql/$major/bin/pg_config" SNOWFDW_BITCODE=no \
  SNOWFDW_CHROOT_MAJOR="$major" SNOWFDW_CHECKOUT="${SNOWFDW_CHECKOUT:-$REPO}" \
  SNOWFDW_SUITES="${SNOWFDW_SUITES-*}" \
  SNOWFDW_CHECKS="$checks" SNOWFDW_SKIP_SUITES="$skip_suites ${SNOWFDW_SKIP_SUITES:-}" \
  bash "/snowfdw/$script" "$@"
