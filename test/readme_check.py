#!/usr/bin/python3
"""Run every SQL example of README.md against the emulator, over HTTPS.

    /usr/bin/python3 test/readme_check.py [--readme FILE] --work-dir DIR

Needs the environment of a test run (test/lib.sh): PGHOST, PGPORT, PG_BIN,
SNOWFDW_EMUCTL, SNOWFDW_EMU_HTTPS_URL and SNOWFDW_TLS_DIR.

Every fenced block tagged ```sql is an example.  Each one runs verbatim,
through psql with ON_ERROR_STOP, in a database of its own, after the emulator
is reset to test/emulator/fixtures/readme.json (the account the examples
name: SALES, RAW.LANDING, SANDBOX, the tokens '<programmatic-access-token>'
and '<oauth-access-token>', user ALICE with the key pair made for the run).

* A block that creates a server starts from an empty database that has only
  the harness: an event trigger that points every new snowfdw server without
  a `url` at the emulator's HTTPS listener (`url`, `ca_file` of the test CA),
  so `OPTIONS (account 'myorg-myaccount')` works as written.  The extension
  is created first unless the block creates it.
* Any other block starts from a copy of the database that the block marked
  `<!-- readme-check: setup [(note)] -->` (the quick start) left behind: the
  `snowflake` server and the `sf` schema exist there, as the README says.
* After a block that creates user mappings, each snowfdw one in its database
  is tried (in a transaction rolled back): SALES's
  schemas are listed through it as its user (so the key pair and the OAuth
  token of the examples really authenticate).
* A comment line `--  text` (two spaces) in a block is output the block must
  print: the check fails if no output line is `text`.
* `<!-- readme-check: skip (reason) -->` on the line before a block skips it;
  the reason is required.  Any other marker, or a marker that is not right
  before an SQL block, is a failure.

Prints one line per block and `N passed, N failed, N skipped` last; exits 1 if
any block failed or there was none.
"""

import argparse
import collections
import json
import os
import re
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE = os.path.join(REPO, "test", "emulator", "fixtures", "readme.json")
MARKER = re.compile(r"^\s*<!--\s*readme-check:\s*(.*?)\s*-->\s*$")
FENCE = re.compile(r"^(\s*)```(\S*)\s*$")
EXPECTED = re.compile(r"^--  (\S.*?)\s*$")
CREATES_SERVER = re.compile(r"\bCREATE\s+SERVER\b", re.I)
CREATES_MAPPING = re.compile(r"\bCREATE\s+USER\s+MAPPING\b", re.I)
CREATES_EXTENSION = re.compile(r"\bCREATE\s+EXTENSION\b[^;]*\bsnowfdw\b", re.I)
KEY_PASSPHRASE = "readme-check-passphrase"

Block = collections.namedtuple("Block", "line code marker")


class ReadmeError(Exception):
    """The README's markers are wrong: reported as a failed test."""


def extract(text):
    """The SQL blocks of a Markdown text, and the marker errors found."""
    lines = text.split("\n")
    blocks, errors = [], []
    pending = None  # (line number, marker text) waiting for its block
    i = 0
    while i < len(lines):
        line = lines[i]
        m = MARKER.match(line)
        if m:
            if pending:
                errors.append("README line %d: marker not right before an SQL block" % pending[0])
            pending = (i + 1, m.group(1))
            i += 1
            continue
        f = FENCE.match(line)
        if f:
            indent, lang = f.group(1), f.group(2)
            start = i + 1
            body = []
            i += 1
            while i < len(lines) and lines[i].strip() != "```":
                body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i])
                i += 1
            if lang == "sql":
                blocks.append(Block(start, "\n".join(body) + "\n", pending))
            elif pending:
                errors.append("README line %d: marker not right before an SQL block" % pending[0])
            pending = None
            i += 1
            continue
        if line.strip() and pending:
            errors.append("README line %d: marker not right before an SQL block" % pending[0])
            pending = None
        i += 1
    if pending:
        errors.append("README line %d: marker not right before an SQL block" % pending[0])
    return blocks, errors


def parse_marker(marker):
    """('run'|'setup'|'skip', reason) of a block's marker."""
    if marker is None:
        return "run", None
    line, text = marker
    if re.fullmatch(r"setup(\s*\(.*\))?", text):
        return "setup", None
    m = re.fullmatch(r"skip\s*\((.*\S.*)\)", text)
    if m:
        return "skip", m.group(1).strip()
    raise ReadmeError("README line %d: marker %r is neither 'setup' nor 'skip (reason)'" % (line, text))


