#!/usr/bin/env bash
# After the suites: Prism validates snowfdw's requests and the emulator's
# responses against the official OpenAPI spec (test/prism/README.md).
#   bash test/checks/prism.sh RUN_DIR
# Uses the running cluster (PGHOST/PGPORT) and its own emulator in RUN_DIR/prism.
set -uo pipefail
RUN_DIR=${1:?usage: prism.sh RUN_DIR}
PRISM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../prism" && pwd)
bash "$PRISM_DIR/install.sh" || { echo "prism: cannot install Prism" >&2; exit 1; }
exec bash "$PRISM_DIR/check.sh" "$RUN_DIR"
