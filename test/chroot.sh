#!/usr/bin/env bash
# Debian chroots that carry the PostgreSQL majors Debian 12 does not ship.
#   bash test/chroot.sh ensure MAJOR   make (or reuse) the chroot; print its path
#   bash test/chroot.sh path MAJOR     print the path it has or would have
#   bash test/chroot.sh suite MAJOR    print the Debian suite that ships MAJOR
# Chroots live outside every checkout, in SNOWFDW_CHROOT_ROOT (default
# /var/cache/snowfdw/chroots), and are reused between runs.  One that has no
# .snowfdw-complete marker (an interrupted mmdebstrap) is made again.  Their
# binaries need glibc 2.38+, so they cannot run on the Debian 12 host itself.
# On failure "ensure" prints one line saying why on stderr and exits 3 when
# the chroot cannot be made here (not root, no mirror), 1 on other errors.
set -euo pipefail

ROOT=${SNOWFDW_CHROOT_ROOT:-/var/cache/snowfdw/chroots}
# bump when the package list changes: an older chroot is then made again
RECIPE=3

suite_of() {
  case "$1" in
    17) echo trixie ;;
    18) echo sid ;;
    19) echo experimental ;;
    *) echo "chroot.sh: no Debian suite known for PostgreSQL $1" >&2; return 1 ;;
  esac
}

# mirror: the URI the host's own Debian sources use
mirror() {
  local uri=""
  if [ -r /etc/apt/sources.list.d/debian.sources ]; then
    uri=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources | head -1)
  fi
  if [ -z "$uri" ] && [ -r /etc/apt/sources.list ]; then
    uri=$(sed -n 's/^deb[[:space:]]\+\(http[^[:space:]]*\).*/\1/p' /etc/apt/sources.list | head -1)
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

# packages MAJOR: what a chroot holds, beyond the apt variant's base
packages() {
  echo "postgresql-$1 postgresql-server-dev-$1 postgresql-server-dev-all" \
    "libcurl4-openssl-dev libcjson-dev libssl-dev" \
    "make gcc pkg-config openssl procps curl jq ca-certificates util-linux" \
    "python3 python3-yaml python3-jsonschema python3-cryptography python3-psycopg" \
    "build-essential debhelper dpkg-dev fakeroot"
}

# top_up MAJOR DIR: install what packages() gained since DIR was made
top_up() {
  local missing=() p
  for p in $(packages "$1"); do
    chroot "$2" dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  chroot "$2" /usr/bin/env DEBIAN_FRONTEND=noninteractive PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    apt-get -o 'Acquire::Check-Valid-Until=false' -y -qq --no-install-recommends \
    install "${missing[@]}" >"$2.topup.log" 2>&1 ||
    { chroot "$2" /usr/bin/env PATH=/usr/sbin:/usr/bin:/sbin:/bin \
        apt-get -o 'Acquire::Check-Valid-Until=false' -qq update >>"$2.topup.log" 2>&1 &&
      chroot "$2" /usr/bin/env DEBIAN_FRONTEND=noninteractive PATH=/usr/sbin:/usr/bin:/sbin:/bin \
        apt-get -o 'Acquire::Check-Valid-Until=false' -y -qq --no-install-recommends \
        install "${missing[@]}" >>"$2.topup.log" 2>&1; } ||
    { echo "chroot.sh: could not install ${missing[*]} in $2 (log: $2.topup.log)" >&2; return 1; }
  rm -f "$2.topup.log"
}