class Runner:
    """psql and emulator control for one check run."""

    def __init__(self, work_dir):
        self.work_dir = work_dir
        self.psql_bin = os.path.join(os.environ["PG_BIN"], "psql")
        self.emuctl = os.environ["SNOWFDW_EMUCTL"]
        self.url = os.environ["SNOWFDW_EMU_HTTPS_URL"]
        self.ca_file = os.path.join(os.environ["SNOWFDW_TLS_DIR"], "ca.pem")
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.fixture = os.path.join(work_dir, "fixture.json")
        self.ndb = 0

    def run(self, argv, stdin=b"", cwd=None):
        # setsid: no controlling terminal, so psql's \prompt reads stdin
        p = subprocess.run(self.as_postgres + ["setsid", "--wait"] + argv, input=stdin,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=cwd or self.work_dir)
        return p.returncode, p.stdout.decode("utf-8", "replace")

    def psql(self, db, sql=None, path=None, stdin=b"", extra=()):
        argv = [self.psql_bin, "-X", "-v", "ON_ERROR_STOP=1", "-P", "pager=off", "-d", db] + list(extra)
        argv += ["-f", path] if path else ["-c", sql]
        return self.run(argv, stdin)

    def must(self, db, sql):
        rc, out = self.psql(db, sql)
        if rc != 0:
            raise RuntimeError("harness SQL failed in %s: %s" % (db, out))

    def emu(self, *args):
        rc, out = self.run(["/usr/bin/python3", self.emuctl] + list(args))
        if rc != 0:
            raise RuntimeError("emuctl %s failed: %s" % (" ".join(args), out))

    def make_key(self):
        """The key pair of the README's openssl commands, with a passphrase
        given here instead of typed; its public half goes into the fixture."""
        key = os.path.join(self.work_dir, "rsa_key.p8")
        pub = os.path.join(self.work_dir, "rsa_key.pub")
        for argv in (["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                      "-aes-256-cbc", "-pass", "pass:" + KEY_PASSPHRASE, "-out", key],
                     ["openssl", "pkey", "-in", key, "-passin", "pass:" + KEY_PASSPHRASE, "-pubout", "-out", pub]):
            rc, out = self.run(argv)
            if rc != 0:
                raise RuntimeError("openssl failed: %s" % out)
        with open(FIXTURE, encoding="utf-8") as fh:
            fixture = json.load(fh)
        with open(pub) as fh:
            pem = fh.read()
        for user in fixture["users"]:
            if user["name"] == "ALICE":
                user["public_keys"] = [pem]
        with open(self.fixture, "w", encoding="utf-8") as fh:
            json.dump(fixture, fh, ensure_ascii=False)

    def harness_sql(self):
        """The event trigger that sends new servers to the emulator."""
        def lit(s):
            return "'" + s.replace("'", "''") + "'"
        return """
CREATE FUNCTION readme_check_redirect() RETURNS event_trigger LANGUAGE plpgsql AS $f$
DECLARE
  srv name;
BEGIN
  FOR srv IN SELECT s.srvname FROM pg_event_trigger_ddl_commands() c
               JOIN pg_foreign_server s ON s.oid = c.objid
               JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
              WHERE c.classid = 'pg_foreign_server'::regclass AND w.fdwname = 'snowfdw'
                AND NOT EXISTS (SELECT FROM unnest(s.srvoptions) o WHERE o LIKE 'url=%%')
  LOOP
    EXECUTE format('ALTER SERVER %%I OPTIONS (ADD url %%L, ADD ca_file %%L)', srv, %s, %s);
  END LOOP;
END $f$;
CREATE EVENT TRIGGER readme_check_redirect ON ddl_command_end
  WHEN TAG IN ('CREATE SERVER') EXECUTE FUNCTION readme_check_redirect();
""" % (lit(self.url), lit(self.ca_file))

    def new_database(self, template=None, extension=False):
        self.ndb += 1
        db = "readme_check_%d" % self.ndb
        self.must("postgres", "DROP DATABASE IF EXISTS %s" % db)
        self.must("postgres", "CREATE DATABASE %s TEMPLATE %s" % (db, template or "template0"))
        if template is None:
            self.must(db, self.harness_sql())
            if extension:
                self.must(db, "CREATE EXTENSION snowfdw")
        return db


def check_block(runner, block, db, n):
    """Run one block in db; returns a list of problems (empty: passed)."""
    path = os.path.join(runner.work_dir, "block-%02d.sql" % n)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(block.code)
    runner.emu("reset", runner.fixture)
    rc, out = runner.psql(db, path=path, stdin=(KEY_PASSPHRASE + "\n").encode())
    with open(os.path.join(runner.work_dir, "block-%02d.out" % n), "w", encoding="utf-8") as fh:
        fh.write(out)
    problems = []
    if rc != 0:
        problems.append("psql exited with %d:\n%s" % (rc, out.rstrip()))
    printed = {line.strip() for line in out.split("\n")}
    for line in block.code.split("\n"):
        m = EXPECTED.match(line)
        if m and m.group(1) not in printed:
            problems.append("expected output line %r not printed; output:\n%s" % (m.group(1), out.rstrip()))
    if not problems and CREATES_MAPPING.search(block.code):
        problems = probe_mappings(runner, db)
    return problems


def probe_mappings(runner, db):
    """Query SALES's schemas through each snowfdw user mapping the database has,
    as its user: the credentials an example sets up must work."""
    rc, out = runner.psql(db, extra=["-At", "-F", " "], sql="""
SELECT s.srvname, m.usename FROM pg_user_mappings m
  JOIN pg_foreign_server s ON s.oid = m.srvid
  JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
 WHERE w.fdwname = 'snowfdw' ORDER BY 1, 2""")
    if rc != 0:
        return ["cannot list user mappings: %s" % out]
    problems = []
    for n, line in enumerate(out.strip().split("\n")):
        server, user = line.split(" ", 1)
        set_role = "RESET ROLE" if user in ("postgres", "public") else 'SET ROLE "%s"' % user
        table = "readme_check.probe_%d" % n
        rc, got = runner.psql(db, extra=["-At"], sql="""
BEGIN;
CREATE SCHEMA IF NOT EXISTS readme_check;
GRANT USAGE ON SCHEMA readme_check TO PUBLIC;
CREATE FOREIGN TABLE %s (name text) SERVER "%s" OPTIONS (object 'schemas', database 'SALES');
GRANT SELECT ON %s TO PUBLIC;
GRANT USAGE ON FOREIGN SERVER "%s" TO PUBLIC;
%s;
SELECT count(*) FROM %s;
ROLLBACK;""" % (table, server, table, server, set_role, table))
        count = got.strip().split("\n")[-2] if got.strip().endswith("ROLLBACK") else ""
        if rc != 0 or not count.isdigit() or int(count) == 0:
            problems.append("user mapping for %s on server %s does not work: %s" % (user, server, got.strip()))
    return problems


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--readme", default=os.path.join(REPO, "README.md"))
    ap.add_argument("--work-dir", required=True)
    args = ap.parse_args(argv)
    with open(args.readme, encoding="utf-8") as fh:
        blocks, errors = extract(fh.read())
    name = os.path.basename(args.readme)
    runner = Runner(args.work_dir)
    runner.make_key()
    runner.must("postgres", "DO $$ BEGIN CREATE ROLE alice; CREATE ROLE bob; "
                            "EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    passed = failed = skipped = 0
    for e in errors:
        print("FAILED %s" % e)
        failed += 1
    plans = []
    for b in blocks:
        try:
            plans.append((b,) + parse_marker(b.marker))
        except ReadmeError as e:
            print("FAILED %s" % e)
            failed += 1
    setups = [p for p in plans if p[1] == "setup"]
    if len(setups) > 1:
        print("FAILED %s: more than one block is marked setup" % name)
        failed += 1
    base = None
    # the setup block first: the others may start from what it leaves
    for n, (b, kind, reason) in sorted(enumerate(plans, 1), key=lambda x: x[1][1] != "setup"):
        where = "%s:%d" % (name, b.line)
        first = b.code.strip().split("\n")[0][:60]
        if kind == "skip":
            print("skip   %s (%s): %s" % (where, reason, first))
            skipped += 1
            continue
        if kind == "setup" or CREATES_SERVER.search(b.code):
            db = runner.new_database(extension=not CREATES_EXTENSION.search(b.code))
        elif base is None:
            print("FAILED %s: needs the database of the setup block, which %s" % (
                where, "failed" if setups else "no block is marked setup"))
            failed += 1
            continue
        else:
            db = runner.new_database(template=base)
        problems = check_block(runner, b, db, n)
        if kind == "setup" and not problems:
            base = db
        if problems:
            print("FAILED %s: %s" % (where, first))
            for p in problems:
                print("    " + p.replace("\n", "\n    "))
            failed += 1
        else:
            print("ok     %s: %s" % (where, first))
            passed += 1
    runner.emu("reset")
    if passed + failed == 0:
        print("FAILED %s: no SQL block found" % name)
        failed = 1
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
