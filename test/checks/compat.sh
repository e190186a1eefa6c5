#!/usr/bin/env bash
# Whole-run check: every PostgreSQL version test lives in src/compat.h.  No
# other file may test PG_VERSION_NUM, nor use a name that some supported
# major lacks: pg_attribute_noreturn (gone in 18; pg_noreturn leads the
# declaration instead).  A build on the host's major alone would not see it.
#   bash test/checks/compat.sh [RUN_DIR]
set -uo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
found=$(grep -rnE --include='*.[ch]' 'PG_VERSION_NUM|pg_attribute_noreturn' "$REPO"/src |
        grep -v "^$REPO/src/compat.h:" | sed "s|^$REPO/||")
if [ -n "$found" ]; then
  echo "$found"
  echo "compat: version-dependent code outside src/compat.h (above)"
  exit 1
fi
echo "compat: no PG_VERSION_NUM test or pg_attribute_noreturn outside src/compat.h ($(find "$REPO"/src -name '*.[ch]' | wc -l) files)"
