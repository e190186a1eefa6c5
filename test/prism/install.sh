#!/usr/bin/env bash
# Install the pinned Prism (package-lock.json) into test/prism/node_modules.
# Idempotent and quiet: does nothing when Prism is already there.  Needs node
# and npm (Debian's nodejs + npm are installed when npm is missing, as root).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

if [ -x node_modules/.bin/prism ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "prism: npm is missing, and not root to install it" >&2
    exit 1
  fi
  echo "prism: installing nodejs and npm"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
echo "prism: installing @stoplight/prism-cli (npm ci)"
# npm's warnings about unrelated user config go to the log, not the console
if ! npm ci --no-audit --no-fund --loglevel=error >npm-install.log 2>&1; then
  cat npm-install.log >&2
  exit 1
fi
rm -f npm-install.log
[ -x node_modules/.bin/prism ] || { echo "prism: install did not provide node_modules/.bin/prism" >&2; exit 1; }
