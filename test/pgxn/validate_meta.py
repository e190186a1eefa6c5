#!/usr/bin/python3
"""Validate META.json against the PGXN Meta Spec 1.0.0 (https://pgxn.org/meta/spec.txt).

    validate_meta.py META.json [REPO]

Checks what the spec requires: the required keys and no unknown ones (custom keys
start with x_), names that are terms, SemVer versions, a license from the
spec's list, provides entries with a version, prereqs by phase and
relationship, resources, tags, release_status and meta-spec 1.0.0.  With REPO,
also that every provided file exists there.  Prints one line per fault and
exits 1 if there is any.
"""
import json
import os
import re
import sys

SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)([a-zA-Z][0-9a-zA-Z-]*)?$")
RANGE = re.compile(r"^\s*(?:(?:[<>]=?|==|!=)\s*)?[0-9][0-9a-zA-Z.-]*\s*$")
LICENSES = {
    "agpl_3", "apache_1_1", "apache_2_0", "artistic_1", "artistic_2", "bsd", "freebsd",
    "gfdl_1_2", "gfdl_1_3", "gpl_1", "gpl_2", "gpl_3", "lgpl_2_1", "lgpl_3_0", "mit",
    "mozilla_1_0", "mozilla_1_1", "openssl", "perl_5", "postgresql", "qpl_1_0", "ssleay",
    "sun", "zlib", "open_source", "restricted", "unrestricted", "unknown",
}
REQUIRED = {"name", "version", "abstract", "maintainer", "license", "provides", "meta-spec"}
OPTIONAL = {"description", "generated_by", "tags", "no_index", "prereqs", "release_status",
            "resources"}
PHASES = {"configure", "build", "runtime", "test", "develop"}
RELATIONS = {"requires", "recommends", "suggests", "conflicts"}
URI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$")

faults = []


def fault(msg):
    faults.append(msg)


def is_term(s):
    return isinstance(s, str) and len(s) >= 2 and not re.search(r"[\s/\\\x00-\x1f\x7f]", s)


def check_version_range(where, v):
    if v == 0 or v == "0":
        return
    if not isinstance(v, str) or not all(RANGE.match(p) for p in v.split(",")):
        fault("%s: %r is not a version or version range" % (where, v))


def main():
    path = sys.argv[1]
    repo = sys.argv[2] if len(sys.argv) > 2 else None
    meta = json.load(open(path))
    if not isinstance(meta, dict):
        fault("the document is not an object")
        return
    for k in sorted(REQUIRED - set(meta)):
        fault("missing required key %r" % k)
    for k in sorted(set(meta) - REQUIRED - OPTIONAL):
        if not k.lower().startswith("x_"):
            fault("unknown key %r (custom keys start with x_)" % k)
    if "name" in meta and not is_term(meta["name"]):
        fault("name %r is not a term" % meta["name"])
    if "version" in meta and not (isinstance(meta["version"], str) and SEMVER.match(meta["version"])):
        fault("version %r is not SemVer" % meta.get("version"))
    if "abstract" in meta and not (isinstance(meta["abstract"], str) and meta["abstract"].strip()):
        fault("abstract must be a non-empty string")
    m = meta.get("maintainer")
    if m is not None and not (isinstance(m, str) and m or
                              isinstance(m, list) and m and all(isinstance(x, str) and x for x in m)):
        fault("maintainer must be a string or a non-empty list of strings")
    lic = meta.get("license")
    if lic is not None:
        if isinstance(lic, str):
            ok = lic in LICENSES
        elif isinstance(lic, list):
            ok = bool(lic) and all(x in LICENSES for x in lic)
        elif isinstance(lic, dict):
            ok = bool(lic) and all(isinstance(u, str) and URI.match(u) for u in lic.values())
        else:
            ok = False
        if not ok:
            fault("license %r is not one the spec knows" % (lic,))
    prov = meta.get("provides")
    if prov is not None:
        if not isinstance(prov, dict) or not prov:
            fault("provides must be a non-empty object")
        else:
            for ext, e in prov.items():
                if not is_term(ext):
                    fault("provides: %r is not a term" % ext)
                if not isinstance(e, dict):
                    fault("provides.%s must be an object" % ext)
                    continue
                if not (isinstance(e.get("version"), str) and SEMVER.match(e["version"])):
                    fault("provides.%s.version %r is not SemVer" % (ext, e.get("version")))
                for k in set(e) - {"version", "file", "abstract", "docfile"}:
                    if not k.lower().startswith("x_"):
                        fault("provides.%s: unknown key %r" % (ext, k))
                for k in ("file", "docfile"):
                    if k in e and repo and not os.path.isfile(os.path.join(repo, e[k])):
                        fault("provides.%s.%s: %s is not in the distribution" % (ext, k, e[k]))
    ms = meta.get("meta-spec")
    if ms is not None and not (isinstance(ms, dict) and ms.get("version") == "1.0.0"):
        fault("meta-spec must be an object with version 1.0.0")
    pr = meta.get("prereqs")
    if pr is not None:
        if not isinstance(pr, dict):
            fault("prereqs must be an object")
        else:
            for phase, rels in pr.items():
                if phase not in PHASES:
                    fault("prereqs: unknown phase %r" % phase)
                    continue
                for rel, deps in (rels or {}).items():
                    if rel not in RELATIONS:
                        fault("prereqs.%s: unknown relationship %r" % (phase, rel))
                        continue
                    for name, v in deps.items():
                        check_version_range("prereqs.%s.%s.%s" % (phase, rel, name), v)
    rs = meta.get("release_status")
    if rs is not None and rs not in ("stable", "testing", "unstable"):
        fault("release_status %r is not stable, testing or unstable" % rs)
    res = meta.get("resources")
    if res is not None:
        if not isinstance(res, dict):
            fault("resources must be an object")
        else:
            if "homepage" in res and not URI.match(str(res["homepage"])):
                fault("resources.homepage is not a URI")
            bt = res.get("bugtracker", {})
            if "web" in bt and not URI.match(str(bt["web"])):
                fault("resources.bugtracker.web is not a URI")
            repo_res = res.get("repository", {})
            for k in ("url", "web"):
                if k in repo_res and not URI.match(str(repo_res[k])):
                    fault("resources.repository.%s is not a URI" % k)
    tags = meta.get("tags")
    if tags is not None and not (isinstance(tags, list) and tags and
                                 all(isinstance(t, str) and 0 < len(t) < 256 for t in tags)):
        fault("tags must be a non-empty list of strings shorter than 256 characters")


main()
for f in faults:
    print("META.json: " + f)
if faults:
    sys.exit(1)
print("META.json follows the PGXN Meta Spec 1.0.0")
