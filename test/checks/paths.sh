#!/usr/bin/env bash
# After the suites: the repository is self-contained.  No tracked file may
# refer to a path outside the clone: the shared directory that sits beside
# the clone on the developers' machines (or its spec copy and notes), the
# developers' work directory, a home directory, or a relative path whose
# parent steps (..) climb out of the repository root.
#   bash test/checks/paths.sh [RUN_DIR]
# Files: `git ls-files`; outside a git checkout, every file under the
# repository except build and test output.  System paths (/usr/lib/...,
# /proc/self/..., /tmp/..., /usr/bin/python3) are fine.  Prints one line per
# finding (file:line: rule: path) and exits 1 on any.
set -uo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PYTHON=/usr/bin/python3

list=$(mktemp)
trap 'rm -f "$list"' EXIT
top=$(git -C "$REPO" rev-parse --show-toplevel 2>/dev/null)
if [ "$top" = "$REPO" ] && git -C "$REPO" ls-files -z >"$list" 2>/dev/null && [ -s "$list" ]; then
  source="git ls-files"
else
  source="find"
  (cd "$REPO" && find . \( -name .git -o -name tmp_check -o -name .run -o -name node_modules \
       -o -name __pycache__ -o -name results -o -name log \) -prune -o \
       -type f ! -name '*.o' ! -name '*.so' ! -name '*.bc' ! -name 'regression.*' \
       -printf '%P\0') >"$list"
fi

exec "$PYTHON" - "$REPO" "$list" "$source" <<'PY'
import os
import re
import sys

repo, listfile, source = sys.argv[1:4]
files = [f for f in open(listfile, "rb").read().decode().split("\0") if f]

# Rule 1: the shared directory beside the clone, and what it holds.
SHARED = re.compile(r"\.\./+shared\b"
                    r"|(?<![\w.-])shared/+(?:snowflake-openapi|API-NOTES|STYLE\.md|TOOLCHAIN\.md|hooks)")
# Rule 2: absolute paths on a developer's machine: the work directory, home
# directories (Linux, macOS, Windows), mount points.  Not /usr, /proc, /tmp...
MACHINE = re.compile(r"(?<![\w.~$}/-])/(?:work|workspace|root|home|Users|mnt|media)(?=/|[\s\"'`),;:\]]|$)"
                     r"|\b[A-Za-z]:\\+(?:Users|Documents and Settings)\\")
# Rule 3, scripts only: a home directory by shorthand.
HOME = re.compile(r"(?<![\w.-])~[/]|\$\{?HOME\b")
# Rule 4: a path with a parent step, maybe after a directory variable;
# resolved below.
PATHTOK = re.compile(r"(?<![\w.+@/~$}-])(\$\{?\w+\}?)?([\w.+@/~-]+)")
# what may stand before a path that starts with "/": an expression whose
# value is a directory
DIRNAME = re.compile(r'\$\(dirname\s+"?\$(?:0|\{BASH_SOURCE(?:\[0\])?\}|BASH_SOURCE)"?\)"?$')
VAR = re.compile(r'\$\{?(\w+)\}?"?$')
# NAME=$(cd "$(dirname "$0")/SUB" && pwd): NAME is the script's directory + SUB
ASSIGN = re.compile(r'^\s*(?:local\s+|export\s+|readonly\s+)?(\w+)=\$\(cd\s+"'
                    r'\$\(dirname\s+"\$(?:0|\{BASH_SOURCE\[0\]\})"\)(/[^"]*)?"\s*&&\s*pwd\)', re.M)
SCRIPT = re.compile(r"(\.(sh|py|sql|mk)|^Makefile|/run)$")


def climbs_out(base, path):
    """True when path, taken from directory base (relative to the
    repository root, "" for the root), leaves the repository."""
    parts = [p for p in base.split("/") if p]
    for comp in path.split("/"):
        if comp in ("", "."):
            continue
        if comp == "..":
            if not parts:
                return True
            parts.pop()
        else:
            parts.append(comp)
    return False


def known_dirs(name, text):
    """Directory variables of a script, relative to the repository root."""
    here = os.path.dirname(name)
    dirs = {"REPO": "", "HERE": here, "SNOWFDW_TEST_DIR": "test", "testdir": "test"}
    for m in ASSIGN.finditer(text):
        sub = (m.group(2) or "").lstrip("/")
        dirs[m.group(1)] = os.path.normpath(os.path.join(here, sub)) if sub else here
    for k, v in dirs.items():
        dirs[k] = "" if v == "." else v
    return dirs


def escapes(name, line, dirs, script):
    """The path tokens of a line whose parent steps leave the repository.
    Outside scripts, a bare ".." is prose, not a path."""
    here = os.path.dirname(name)
    if name.endswith(".py"):
        # os.path.join(x, "..", "..", "y") and Path(x) / ".." / "y"
        line = re.sub(r"[\"']\s*[,/]\s*[\"']", "/", line)
    out = []
    for m in PATHTOK.finditer(line):
        var, tok = m.groups()
        comps = tok.split("/")
        if ".." not in comps:
            continue
        if not script and not [c for c in comps if c not in ("", ".", "..")]:
            continue
        before = line[:m.start()]
        if var:
            name_ = var.strip("${}")
            if not tok.startswith("/") or name_ not in dirs:
                continue        # $NAME.., or a directory we cannot know
            base = dirs[name_]
        elif tok.startswith("/"):
            d = DIRNAME.search(before)
            v = VAR.search(before)
            if d:
                base = here
            elif v and v.group(1) in dirs:
                base = dirs[v.group(1)]
            else:
                continue        # an absolute path, or a directory we cannot know
        elif tok.startswith("~"):
            continue            # rule 3
        else:
            base = here         # relative to the file's own directory
        if climbs_out(base, tok):
            out.append(tok)
    return out


findings = []
for name in files:
    path = os.path.join(repo, name)
    try:
        data = open(path, "rb").read()
    except OSError:
        continue                # deleted in the work tree, or a dangling link
    if b"\0" in data:
        continue                # binary
    text = data.decode("utf-8", "replace")
    script = bool(SCRIPT.search(name))
    dirs = known_dirs(name, text)
    for no, line in enumerate(text.splitlines(), 1):
        for m in SHARED.finditer(line):
            findings.append((name, no, "shared directory outside the clone", m.group(0)))
        for m in MACHINE.finditer(line):
            findings.append((name, no, "absolute path on a developer machine", m.group(0)))
        if script:
            for m in HOME.finditer(line):
                findings.append((name, no, "home directory", m.group(0)))
        for tok in escapes(name, line, dirs, script):
            findings.append((name, no, "relative path out of the repository", tok))

for name, no, rule, what in findings:
    print("paths: %s:%d: %s: %s" % (name, no, rule, what))
if findings:
    print("paths: %d finding(s) in %d files (%s)" % (len(findings), len(files), source))
    sys.exit(1)
print("paths: %d files (%s) refer to nothing outside the repository" % (len(files), source))
PY
