#!/usr/bin/env bash
# Whole-run check: release metadata. META.json follows the PGXN Meta Spec,
# and every place that names the version agrees with snowfdw.control.
#   bash test/checks/release.sh RUN_DIR
set -uo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
/usr/bin/python3 "$REPO/test/pgxn/validate_meta.py" "$REPO/META.json" "$REPO" || exit 1
v=$(bash "$REPO/test/version.sh" --check) || exit 1
echo "release: META.json valid; version $v in snowfdw.control, META.json, debian/changelog, CHANGELOG.md, README.md"
