#!/usr/bin/env bash
# Whole-run check: the layers of src/ (src/README.md) only ever point down.
# src/ holds one folder per layer, lowest first:
#   text  transport  model  shmem  calls  fdw
# and compat.h.  A file may include the headers of its own folder and of
# the folders its layer may use (the table below, the one in src/README.md);
# never a header of a layer above its own, never with "../".  src/text/ is
# backend-free (the fuzz harnesses of test/fuzz link it alone): it includes
# no PostgreSQL header at all, postgres.h first of all, nor compat.h.  No
# other .c or .h file may stand in src/ itself.
#   bash test/checks/layers.sh [RUN_DIR]
# RUN_DIR is not used: the check reads the sources only.  Prints one line per
# finding (file:line: rule) and exits 1 on any.
set -uo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PYTHON=/usr/bin/python3

exec "$PYTHON" - "$REPO" <<'PY'
import glob
import os
import re
import sys

src = os.path.join(sys.argv[1], "src")

# Each layer and the layers it may use (its own folder always)
MAY_USE = {
    "text": set(),
    "transport": {"text"},
    "model": {"transport", "text"},
    "shmem": {"model"},
    "calls": {"shmem", "transport", "model", "text"},
    "fdw": {"calls", "shmem", "transport", "model", "text"},
}
TOP_LEVEL = {"compat.h"}

findings = []
nfiles = nincludes = 0
for path in sorted(glob.glob(os.path.join(src, "*.[ch]"))):
    name = os.path.basename(path)
    if name not in TOP_LEVEL:
        findings.append("src/%s: a source file outside the layer folders" % name)
for layer in sorted(os.listdir(src)):
    if os.path.isdir(os.path.join(src, layer)) and layer not in MAY_USE:
        findings.append("src/%s/: a folder that is not a layer" % layer)
for layer in MAY_USE:
    for path in sorted(glob.glob(os.path.join(src, layer, "*.[ch]"))):
        rel = os.path.relpath(path, src)
        nfiles += 1
        with open(path) as f:
            lines = f.read().splitlines()
        for no, line in enumerate(lines, 1):
            m = re.match(r'\s*#\s*include\s*([<"])([^>"]+)[>"]', line)
            if not m:
                continue
            nincludes += 1
            quoted, target = m.group(1) == '"', m.group(2)
            where = "src/%s:%d: #include %s" % (rel, no, line.split("include", 1)[1].strip())
            if ".." in target.split("/"):
                findings.append("%s: climbs with ../ (write the layer folder)" % where)
                continue
            head = target.split("/")[0]
            if head in MAY_USE:
                if head != layer and head not in MAY_USE[layer]:
                    findings.append("%s: layer %s may not use layer %s" % (where, layer, head))
            elif target in TOP_LEVEL:
                if layer == "text":
                    findings.append("%s: the text layer is backend-free" % where)
            elif layer == "text" and (quoted or "postgres" in target):
                findings.append("%s: the text layer includes no PostgreSQL header" % where)

for f in findings:
    print("layers: " + f)
if findings:
    print("layers: %d finding(s)" % len(findings))
    sys.exit(1)
print("layers: %d files, %d includes: every include points down the layers "
      "(text < transport < model < shmem < calls < fdw)" % (nfiles, nincludes))
PY
