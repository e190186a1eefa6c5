#!/usr/bin/python3
"""Random stage file names and name patterns for the pushdown property test.

  pattern_cases.py SEED FIXTURE_IN FIXTURE_OUT CASES_OUT [NAMES] [CASES]

FIXTURE_OUT is FIXTURE_IN plus database PROP, schema PUBLIC, stage NAMES
holding NAMES random file names.  CASES_OUT has CASES lines of COPY text:
id, operator (~, LIKE, ILIKE, ~*) and pattern.  The same seed gives the same
files, so a failure printed with its seed can be replayed.

Names and patterns share a small alphabet so that patterns match some names
and not others; patterns mix what the FDW translates (literals, ".",
brackets, groups, alternation, quantifiers, anchors, escapes, % and _) with
what must stay local (backreferences, lookahead, embedded options, class
escapes, lazy quantifiers, anchors inside a branch).
"""

import json
import random
import sys

# characters of names: letters of both cases, digits, marks, a space, line
# terminators (engines differ on which ones "." skips) and non-ASCII letters
NAME_CHARS = "aabdtxyAD0159/._- %\\\nü\r\u0085\u2028"
WORDS = ["data", "part_0000000", "parquet", "raw", "x", "Data", "csv", "a.b"]


def random_name(rnd):
    if rnd.random() < 0.5:
        parts = [rnd.choice(WORDS) for _ in range(rnd.randint(1, 3))]
        sep = rnd.choice(["/", "_", ".", ""])
        name = sep.join(parts)
        if rnd.random() < 0.3:
            name += "".join(rnd.choice(NAME_CHARS) for _ in range(rnd.randint(1, 3)))
        return name
    return "".join(rnd.choice(NAME_CHARS) for _ in range(rnd.randint(1, 12)))


# ---------------------------------------------------------------- regexes
REGEX_LITERALS = list("abdtxAD019/_- ü") + ["\\.", "\\-", "\\/", "\\%", "\\\\", "\\(", "\\*"]
REGEX_LOCAL_ATOMS = ["\\d", "\\w", "\\s", "[[:alpha:]]", "\\y", "[\\d]", "(?=a)", "(?!x)",
                     "\\n", "[^[:space:]]", "\\x61", "(?:a|b)"]
BRACKETS = ["[a-d]", "[0-9]", "[^/]", "[A-Z]", "[abx]", "[^a-c]", "[._]", "[a-dA-D0-5]", "[ /]",
            "[^.]"]
QUANTIFIERS = ["*", "+", "?", "{2}", "{1,3}", "{0,}", "{1}", "{0,1}"]
LOCAL_QUANTIFIERS = ["*?", "+?", "??", "{2,3}?"]


def regex_atom(rnd, depth):
    r = rnd.random()
    if r < 0.45:
        return rnd.choice(REGEX_LITERALS)
    if r < 0.55:
        return "."
    if r < 0.70:
        return rnd.choice(BRACKETS)
    if r < 0.82 and depth < 2:
        return "(" + regex_alternation(rnd, depth + 1, False) + ")"
    if r < 0.87:
        return rnd.choice(REGEX_LOCAL_ATOMS)
    return rnd.choice(WORDS).replace(".", "\\.")


def regex_sequence(rnd, depth):
    out = []
    for _ in range(rnd.randint(1, 4)):
        atom = regex_atom(rnd, depth)
        q = rnd.random()
        if q < 0.25:
            atom += rnd.choice(QUANTIFIERS)
        elif q < 0.28:
            atom += rnd.choice(LOCAL_QUANTIFIERS)
        out.append(atom)
    return "".join(out)


def regex_alternation(rnd, depth, top):
    branches = []
    for _ in range(1 if rnd.random() < 0.5 else rnd.randint(2, 3)):
        b = regex_sequence(rnd, depth)
        if top:
            if rnd.random() < 0.35:
                b = "^" + b
            if rnd.random() < 0.35:
                b += "$"
        elif rnd.random() < 0.05:
            b = "^" + b          # an anchor inside a group: stays local
        branches.append(b)
    return "|".join(branches)


def random_regex(rnd):
    r = regex_alternation(rnd, 0, True)
    x = rnd.random()
    if x < 0.03:
        r = "(?i)" + r           # embedded options: local
    elif x < 0.05:
        r = "(a)\\1|" + r        # backreference: local
    elif x < 0.06:
        r = "***=" + r           # literal director: local
    return r


# ---------------------------------------------------------------- LIKE
LIKE_CHARS = list("abdtxAD019/._- ü[](){}*+?^$|") + ["\\%", "\\_", "\\\\", "\\a", "%", "%", "_", "_"]


def random_like(rnd):
    p = "".join(rnd.choice(LIKE_CHARS) for _ in range(rnd.randint(0, 6)))
    r = rnd.random()
    if r < 0.3:
        p = rnd.choice(WORDS) + p
    elif r < 0.5:
        p = "%" + rnd.choice(WORDS) + p
    if rnd.random() < 0.02:
        p += "\\"                # a trailing escape: PostgreSQL raises an error
    return p


def copy_escape(s):
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def main():
    seed, fixture_in, fixture_out, cases_out = sys.argv[1:5]
    nnames = int(sys.argv[5]) if len(sys.argv) > 5 else 300
    ncases = int(sys.argv[6]) if len(sys.argv) > 6 else 4000
    rnd = random.Random(int(seed))
    names = set()
    while len(names) < nnames:
        names.add(random_name(rnd))
    files = [{"name": n, "size": str(i), "md5": "%032x" % i,
              "last_modified": "Tue, 12 Mar 2024 10:00:00 GMT"} for i, n in enumerate(sorted(names))]
    fixture = json.load(open(fixture_in))
    fixture["databases"].append({
        "name": "PROP", "owner": "SYSADMIN", "created_on": "2024-01-15T08:00:00Z",
        "schemas": [{"name": "PUBLIC", "stages": [{"name": "NAMES", "files": files}]}]})
    json.dump(fixture, open(fixture_out, "w"), indent=1)
    with open(cases_out, "w") as out:
        for i in range(1, ncases + 1):
            r = rnd.random()
            if r < 0.60:
                op, pat = "~", random_regex(rnd)
            elif r < 0.62:
                op, pat = "~*", random_regex(rnd)
            elif r < 0.97:
                op, pat = "LIKE", random_like(rnd)
            else:
                op, pat = "ILIKE", random_like(rnd)
            out.write("%d\t%s\t%s\n" % (i, op, copy_escape(pat)))


if __name__ == "__main__":
    main()
