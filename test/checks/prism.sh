#!/usr/bin/env bash
# After the suites: Prism validates snowfdw's requests and the emulator's
# responses against the official OpenAPI spec (test/prism/README.md).
#   bash test/checks/prism.sh RUN_DIR
# Uses the running cluster (PGHOST/PGPORT) and its own emulator in RUN_DIR/prism.
# Prism lives in the checkout's test/prism/node_modules (make deps puts it
# there; a run copy of the checkout has none: lib.sh's copy_tree leaves the
# 17,000 files out), and runs as the caller.
set -uo pipefail
RUN_DIR=${1:?usage: prism.sh RUN_DIR}
PRISM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../prism" && pwd)
home=$PRISM_DIR
[ -n "${SNOWFDW_CHECKOUT:-}" ] && [ -f "$SNOWFDW_CHECKOUT/test/prism/install.sh" ] &&
  home=$SNOWFDW_CHECKOUT/test/prism
bash "$home/install.sh" || { echo "prism: cannot install Prism" >&2; exit 1; }
export SNOWFDW_PRISM=$home/node_modules/.bin/prism
exec bash "$PRISM_DIR/check.sh" "$RUN_DIR"
