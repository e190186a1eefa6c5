#!/usr/bin/env bash
# The one version number of snowfdw: default_version in snowfdw.control.
# Prints it; with --check, fails unless META.json, debian/changelog,
# CHANGELOG.md and the README name the same version.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
v=$(sed -n "s/^default_version = '\(.*\)'$/\1/p" "$REPO/snowfdw.control")
[ -n "$v" ] || { echo "version: no default_version in snowfdw.control" >&2; exit 1; }
if [ "${1:-}" = --check ]; then
  bad=0
  meta=$(/usr/bin/python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m["version"], m["provides"]["snowfdw"]["version"])' "$REPO/META.json")
  [ "$meta" = "$v.0 $v.0" ] || { echo "version: META.json says $meta, snowfdw.control $v"; bad=1; }
  deb=$(sed -n '1s/^snowfdw (\([^-)]*\)-[^)]*).*/\1/p' "$REPO/debian/changelog")
  [ "$deb" = "$v" ] || { echo "version: debian/changelog says $deb, snowfdw.control $v"; bad=1; }
  grep -q "^## $v " "$REPO/CHANGELOG.md" || { echo "version: CHANGELOG.md has no entry for $v"; bad=1; }
  grep -q "version $v" "$REPO/README.md" || { echo "version: README.md does not name version $v"; bad=1; }
  [ -f "$REPO/snowfdw--$v.sql" ] || [ -n "$(ls "$REPO"/snowfdw--*--"$v".sql 2>/dev/null)" ] ||
    { echo "version: no install or upgrade script reaches $v"; bad=1; }
  [ "$bad" -eq 0 ] || exit 1
fi
echo "$v"
