#!/usr/bin/env bash
# Install what building and testing snowfdw needs on Debian 12 (as root).
# Idempotent: does nothing when every package is already there.
#   bash test/deps.sh [--without-prism]
set -euo pipefail

# inside a test chroot, test/chroot.sh installed that major's packages
if [ -n "${SNOWFDW_CHROOT_MAJOR:-}" ]; then
  exit 0
fi

packages=(
  make gcc pkg-config openssl procps curl jq
  postgresql-15 postgresql-client-15 postgresql-server-dev-15
  libcurl4-openssl-dev libcjson-dev libssl-dev
  python3 python3-yaml python3-jsonschema python3-cryptography python3-psycopg
  postgresql-server-dev-all debhelper dpkg-dev
  clang-14 libclang-rt-14-dev llvm-14
  valgrind
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Prism (OpenAPI validator of test/checks/prism.sh), from npm; before the
# early exit below.  --without-prism (the test tiers) leaves it to the check,
# which installs it when it runs: make check never needs it.
if [ "${1:-}" != --without-prism ] && [ -f "$(dirname "$0")/prism/install.sh" ]; then
  bash "$(dirname "$0")/prism/install.sh" || echo "deps: Prism not installed; test/checks/prism.sh retries" >&2
fi
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "deps: missing packages (${missing[*]}), and not root to install them" >&2
  exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# two runs at once (make check in two clones) take turns: apt-get fails at
# once, not waiting, when another holds its lock
exec 9>/var/lock/snowfdw-deps.lock
flock 9
apt-get -o DPkg::Lock::Timeout=600 update -qq
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
