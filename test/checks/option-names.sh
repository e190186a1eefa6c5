#!/usr/bin/env bash
# Whole-run check: option names are written in the option table alone.
# The names come from valid_options[] in src/model/options.c; none of them
# may stand as a C string literal "name" in another src/*/*.c file (comments do not
# count, nor a name inside a longer literal).  Code that needs an option's
# name takes it from options.c (snowfdw_option_name, snowfdw_scope_option_name).
#   bash test/checks/option-names.sh [RUN_DIR]
# RUN_DIR is not used: the check reads the sources only.  Prints one line per
# finding (file:line: "name") and exits 1 on any.
set -uo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PYTHON=/usr/bin/python3

exec "$PYTHON" - "$REPO" <<'PY'
import glob
import os
import re
import sys

repo = sys.argv[1]
src = os.path.join(repo, "src")

# Literals equal to an option name that are not option names, by file and by
# a pattern that ends on their line (it may begin up to two lines above).
# Each says why.
ALLOWED = [
    # REST query parameters (the spec's names), not the table options
    ("model/objects.c", r'snowfdw_append_query\([^,]+, "history"'),
    ("model/writemap.c", r'snowfdw_append_query\([^,]+, "restrict"'),
    # argument names of the SQL functions (snowfdw--*.sql)
    ("fdw/functions.c", r'arg_text\(fcinfo, \w+, "\w+"'),
    # objects.c: JSON fields of the Snowflake models ({"url", FIELD_TEXT, ...})
    # and the noun of each object kind ("database", 0, ...)
    ("model/objects.c", r'^\s*\{"\w+", SNOWFDW_FIELD_\w+,'),
    ("model/objects.c", r'^\s*"\w+", \d, '),
    # writemap.c: the kinds of object above a stage or stream, in an errdetail
    ("model/writemap.c", r'nscopes == 1 \? "database" : "database or schema"'),
]


def option_names():
    text = open(os.path.join(src, "model", "options.c")).read()
    m = re.search(r"valid_options\[\]\s*=\s*\{(.*?)\n\};", text, re.S)
    if not m:
        return set()
    return set(re.findall(r'^\s*\{"(\w+)"', m.group(1), re.M))


def literals(text):
    """(line number, contents) of each string literal, outside comments."""
    out = []
    i, n, line = 0, len(text), 1
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif text.startswith("//", i):
            i = text.find("\n", i)
            i = n if i < 0 else i
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            line += text.count("\n", i, end)
            i = end
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            if c == '"':
                out.append((line, text[i + 1:j]))
            i = j + 1
        else:
            i += 1
    return out


names = option_names()
if len(names) < 10:
    print("option-names: found %d option names in src/model/options.c; "
          "has valid_options[] changed shape?" % len(names))
    sys.exit(1)

findings = []
used = set()
files = sorted(glob.glob(os.path.join(src, "*", "*.c")))
for path in files:
    base = os.path.relpath(path, src)
    if base == os.path.join("model", "options.c"):
        continue
    text = open(path).read()
    lines = text.splitlines()
    for no, lit in literals(text):
        if lit not in names:
            continue
        window = "\n".join(lines[max(no - 3, 0):no])
        start = len(window) - len(lines[no - 1])
        allowed = [k for k, (f, pat) in enumerate(ALLOWED)
                   if f == base and any(m.end() > start for m in
                                        re.finditer(pat, window, re.S | re.M))]
        used.update(allowed)
        if not allowed:
            findings.append((base, no, lit))

for k, (f, pat) in enumerate(ALLOWED):
    if k not in used:
        print("option-names: note: allowlist entry %s: %s matches nothing" % (f, pat))
for base, no, lit in findings:
    print('option-names: src/%s:%d: "%s" is an option name; take it from model/options.c'
          % (base, no, lit))
if findings:
    print("option-names: %d finding(s)" % len(findings))
    sys.exit(1)
print("option-names: %d option names, %d files: no option name as a literal outside src/model/options.c"
      % (len(names), len(files) - 1))
PY