make_chroot() {
  local major=$1 dir=$2 suite m tmp
  suite=$(suite_of "$major")
  m=$(mirror)
  if [ "$(id -u)" -ne 0 ]; then
    echo "chroot.sh: making a chroot needs root" >&2
    return 3
  fi
  if ! command -v mmdebstrap >/dev/null; then
    # one installer at a time (makers of other majors run at once, and
    # apt-get update does not wait for another's lock), and wait for
    # another apt run rather than fail on its lock
    local apt=(apt-get -o DPkg::Lock::Timeout=300 -y -qq --no-install-recommends)
    (
      flock 8
      command -v mmdebstrap >/dev/null ||
        { apt-get -o DPkg::Lock::Timeout=300 update -qq &&
          DEBIAN_FRONTEND=noninteractive "${apt[@]}" install mmdebstrap; } >/dev/null 2>&1
    ) 8>"$ROOT/.mmdebstrap.lock" ||
      { echo "chroot.sh: mmdebstrap cannot be installed (no Debian mirror?)" >&2; return 3; }
  fi
  local pkgs
  pkgs=$(packages "$major" | tr ' ' ',')
  local sources=() hooks=()
  case "$suite" in
    trixie) sources=("deb $m trixie main") ;;
    sid) sources=("deb $m sid main") ;;
    experimental)
      sources=("deb $m sid main" "deb $m experimental main")
      hooks=(--setup-hook='mkdir -p "$1/etc/apt/preferences.d" && printf "Package: postgresql* libpq*\nPin: release a=experimental\nPin-Priority: 990\n" >"$1/etc/apt/preferences.d/snowfdw-pg19"')
      suite=sid
      ;;
  esac
  tmp="$dir.partial"
  rm -rf "$tmp" "$dir"
  mkdir -p "$(dirname "$dir")"
  # sid and experimental are served as snapshots whose Release files expired
  if ! mmdebstrap --quiet --variant=apt --include="$pkgs" \
      --aptopt='Acquire::Check-Valid-Until "false"' "${hooks[@]}" \
      "$suite" "$tmp" "${sources[@]}" >"$tmp.log" 2>&1; then
    if grep -qiE 'could not resolve|failed to fetch|connection (refused|failed|timed out)|unable to connect' "$tmp.log"; then
      echo "chroot.sh: the Debian mirror ($m) cannot be reached for PostgreSQL $major: $(grep -m1 -iE 'resolve|fetch|connect' "$tmp.log")" >&2
      rm -rf "$tmp"
      return 3
    fi
    echo "chroot.sh: mmdebstrap failed for PostgreSQL $major ($suite); log: $tmp.log" >&2
    tail -5 "$tmp.log" >&2
    rm -rf "$tmp"
    return 1
  fi
  if [ ! -x "$tmp/usr/lib/postgresql/$major/bin/pg_config" ]; then
    echo "chroot.sh: PostgreSQL $major is not in the $suite chroot" >&2
    rm -rf "$tmp"
    return 1
  fi
  chroot "$tmp" /usr/lib/postgresql/$major/bin/pg_config --version >"$tmp/.snowfdw-complete"
  echo "recipe $RECIPE" >>"$tmp/.snowfdw-complete"
  mv "$tmp" "$dir"
  rm -f "$tmp.log"
}

cmd=${1:-}
major=${2:-}
[ -n "$major" ] || { echo "usage: $0 ensure|path|suite MAJOR" >&2; exit 2; }
dir=$ROOT/pg$major
case "$cmd" in
  path) echo "$dir" ;;
  suite) suite_of "$major" ;;
  ensure)
    suite_of "$major" >/dev/null
    mkdir -p "$ROOT" 2>/dev/null || { echo "chroot.sh: cannot create $ROOT" >&2; exit 3; }
    # one maker at a time per major (parallel runs share the cache)
    exec 9>"$ROOT/.pg$major.lock"
    flock 9
    if [ -f "$dir/.snowfdw-complete" ] && grep -qx "recipe $RECIPE" "$dir/.snowfdw-complete"; then
      top_up "$major" "$dir" || exit 1
      echo "$dir"
      exit 0
    fi
    make_chroot "$major" "$dir" || exit $?
    echo "$dir"
    ;;
  *) echo "usage: $0 ensure|path|suite MAJOR" >&2; exit 2 ;;
esac
