#!/usr/bin/env python3
"""Helpers of test/prism/check.sh (Debian's /usr/bin/python3 + python3-yaml).

    prismtool.py merge SPEC_DIR OUT_DIR
        Merge the service specs into OUT_DIR/snowflake.yaml (one document:
        Prism serves one per process) and copy common.yaml next to it, so
        the relative $refs resolve.  SPEC_DIR is only read.
    prismtool.py fixture SRC DEST SPEC_DIR
        Copy the emulator fixture, leaving out the objects whose stored name
        breaks the spec's Identifier pattern (see README.md: the spec types
        response names as Identifier, while Snowflake returns stored names
        unquoted).  Prints what was left out, one line per object.
    prismtool.py token FIXTURE USER
        Print USER's first programmatic access token (for psql -v).
    prismtool.py summary EMU_LOG_JSON PRISM_LOG
        Count the requests the emulator answered, cross-check them with the
        requests Prism received, list Prism's error lines; exit 1 on any.
"""
import json
import os
import re
import shutil
import sys

SERVICES = ["database.yaml", "schema.yaml", "stage.yaml", "stream.yaml", "result.yaml"]


def merge(spec_dir, out_dir):
    import yaml
    merged = None
    for name in SERVICES:
        with open(os.path.join(spec_dir, name)) as f:
            doc = yaml.safe_load(f)
        if merged is None:
            merged = {
                "openapi": doc["openapi"],
                "servers": doc["servers"],
                "info": {"title": "Snowflake REST API (merged for Prism)",
                         "version": doc["info"]["version"]},
                "paths": {},
                "components": {},
                "security": doc.get("security", []),
            }
        urls = [s["url"] for s in doc.get("servers", [])]
        if urls != [s["url"] for s in merged["servers"]]:
            sys.exit("prismtool: %s has another server URL" % name)
        if doc.get("security", []) != merged["security"]:
            sys.exit("prismtool: %s has another security block" % name)
        for path, item in doc["paths"].items():
            if path in merged["paths"] and merged["paths"][path] != item:
                sys.exit("prismtool: path %s differs between files" % path)
            merged["paths"][path] = item
        for section, items in doc.get("components", {}).items():
            target = merged["components"].setdefault(section, {})
            for key, value in items.items():
                if key in target and target[key] != value:
                    sys.exit("prismtool: components/%s/%s differs between files" % (section, key))
                target[key] = value
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "snowflake.yaml"), "w") as f:
        yaml.safe_dump(merged, f, sort_keys=False, allow_unicode=True)
    shutil.copyfile(os.path.join(spec_dir, "common.yaml"), os.path.join(out_dir, "common.yaml"))


def identifier_pattern(spec_dir):
    import yaml
    with open(os.path.join(spec_dir, "common.yaml")) as f:
        common = yaml.safe_load(f)
    return re.compile(common["components"]["schemas"]["Identifier"]["pattern"])


def fixture(src, dest, spec_dir):
    pattern = identifier_pattern(spec_dir)
    with open(src) as f:
        data = json.load(f)

    def keep(obj, kind, *scope):
        ok = pattern.search(obj["name"]) is not None
        if not ok:
            print("left out %s %s (its stored name breaks the Identifier pattern)"
                  % (kind, ".".join(json.dumps(n, ensure_ascii=False) for n in scope + (obj["name"],))))
        return ok

    dbs = [d for d in data.get("databases", []) if keep(d, "database")]
    for d in dbs:
        d["schemas"] = [s for s in d.get("schemas", []) if keep(s, "schema", d["name"])]
        for s in d["schemas"]:
            s["stages"] = [x for x in s.get("stages", []) if keep(x, "stage", d["name"], s["name"])]
            s["streams"] = [x for x in s.get("streams", []) if keep(x, "stream", d["name"], s["name"])]
    data["databases"] = dbs
    with open(dest, "w") as f:
        json.dump(data, f, indent=1, ensure_ascii=False)


def token(path, user):
    with open(path) as f:
        data = json.load(f)
    for t in data.get("tokens", []):
        if t.get("user") == user and t.get("type") == "PROGRAMMATIC_ACCESS_TOKEN":
            print(t["token"])
            return
    sys.exit("prismtool: no programmatic access token for %s" % user)


def summary(emu_log, prism_log):
    with open(emu_log) as f:
        log = json.load(f)
    with open(prism_log, errors="replace") as f:
        lines = [re.sub(r"\x1b\[[0-9;]*m", "", l.rstrip("\n")) for l in f]
    received = [l for l in lines if "[HTTP SERVER]" in l and "Request received" in l]
    problems = [l for l in lines
                if re.search(r"\b(error|warning|fatal)\b", l, re.I) or "Violation" in l]
    api = [e for e in log if e.get("path", "").startswith("/api/v2")]
    ops = sorted({"%s %s" % (e["method"], e.get("operation") or "?") for e in api})
    bad = 0
    for l in problems:
        print("prism: " + l)
        bad += 1
    if len(received) != len(api):
        print("prism: Prism received %d requests, the emulator answered %d "
              "(a request Prism refused or did not route never reached it)"
              % (len(received), len(api)))
        bad += 1
    unanswered = [e for e in api if not e.get("status")]
    if unanswered:
        print("prism: %d requests without a status in the emulator log" % len(unanswered))
        bad += 1
    # the emulator's own spec checks, for information
    for e in api:
        if e.get("spec_violations"):
            print("prism: note: emulator recorded spec_violations for %s %s: %s"
                  % (e["method"], e["path"], e["spec_violations"]))
        if e.get("unknown_params"):
            print("prism: note: emulator saw unknown params for %s %s: %s"
                  % (e["method"], e["path"], e["unknown_params"]))
    statuses = {}
    for e in api:
        statuses[e["status"]] = statuses.get(e["status"], 0) + 1
    print("prism: %d requests validated by Prism (%d operations: %s; statuses %s), %d violations"
          % (len(api), len(ops), ", ".join(ops),
             ", ".join("%s x%d" % kv for kv in sorted(statuses.items(), key=lambda kv: str(kv[0]))),
             bad))
    return 1 if bad or not api else 0


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "merge":
        merge(*args)
    elif cmd == "fixture":
        fixture(*args)
    elif cmd == "token":
        token(*args)
    elif cmd == "summary":
        sys.exit(summary(*args))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
