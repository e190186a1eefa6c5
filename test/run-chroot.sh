#!/usr/bin/env bash
# One PostgreSQL major's regression suites inside its Debian chroot.
#   bash test/run-chroot.sh MAJOR [SCRIPT [ARGS...]]
# Makes the chroot if needed (test/chroot.sh), copies this tree into a
# directory of the chroot that is this run's alone, and runs
# test/run-major.sh there with that major's pg_config: every suite but those
# that test the code or the tools rather than its fit to a major (fuzzing,
# valgrind, the emulator's own tests, the README's examples), then the
# secrets check.  The run has a mount namespace of its own (unshare): /proc
# and /dev/shm are mounted for it alone and go when it ends, so two runs
# (two checkouts) can use one chroot at once; its copy of the tree and its
# private PostgreSQL installation (lib.sh) are removed at the end
# (SNOWFDW_KEEP_TREE=1 keeps them, and says where).
# The emulator and cluster run inside the chroot; the chroot shares the
# host's network (the clusters listen on Unix sockets only, the emulators
# on ports the kernel picks).  Exits 3 when the chroot cannot be made here
# (run-tests.sh reports the major skipped).  Each step prints a line that
# ends with its wall time, as run-major.sh's do: chroot, chroot copy.
# SCRIPT (a path in the tree, default test/run-major.sh) runs instead of the
# suites, with ARGS: bench/run.sh runs bench/b1-major.sh this way, and
# test/build-debs.sh test/build-deb.sh, whose files in the tree's dist/
# SNOWFDW_CHROOT_OUT (a directory on the host) receives.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
major=${1:?usage: run-chroot.sh MAJOR [SCRIPT]}
script=${2:-test/run-major.sh}
shift
[ $# -gt 0 ] && shift
t0=$(date +%s)
root=$(bash "$REPO/test/chroot.sh" ensure "$major") || exit $?
echo "chroot: $(head -1 "$root/.snowfdw-complete") in $root ($(( $(date +%s) - t0 )) s)"

# every suite but those that test the code rather than its fit to a major
# (fuzzing and valgrind stay on the host), or test the tools (the emulator's
# unit tests, the README's examples: once, on the host); and of the
# whole-run checks the one that reads this run's logs (the others read the
# tree, or need npm)
skip_suites="20-emulator 30-readme 40-fuzz 60-valgrind"
checks="secrets"

t0=$(date +%s)
tree=$(mktemp -d "$root/snowfdw.XXXXXX") || { echo "run-chroot.sh: cannot make a directory in $root"; exit 1; }
inside=/$(basename "$tree")
cleanup() {
  if [ "${SNOWFDW_KEEP_TREE:-}" = 1 ]; then
    echo "(kept: $tree)"
    return
  fi
  rm -rf "$tree"
  # the private installation lib.sh made for this tree (one per checkout path)
  rm -rf "$root/var/tmp/snowfdw-pg/$(printf %s "$inside" | md5sum | cut -c1-8)-"*
}
trap cleanup EXIT
chmod 0755 "$tree"
copy_tree "$REPO" "$tree" --no-git ||
  { echo "run-chroot.sh: could not copy the tree into $root"; exit 1; }
# the keys run-tests.sh makes once for every major, copied in when they are
# done (the major builds meanwhile; its make_keys waits for .done)
keys=""
if [ -n "${SNOWFDW_KEYS_FROM:-}" ]; then
  mkdir -p "$tree/.keys"
  keys=$inside/.keys
  (wait_for 300 test -e "$SNOWFDW_KEYS_FROM/.done" &&
     cp "$SNOWFDW_KEYS_FROM"/*.pem "$SNOWFDW_KEYS_FROM"/*.pub "$tree/.keys/" &&
     touch "$tree/.keys/.done") &
fi
echo "chroot copy: the tree into $tree ($(( $(date +%s) - t0 )) s)"

# shellcheck disable=SC2016
unshare --mount --propagation private bash -c '
  root=$1
  shift
  mount -t proc proc "$root/proc" || { echo "run-chroot.sh: cannot mount /proc in $root"; exit 1; }
  # POSIX shared memory for the server'"'"'s dynamic shared memory
  mkdir -p "$root/dev/shm"
  mount -t tmpfs -o mode=1777 shm "$root/dev/shm" || { echo "run-chroot.sh: cannot mount /dev/shm in $root"; exit 1; }
  exec chroot "$root" "$@"
' run-chroot "$root" /usr/bin/env -i \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  HOME=/tmp LANG=C.UTF-8 CI="${CI:-}" \
  PG_CONFIG="/usr/lib/postgresql/$major/bin/pg_config" SNOWFDW_BITCODE=no \
  SNOWFDW_CHROOT_MAJOR="$major" SNOWFDW_CHECKOUT="${SNOWFDW_CHECKOUT:-$REPO}" \
  SNOWFDW_KEYS_FROM="$keys" SNOWFDW_REGRESS_GROUPS="${SNOWFDW_REGRESS_GROUPS:-}" \
  SNOWFDW_REGRESS="${SNOWFDW_REGRESS:-}" \
  SNOWFDW_SUITES="${SNOWFDW_SUITES-*}" \
  SNOWFDW_CHECKS="$checks" SNOWFDW_SKIP_SUITES="$skip_suites ${SNOWFDW_SKIP_SUITES:-}" \
  bash "$inside/$script" "$@"
rc=$?
if [ -n "${SNOWFDW_CHROOT_OUT:-}" ] && [ -d "$tree/dist" ]; then
  mkdir -p "$SNOWFDW_CHROOT_OUT" && cp -a "$tree/dist/." "$SNOWFDW_CHROOT_OUT/"
fi
exit "$rc"
