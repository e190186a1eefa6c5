"""Test suite for the Snowflake REST API v2 emulator (snowemu.py), emuctl.py and specschema.py.

Run from test/emulator:  /usr/bin/python3 -m unittest -v test_emulator

The module starts one emulator subprocess on port 0 (fixture fixtures/test.json)
and kills it in tearDownModule (and via atexit should anything go wrong). Every
test starts from a reset. Every response body received is validated against the
spec with specschema; the exceptions are the deliberately broken fault answers
(malformed, wrong_types) and the large-result hand-off object, which is outside
the spec (API-NOTES section 6) and checked against its documented shape.
"""

import atexit
import base64
import http.client
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import emu_auth  # noqa: E402
import emu_ident  # noqa: E402
import specschema  # noqa: E402

PY = "/usr/bin/python3"
FIXTURE = os.path.join(HERE, "fixtures", "test.json")
DEMO = os.path.join(HERE, "fixtures", "demo.json")
PAT = ("test-pat-alice-0123456789", "PROGRAMMATIC_ACCESS_TOKEN")
OAUTH = ("test-oauth-bob-0123456789", "OAUTH")
ACCOUNT = "MYORG-MYACCOUNT"
SPEC = specschema.default_spec()
RID = re.compile(r"^00000000-0000-4000-8000-\d{12}$")

_proc = None
_tmpdir = None
PORT = None


def _kill():
    """Stop the emulator subprocess (idempotent)."""
    global _proc
    if _proc is not None and _proc.poll() is None:
        _proc.terminate()
        try:
            _proc.wait(10)
        except subprocess.TimeoutExpired:
            _proc.kill()
            _proc.wait()
    _proc = None


atexit.register(_kill)


def _die_with_parent():
    """In the child: ask Linux to SIGTERM it if the test process dies (even by SIGKILL)."""
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def start_emulator(port_file, fixture=FIXTURE):
    """Start snowemu.py and wait for its port file; returns (Popen, port)."""
    proc = subprocess.Popen([PY, os.path.join(HERE, "snowemu.py"), "--port-file", port_file,
                             "--fixture", fixture, "--quiet"], stdin=subprocess.DEVNULL,
                            preexec_fn=_die_with_parent)
    deadline = time.time() + 20
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("emulator exited with %s" % proc.returncode)
        if os.path.exists(port_file):
            with open(port_file) as fh:
                return proc, int(fh.read())
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    raise RuntimeError("emulator did not write its port file")


def setUpModule():
    global _proc, _tmpdir, PORT
    _tmpdir = tempfile.TemporaryDirectory(prefix="snowemu-test-")
    try:
        _proc, PORT = start_emulator(os.path.join(_tmpdir.name, "port"))
    except Exception:
        _kill()
        _tmpdir.cleanup()
        raise


def tearDownModule():
    _kill()
    if _tmpdir is not None:
        _tmpdir.cleanup()


def qi(name):
    """Percent-encoded, double-quoted identifier for a path segment."""
    return urllib.parse.quote('"' + name.replace('"', '""') + '"', safe="")


def make_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem_of(key):
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def make_jwt(key, user="ALICE", account=ACCOUNT, iat=None, exp=None, alg="RS256", iss=None, sub=None,
             sign_key=None, fp_key=None):
    """Build a key-pair JWT the way Snowflake clients do (overrides for negative tests)."""
    now = int(time.time())
    iat = now if iat is None else iat
    exp = iat + 3540 if exp is None else exp
    fp = emu_auth.fingerprint((fp_key or key).public_key())
    qual = "%s.%s" % (account.upper(), user)
    claims = {"iss": iss if iss is not None else "%s.%s" % (qual, fp), "sub": sub if sub is not None else qual,
              "iat": iat, "exp": exp}
    head = b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    body = b64url(json.dumps(claims).encode())
    sig = (sign_key or key).sign((head + "." + body).encode(), padding.PKCS1v15(), hashes.SHA256())
    return head + "." + body + "." + b64url(sig)


class Resp:
    """A received response: status, headers (case-insensitive), raw bytes, JSON."""

    def __init__(self, status, headers, raw):
        self.status = status
        self.headers = headers
        self.raw = raw
        try:
            self.json = json.loads(raw.decode("utf-8")) if raw else None
        except ValueError:
            self.json = None

    def header(self, name):
        return self.headers.get(name)


class EmuTest(unittest.TestCase):
    """Base class: reset before each test, one keep-alive API connection per test."""

    def setUp(self):
        self.admin("POST", "/_emulator/reset")
        self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=15)
        self.addCleanup(self.conn.close)

    # ------------------------------------------------------------ helpers
    def admin(self, method, path, payload=None, expect=200):
        c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=15)
        try:
            body = None if payload is None else json.dumps(payload).encode()
            c.request(method, path, body=body, headers={"Content-Type": "application/json"} if body else {})
            r = c.getresponse()
            data = json.loads(r.read().decode())
            self.assertEqual(expect, r.status, data)
            self.assertIsNone(r.getheader("X-Snowflake-Request-ID"))
            return data
        finally:
            c.close()

    def fault(self, **rule):
        self.admin("POST", "/_emulator/faults", rule)

    def log(self):
        return self.admin("GET", "/_emulator/log")

    def api(self, method, path, body=None, auth=PAT, headers=None, raw_body=None, op=None,
            validate=True, status=None):
        """Send one API request on the test's keep-alive connection; validate the
        answer against the spec (op inferred from method and path if not given)."""
        h = {"Accept": "application/json"}
        if auth is not None:
            h["Authorization"] = "Bearer " + auth[0]
            if auth[1] is not None:
                h["X-Snowflake-Authorization-Token-Type"] = auth[1]
        data = raw_body
        if body is not None:
            data = json.dumps(body).encode()
        if data is not None:
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        self.conn.request(method, path, body=data, headers=h)
        r = self.conn.getresponse()
        resp = Resp(r.status, r.headers, r.read())
        rid = resp.header("X-Snowflake-Request-ID")
        self.assertIsNotNone(rid, "X-Snowflake-Request-ID missing")
        self.assertRegex(rid, RID)
        if status is not None:
            self.assertEqual(status, resp.status, resp.raw)
        if resp.status >= 400 and resp.json is not None and isinstance(resp.json, dict):
            self.assertEqual(rid, resp.json.get("request_id"))
            self.assertEqual(resp.json.get("code"), resp.json.get("error_code"))
        if validate:
            self.check_spec(method, path, resp, op)
        return resp

    def check_spec(self, method, path, resp, op=None):
        """Validate a response body against the operation's declared response."""
        self.assertEqual("application/json", resp.header("Content-Type"))
        if op is None:
            op = SPEC.match(method, path.split("?", 1)[0])
        if op is None:
            errors = SPEC.validate_component("common.yaml", "ErrorResponse", resp.json)
        else:
            errors = SPEC.validate_response(op, resp.status, resp.json)
        self.assertEqual([], errors, "response of %s %s breaks the spec" % (method, path))

    def get_json(self, path, **kw):
        return self.api("GET", path, status=200, **kw).json

    def names(self, path, **kw):
        return [x["name"] for x in self.get_json(path, **kw)]


S = "/api/v2/databases/SALES/schemas"
ST = S + "/PUBLIC/stages"
SM = S + "/PUBLIC/streams"
LIVE_SALES = ["100%", "My Schema", "PUBLIC", "STAGING", "a/b", "we\"ird", "x:y", "\u00dcn\u00efc\u00f8d\u00e9"]


class TestDatabases(EmuTest):
    def test_list_databases_sorted_and_filters(self):
        self.assertEqual(["EMPTY_DB", "MARKETING", "SALES"], self.names("/api/v2/databases"))
        self.assertEqual(["ARCHIVE_DB", "EMPTY_DB", "MARKETING", "SALES"], self.names("/api/v2/databases?history=true"))
        self.assertEqual(["MARKETING", "SALES"], self.names("/api/v2/databases?like=%25a%25"))
        self.assertEqual(["SALES"], self.names("/api/v2/databases?startsWith=SA"))
        self.assertEqual([], self.names("/api/v2/databases?startsWith=sa"))  # case-sensitive
        self.assertEqual(["MARKETING"], self.names("/api/v2/databases?fromName=M&showLimit=1"))

    def test_fetch_database(self):
        db = self.get_json("/api/v2/databases/sales")  # unquoted resolves to upper case
        self.assertEqual("SALES", db["name"])
        self.assertEqual("Sales data", db["comment"])
        self.assertEqual("2024-01-15T08:00:00.000+00:00", db["created_on"])
        self.assertIsNone(db["dropped_on"])
        r = self.api("GET", "/api/v2/databases/ARCHIVE_DB", status=404)  # dropped
        self.assertEqual("002003", r.json["code"])
        r = self.api("GET", "/api/v2/databases/%22sales%22", status=404)
        self.assertEqual("Database '\"sales\"' does not exist or not authorized.", r.json["message"])


class TestSchemas(EmuTest):
    def test_list_schemas_order_and_history(self):
        self.assertEqual(LIVE_SALES, self.names(S))
        hist = self.get_json(S + "?history=true")
        self.assertIn("OLD_STUFF", [x["name"] for x in hist])
        dropped = [x for x in hist if x["name"] == "OLD_STUFF"][0]
        self.assertEqual("2024-12-31T23:00:00.000+00:00", dropped["dropped_on"])

    def test_like_startswith(self):
        self.assertEqual(["My Schema"], self.names(S + "?like=my%25"))           # case-insensitive
        self.assertEqual(["My Schema"], self.names(S + "?like=MY_SCHEMA"))       # _ matches the space
        self.assertEqual(["100%"], self.names(S + "?like=%25%5C%25"))            # \% is a literal %
        self.assertEqual(["a/b"], self.names(S + "?like=a%2Fb"))
        self.assertEqual(["My Schema"], self.names(S + "?startsWith=My"))
        self.assertEqual([], self.names(S + "?startsWith=my"))                   # case-sensitive
        self.assertEqual(["STAGING"], self.names(S + "?startsWith=ST&like=%25ING"))

    def test_showlimit_fromname_paging(self):
        got, cursor = [], None
        while True:
            q = "?showLimit=3" + ("&fromName=" + urllib.parse.quote(cursor, safe="") if cursor else "")
            page = self.names(S + q)
            new = [n for n in page if n not in got]
            got += new
            if len(page) < 3:
                break
            cursor = page[-1]   # fromName is inclusive: the cursor row comes back first
            self.assertEqual(page[-1], self.names(S + "?showLimit=1&fromName=" + urllib.parse.quote(cursor, safe=""))[0])
        self.assertEqual(LIVE_SALES, got)

    def test_bad_query_parameters(self):
        for q in ("showLimit=0", "showLimit=10001", "showLimit=ten", "history=yes"):
            r = self.api("GET", S + "?" + q, status=400)
            self.assertEqual("001003", r.json["code"])
            self.assertIn(q.split("=")[0], r.json["message"])
        self.assertEqual(3, len(self.names(S + "?showLimit=3")))
        self.assertEqual(8, len(self.names(S + "?showLimit=10000")))
        entry = self.log()[0]
        self.assertTrue(entry["spec_violations"][0].startswith("query showLimit"))

    def test_unknown_query_params_ignored(self):
        self.assertEqual(LIVE_SALES, self.names(S + "?request_guid=abc&foo=1"))
        self.assertEqual(["request_guid", "foo"], self.log()[-1]["unknown_params"])
        self.assertEqual([], self.log()[-1]["spec_violations"])

    def test_quoted_names_roundtrip(self):
        for name in LIVE_SALES:
            sc = self.get_json(S + "/" + qi(name))
            self.assertEqual(name, sc["name"])
            self.assertEqual("SALES", sc["database_name"])
        # a colon inside a quoted name is not an action suffix, even unencoded
        self.assertEqual("x:y", self.get_json(S + '/"x:y"'.replace('"', "%22"))["name"])
        self.assertEqual("PUBLIC", self.get_json(S + "/public")["name"])

    def test_invalid_identifiers(self):
        for seg in ("my%20schema", "1abc", "%22unterminated", "%22a%22b%22", "%22%22"):
            r = self.api("GET", S + "/" + seg, status=400)
            self.assertIn("Invalid identifier", r.json["message"])
        r = self.api("GET", S + "/" + qi("nope x"), status=404)
        self.assertEqual("Schema 'SALES.\"nope x\"' does not exist or not authorized.", r.json["message"])

    def test_create_schema_modes(self):
        body = {"name": "NEW_SCHEMA", "comment": "first", "managed_access": True}
        r = self.api("POST", S, body, status=200)
        self.assertIn("status", r.json)
        sc = self.get_json(S + "/NEW_SCHEMA")
        self.assertEqual(("first", True, "MANAGED ACCESS", "SYSADMIN"),
                         (sc["comment"], sc["managed_access"], sc["options"], sc["owner"]))
        self.assertEqual("2025-01-01T00:00:01.000+00:00", sc["created_on"])
        r = self.api("POST", S, body, status=409)
        self.assertEqual("002002", r.json["code"])
        self.api("POST", S + "?createMode=ifNotExists", dict(body, comment="second"), status=200)
        self.assertEqual("first", self.get_json(S + "/NEW_SCHEMA")["comment"])
        self.api("POST", S + "?createMode=orReplace&kind=", dict(body, comment="third"), status=200)
        sc = self.get_json(S + "/NEW_SCHEMA")
        self.assertEqual("third", sc["comment"])
        self.assertEqual("2025-01-01T00:00:02.000+00:00", sc["created_on"])
        self.api("POST", S + "?createMode=sometimes", body, status=400)
        self.api("POST", S, {"name": '"lower case"'}, status=200)
        self.assertEqual("lower case", self.get_json(S + "/" + qi("lower case"))["name"])

    def test_create_schema_spec_violations(self):
        cases = [
            ({"name": "X", "created_on": "2025-01-01T00:00:00Z"}, "readOnly property 'created_on'"),
            ({"comment": "no name"}, "'name' is a required property"),
            ({"name": "X", "managed_access": "yes"}, "managed_access"),
            ({"name": "X", "data_retention_time_in_days": "1"}, "data_retention_time_in_days"),
            ({"name": "X", "kind": "TEMPORARY"}, "kind"),
            ({"name": "bad name"}, "Invalid identifier"),
        ]
        for body, needle in cases:
            r = self.api("POST", S, body, status=400)
            self.assertIn(needle, r.json["message"])
        r = self.api("POST", S, raw_body=b'{"name": ', status=400)
        self.assertIn("not valid JSON", r.json["message"])
        self.api("POST", S, raw_body=None, status=400)  # required body missing
        viol = [e["spec_violations"] for e in self.log()]
        self.assertIn("body created_on: readOnly property 'created_on' must not appear in a request", viol[0])
        self.assertEqual([], viol[5])  # a bad identifier is not a spec violation

    def test_put_create_or_alter(self):
        self.api("PUT", S + "/ALTERED", {"name": "ALTERED", "comment": "c", "managed_access": True,
                                         "data_retention_time_in_days": 5}, status=200)
        sc = self.get_json(S + "/ALTERED")
        self.assertEqual(("c", True, 5, "2025-01-01T00:00:01.000+00:00"),
                         (sc["comment"], sc["managed_access"], sc["retention_time"], sc["created_on"]))
        self.api("PUT", S + "/altered", {"name": "ALTERED", "log_level": "INFO"}, status=200)
        sc = self.get_json(S + "/ALTERED")
        self.assertNotIn("comment", sc)      # omitted fields go back to defaults
        self.assertEqual((False, 1, "INFO", "2025-01-01T00:00:01.000+00:00"),
                         (sc["managed_access"], sc["retention_time"], sc["log_level"], sc["created_on"]))
        r = self.api("PUT", S + "/ALTERED", {"name": "OTHER"}, status=400)
        self.assertIn("does not match", r.json["message"])
        self.api("PUT", S + "/ALTERED", {"name": "ALTERED", "options": ""}, status=400)  # readOnly
        self.api("PUT", "/api/v2/databases/NOPE/schemas/X", {"name": "X"}, status=404)

    def test_delete_and_history(self):
        self.api("DELETE", S + "/PUBLIC", status=200)
        self.api("GET", S + "/PUBLIC", status=404)
        self.api("GET", ST, status=404)
        hist = [x for x in self.get_json(S + "?history=true") if x["name"] == "PUBLIC"]
        self.assertEqual("2025-01-01T00:00:01.000+00:00", hist[0]["dropped_on"])
        self.api("DELETE", S + "/PUBLIC", status=404)
        self.api("DELETE", S + "/PUBLIC?ifExists=true", status=200)
        self.api("DELETE", S + "/" + qi("My Schema") + "?restrict=true", status=200)
        self.api("DELETE", "/api/v2/databases/NOPE/schemas/X?ifExists=true", status=404)

    def test_undrop(self):
        r = self.api("POST", S + "/PUBLIC:undrop", status=409)
        self.assertEqual("002002", r.json["code"])
        self.api("POST", S + "/NEVER:undrop", status=404)
        self.api("POST", S + "/OLD_STUFF:undrop", status=200)
        sc = self.get_json(S + "/OLD_STUFF")
        self.assertIsNone(sc["dropped_on"])
        self.assertEqual(["OLD_STAGE"], self.names(S + "/OLD_STUFF/stages"))
        self.assertEqual(["OLD_STREAM"], self.names(S + "/OLD_STUFF/streams"))
        # two drops of the same name: undrop restores the most recent one
        self.api("DELETE", S + "/OLD_STUFF", status=200)
        self.api("POST", S, {"name": "OLD_STUFF", "comment": "second"}, status=200)
        self.api("DELETE", S + "/OLD_STUFF", status=200)
        self.api("POST", S + "/OLD_STUFF:undrop", status=200)
        self.assertEqual("second", self.get_json(S + "/OLD_STUFF")["comment"])
        self.assertEqual(1, [x["name"] for x in self.get_json(S + "?history=true")].count("OLD_STUFF") - 1)

    def test_clone_schema(self):
        self.api("POST", S + "/PUBLIC:clone", {"name": "PUBLIC_COPY", "comment": "copy",
                 "point_of_time": {"point_of_time_type": "offset", "reference": "at", "offset": "-60"}}, status=200)
        self.assertEqual(self.names(ST), self.names(S + "/PUBLIC_COPY/stages"))
        self.assertEqual(self.names(ST + "/RAW/files"), self.names(S + "/PUBLIC_COPY/stages/RAW/files"))
        sm = self.get_json(S + "/PUBLIC_COPY/streams/ORDERS_STREAM")
        self.assertEqual(("SALES", "PUBLIC_COPY", "SALES.PUBLIC_COPY.ORDERS"),
                         (sm["database_name"], sm["schema_name"], sm["table_name"]))
        self.assertEqual("copy", self.get_json(S + "/PUBLIC_COPY")["comment"])
        # target database, quoted source name containing a colon
        self.api("POST", S + "/" + qi("x:y") + ":clone?targetDatabase=marketing", {"name": '"x:y"'}, status=200)
        self.assertEqual(["S:1"], self.names("/api/v2/databases/MARKETING/schemas/" + qi("x:y") + "/stages"))
        self.api("POST", S + "/PUBLIC:clone", {"name": "PUBLIC_COPY"}, status=409)
        self.api("POST", S + "/PUBLIC:clone?createMode=ifNotExists", {"name": "PUBLIC_COPY"}, status=200)
        self.api("POST", S + "/PUBLIC:clone?targetDatabase=NOPE", {"name": "Y"}, status=404)
        self.api("POST", S + "/NOPE:clone", {"name": "Y"}, status=404)
        r = self.api("POST", S + "/PUBLIC:clone", {"name": "Y", "point_of_time": {"point_of_time_type": "yesterday"}},
                     status=400)
        self.assertIn("point_of_time_type", r.json["message"])

    def test_missing_parent(self):
        r = self.api("GET", "/api/v2/databases/NOPE/schemas", status=404)
        self.assertEqual("Database 'NOPE' does not exist or not authorized.", r.json["message"])
        r = self.api("GET", S + "/NOPE/stages", status=404)
        self.assertEqual("Schema 'SALES.NOPE' does not exist or not authorized.", r.json["message"])
        self.api("POST", S + "/NOPE/streams", {"name": "S", "stream_source": {"src_type": "table", "name": "T"}},
                 status=404)


class TestStages(EmuTest):
    def test_list_stages_like_only(self):
        self.assertEqual(["ARCHIVE", "EXT_S3", "My Stage", "RAW"], self.names(ST))
        self.assertEqual(["My Stage"], self.names(ST + "?like=my%25"))
        self.assertEqual(4, len(self.names(ST + "?startsWith=RAW&showLimit=1")))  # not declared: ignored
        self.assertEqual(["startsWith", "showLimit"], self.log()[-1]["unknown_params"])
        self.assertEqual(["Files"], self.names(S + "/" + qi("My Schema") + "/stages"))

    def test_stage_fields(self):
        raw = self.get_json(ST + "/RAW")
        self.assertEqual(("RAW", "", False, False, "SYSADMIN", "ROLE", True),
                         (raw["name"], raw["url"], raw["has_credentials"], raw["has_encryption_key"],
                          raw["owner"], raw["owner_role_type"], raw["directory_table"]["enable"]))
        for k in ("encryption", "credentials", "region", "cloud"):
            self.assertNotIn(k, raw)
        ext = self.get_json(ST + "/EXT_S3")
        self.assertEqual(("s3://example-bucket/landing/", True, "us-west-2", "AWS"),
                         (ext["url"], ext["has_credentials"], ext["region"], ext["cloud"]))
        self.assertNotIn("credentials", ext)

    def test_create_stage_write_only(self):
        body = {"name": "SECRET", "comment": "c", "credentials": {"credential_type": "AWS", "aws_key_id": "k",
                "aws_secret_key": "s"}, "encryption": {"type": "SNOWFLAKE_SSE"}, "directory_table": {"enable": True}}
        self.api("POST", ST, body, status=200)
        st = self.get_json(ST + "/SECRET")
        self.assertNotIn("credentials", st)
        self.assertNotIn("encryption", st)
        self.assertEqual("2025-01-01T00:00:01.000+00:00", st["created_on"])
        self.assertNotIn("aws_secret_key", json.dumps(self.get_json(ST)))
        self.api("POST", ST, body, status=409)
        self.api("POST", ST + "?createMode=ifNotExists", body, status=200)
        self.api("POST", ST + "?createMode=orReplace", {"name": "SECRET"}, status=200)
        self.assertNotIn("comment", self.get_json(ST + "/SECRET"))
        r = self.api("POST", ST, {"name": "X", "has_credentials": True}, status=400)
        self.assertIn("readOnly property 'has_credentials'", r.json["message"])
        r = self.api("POST", ST, {"name": "X", "encryption": {"type": "ROT13"}}, status=400)
        self.assertIn("encryption/type", r.json["message"])
        r = self.api("POST", ST, {"name": "X", "credentials": {"credential_type": "AWS", "aws_key_id": 5}}, status=400)
        self.assertIn("credentials/aws_key_id", r.json["message"])

    def test_fetch_delete_stage(self):
        self.assertEqual("My Stage", self.get_json(ST + "/" + qi("My Stage"))["name"])
        self.api("GET", ST + "/MY_STAGE", status=404)
        self.api("DELETE", ST + "/" + qi("My Stage"), status=200)
        self.api("DELETE", ST + "/" + qi("My Stage"), status=404)
        self.api("DELETE", ST + "/" + qi("My Stage") + "?ifExists=true", status=200)
        self.assertEqual(["ARCHIVE", "EXT_S3", "RAW"], self.names(ST))

    def test_list_files_pattern(self):
        files = self.get_json(ST + "/RAW/files")
        self.assertEqual(["raw/2024/03/data_2.csv.gz", "raw/data_0.csv", "raw/data_1.csv", "raw/readme.txt"],
                         [f["name"] for f in files])
        self.assertEqual("1024", files[1]["size"])
        self.assertEqual(["raw/data_0.csv"], self.names(ST + "/RAW/files?pattern=" + urllib.parse.quote(".*data_0.*")))
        self.assertEqual([], self.names(ST + "/RAW/files?pattern=data_0"))  # full match, not search
        self.api("GET", ST + "/RAW/files?pattern=" + urllib.parse.quote("(["), status=400)
        self.assertEqual(["my stage/\u00fc.json"], self.names(ST + "/" + qi("My Stage") + "/files?pattern=.*json"))
        # alternation: the whole name matches one branch or the other
        self.assertEqual(["raw/2024/03/data_2.csv.gz", "raw/readme.txt"],
                         self.names(ST + "/RAW/files?pattern=" + urllib.parse.quote("raw/r.*|.*gz")))
        self.assertEqual([], self.names(ST + "/RAW/files?pattern=" + urllib.parse.quote("(raw|gz)")))
        self.assertEqual([], self.names(ST + "/RAW/files?pattern=RAW.*"))  # case-sensitive
        self.api("GET", ST + "/NOPE/files", status=404)

    def test_pattern_dot(self):
        # "." matches no line terminator (Java's default); a class or escape is as written
        from emu_ident import pattern_regex
        for name in ("a\nb", "a\rb", "a\u2028b", "a\u0085b"):
            self.assertIsNone(pattern_regex("a.b").fullmatch(name))
            self.assertIsNotNone(pattern_regex("a([^/]|/)b").fullmatch(name))
        self.assertIsNotNone(pattern_regex("a.b").fullmatch("a\u00fcb"))
        self.assertIsNotNone(pattern_regex("a[.]b").fullmatch("a.b"))
        self.assertIsNone(pattern_regex("a[.]b").fullmatch("axb"))
        self.assertIsNone(pattern_regex("a\\.b").fullmatch("axb"))
        self.assertIsNotNone(pattern_regex("[].]x").fullmatch(".x"))
        self.assertIsNotNone(pattern_regex("[^].]x").fullmatch("ax"))

    def test_presigned_url(self):
        base = ST + "/RAW/files/"
        u1 = self.api("POST", base + "raw/data_0.csv:presigned-url", status=200).json["presigned_url"]
        u2 = self.api("POST", base + "raw%2Fdata_0.csv:presigned-url", status=200).json["presigned_url"]
        u3 = self.api("POST", base + "data_0.csv%3Apresigned-url", status=200,
                      op=SPEC.operation("stage:getPresignedUrl")).json["presigned_url"]
        self.assertEqual(u1, u2)
        self.assertEqual(u1, u3)
        self.assertTrue(u1.startswith("https://"))
        self.assertIn("X-Amz-Expires=3600", u1)
        u4 = self.api("POST", base + "raw/data_0.csv:presigned-url", {"expiration_time": 60}, status=200).json
        self.assertIn("X-Amz-Expires=60", u4["presigned_url"])
        self.api("POST", base + "raw/data_0.csv:presigned-url", {"expiration_time": "60"}, status=400)
        self.api("POST", base + "raw/data_0.csv:presigned-url", {"expiration_time": 0}, status=400)
        r = self.api("POST", base + "raw/missing.csv:presigned-url", status=404)
        self.assertIn("raw/missing.csv", r.json["message"])
        r = self.api("POST", ST + "/ARCHIVE/files/archive/old_0.csv:presigned-url", status=400)
        self.assertIn("SNOWFLAKE_SSE", r.json["message"])
        self.api("POST", ST + "/EXT_S3/files/x.csv:presigned-url", status=400)
        q = ST + "/" + qi("My Stage") + "/files/" + urllib.parse.quote("my stage/dir one/a b.csv") + ":presigned-url"
        self.assertIn("dir%20one/a%20b.csv", self.api("POST", q, status=200).json["presigned_url"])
        self.api("GET", base + "raw/data_0.csv:presigned-url", status=405)


class TestStreams(EmuTest):
    def test_list_fetch_streams(self):
        self.assertEqual(["ORDERS_APPEND", "ORDERS_STREAM", "RAW_FILES", "VIEW_STREAM"], self.names(SM))
        self.assertEqual(["ORDERS_APPEND"], self.names(SM + "?startsWith=ORDERS&showLimit=1"))
        self.assertEqual(["RAW_FILES", "VIEW_STREAM"], self.names(SM + "?fromName=P"))
        self.assertEqual(["RAW_FILES"], self.names(SM + "?like=raw%25"))
        sm = self.get_json(SM + "/ORDERS_APPEND")
        self.assertEqual(("APPEND_ONLY", "DELTA", False, "N/A", "SALES.PUBLIC.ORDERS", "2025-01-15T00:00:00.000+00:00"),
                         (sm["mode"], sm["type"], sm["stale"], sm["invalid_reason"], sm["table_name"], sm["stale_after"]))
        self.assertEqual("stage", self.get_json(SM + "/RAW_FILES")["stream_source"]["src_type"])
        ext = self.get_json("/api/v2/databases/MARKETING/schemas/CAMPAIGNS/streams/EXT_STREAM")
        self.assertEqual("INSERT_ONLY", ext["mode"])
        self.assertEqual(["Mixed Stream"], self.names(S + "/" + qi("My Schema") + "/streams"))
        self.api("GET", SM + "/NOPE", status=404)

    def test_create_delete_stream(self):
        body = {"name": "NEW_STREAM", "comment": "c",
                "stream_source": {"src_type": "view", "name": "V1", "schema_name": '"My Schema"', "append_only": True,
                                  "point_of_time": {"point_of_time_type": "stream", "reference": "at", "stream": "S"}}}
        self.api("POST", SM + "?copyGrants=true", body, status=200)
        sm = self.get_json(SM + "/NEW_STREAM")
        self.assertEqual(("SALES.My Schema.V1", "APPEND_ONLY", "SYSADMIN", "2025-01-01T00:00:01.000+00:00"),
                         (sm["table_name"], sm["mode"], sm["owner"], sm["created_on"]))
        self.api("POST", SM, body, status=409)
        self.api("POST", SM + "?createMode=ifNotExists", body, status=200)
        self.api("POST", SM + "?createMode=orReplace", dict(body, comment="d"), status=200)
        self.assertEqual("d", self.get_json(SM + "/NEW_STREAM")["comment"])
        for bad, needle in (({"name": "X"}, "stream_source"),
                            ({"name": "X", "stream_source": {"src_type": "stream", "name": "T"}}, "src_type"),
                            ({"name": "X", "stream_source": {"src_type": "table"}}, "'name' is a required"),
                            ({"name": "X", "stream_source": {"src_type": "view", "name": "V", "base_tables": []}},
                             "readOnly property 'base_tables'"),
                            ({"name": "X", "stream_source": {"src_type": "table", "name": "T",
                                                             "point_of_time": {"point_of_time_type": "offset"}}},
                             "reference")):
            r = self.api("POST", SM, bad, status=400)
            self.assertIn(needle, r.json["message"])
        self.api("DELETE", SM + "/NEW_STREAM", status=200)
        self.api("DELETE", SM + "/NEW_STREAM", status=404)
        self.api("DELETE", SM + "/NEW_STREAM?ifExists=true", status=200)

    def test_clone_stream(self):
        base = SM + "/ORDERS_STREAM:clone"
        r = self.api("POST", base + "?targetDatabase=SALES", {"name": "C1"}, status=400)
        self.assertIn("targetSchema", r.json["message"])
        self.api("POST", base + "?targetSchema=PUBLIC", {"name": "C1"}, status=400)
        self.api("POST", base + "?targetDatabase=MARKETING&targetSchema=CAMPAIGNS&copyGrants=true",
                 {"name": "C1"}, status=200)
        c1 = self.get_json("/api/v2/databases/MARKETING/schemas/CAMPAIGNS/streams/C1")
        self.assertEqual(("Changes to ORDERS", "SALES.PUBLIC.ORDERS", "MARKETING"),
                         (c1["comment"], c1["table_name"], c1["database_name"]))
        self.api("POST", base + "?targetDatabase=MARKETING&targetSchema=CAMPAIGNS", {"name": "C1"}, status=409)
        self.api("POST", base + "?targetDatabase=SALES&targetSchema=%22My%20Schema%22",
                 {"name": "C2", "comment": "new"}, status=200)
        self.assertEqual("new", self.get_json(S + "/" + qi("My Schema") + "/streams/C2")["comment"])
        self.api("POST", base + "?targetDatabase=SALES&targetSchema=NOPE", {"name": "C3"}, status=404)
        self.api("POST", base + "?targetDatabase=SALES&targetSchema=PUBLIC", {"comment": "x"}, status=400)


class TestProtocol(EmuTest):
    def test_request_ids_and_clock(self):
        r1 = self.api("GET", "/api/v2/databases", status=200)
        self.admin("GET", "/_emulator/log")  # admin calls do not count
        r2 = self.api("GET", "/api/v2/databases/NOPE", status=404)
        self.assertEqual("00000000-0000-4000-8000-000000000001", r1.header("X-Snowflake-Request-ID"))
        self.assertEqual("00000000-0000-4000-8000-000000000002", r2.json["request_id"])
        self.api("POST", S, {"name": "T1"}, status=200)
        self.api("POST", ST.replace("PUBLIC", "T1"), {"name": "G"}, status=200)
        self.api("DELETE", S + "/T1", status=200)
        hist = {x["name"]: x for x in self.get_json(S + "?history=true")}
        self.assertEqual("2025-01-01T00:00:01.000+00:00", hist["T1"]["created_on"])
        self.assertEqual("2025-01-01T00:00:03.000+00:00", hist["T1"]["dropped_on"])

    def test_keepalive_connection_ids(self):
        for _ in range(3):
            self.api("GET", "/api/v2/databases", status=200)
        other = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        self.addCleanup(other.close)
        other.request("GET", "/api/v2/databases")
        other.getresponse().read()
        self.assertEqual([1, 1, 1, 2], [e["conn"] for e in self.log()])
        self.assertEqual({"count": 2}, self.admin("GET", "/_emulator/connections"))
        self.admin("DELETE", "/_emulator/log")
        self.assertEqual({"count": 0}, self.admin("GET", "/_emulator/connections"))
        self.api("GET", "/api/v2/databases", status=200)  # old connection, new epoch: id 1 again
        self.assertEqual([1], [e["conn"] for e in self.log()])
        self.assertEqual(5, self.log()[0]["seq"])  # seq only restarts on reset

    def test_blackhole_port_never_completes_a_connect(self):
        """The blackhole port is for client connect-timeout tests."""
        port = self.admin("POST", "/_emulator/blackhole")["port"]
        self.assertEqual(port, self.admin("POST", "/_emulator/blackhole")["port"])
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(0.5)
        try:
            with self.assertRaises(OSError):
                s.connect(("127.0.0.1", port))
        finally:
            s.close()

    def test_unknown_endpoints_and_methods(self):
        r = self.api("GET", "/api/v2/warehouses", status=404)
        self.assertIn("Unknown API endpoint", r.json["message"])
        self.api("GET", "/", status=404)
        r = self.api("POST", "/api/v2/databases", {"name": "D"}, status=404)  # in the spec, not emulated
        self.assertIn("not supported by the emulator", r.json["message"])
        self.api("POST", S + "/PUBLIC:set-tags", [], status=404)
        r = self.api("PUT", ST + "/RAW", {"name": "RAW"}, status=405)
        self.assertEqual("DELETE, GET", r.header("Allow"))
        self.api("PATCH", S + "/PUBLIC", status=405)
        self.api("DELETE", "/api/v2/databases", status=405)

    def test_body_on_get_is_recorded(self):
        self.api("GET", "/api/v2/databases", raw_body=b"{}", status=200)
        self.assertEqual(["body (body): database:listDatabases takes no request body"], self.log()[0]["spec_violations"])
        self.assertEqual("{}", self.log()[0]["body"])

    def test_results_endpoint(self):
        r = self.api("GET", "/api/v2/results/unknown", status=404)
        self.assertIn("unknown", r.json["message"])
        self.api("GET", "/api/v2/results/unknown?page=-1", status=400)

    def test_reset_with_fixture_body(self):
        fx = {"account": "OTHER-ACC", "tokens": [{"token": "t1", "type": "OAUTH", "user": "U"}],
              "databases": [{"name": "ONLY", "schemas": [{"name": "S1"}]}]}
        self.admin("POST", "/_emulator/reset", fx)
        self.assertEqual(["ONLY"], self.names("/api/v2/databases", auth=("t1", "OAUTH")))
        self.api("GET", "/api/v2/databases", status=401)  # PAT of the startup fixture is gone
        self.admin("POST", "/_emulator/reset", {"databases": [{"schemas": []}]}, expect=400)
        self.admin("POST", "/_emulator/reset")
        self.assertEqual(["EMPTY_DB", "MARKETING", "SALES"], self.names("/api/v2/databases"))

    def test_demo_fixture_validates(self):
        with open(DEMO, encoding="utf-8") as fh:
            self.admin("POST", "/_emulator/reset", json.load(fh))
        auth = ("demo-pat-admin", "PROGRAMMATIC_ACCESS_TOKEN")
        dbs = self.get_json("/api/v2/databases?history=true", auth=auth)
        self.assertGreaterEqual(len([d for d in dbs if d["dropped_on"] is None]), 3)
        for db in [d["name"] for d in dbs if d["dropped_on"] is None]:
            schemas = self.get_json("/api/v2/databases/%s/schemas?history=true" % qi(db), auth=auth)
            self.assertTrue(any(s["dropped_on"] for s in schemas), db)
            for sc in [s["name"] for s in schemas if s["dropped_on"] is None]:
                p = "/api/v2/databases/%s/schemas/%s" % (qi(db), qi(sc))
                for st in self.names(p + "/stages", auth=auth):
                    self.get_json(p + "/stages/%s/files" % qi(st), auth=auth)
                for sm in self.names(p + "/streams", auth=auth):
                    self.get_json(p + "/streams/%s" % qi(sm), auth=auth)


class TestAuth(EmuTest):
    def test_token_kinds(self):
        self.api("GET", "/api/v2/databases", auth=OAUTH, status=200)
        cases = [
            (None, "390303", "no Authorization header"),
            ((PAT[0], None), "390303", "token type header"),
            ((PAT[0], "BASIC"), "390303", "token type header"),
            ((PAT[0], "OAUTH"), "390303", "configured as PROGRAMMATIC_ACCESS_TOKEN"),
            (("nope", "PROGRAMMATIC_ACCESS_TOKEN"), "390303", "unknown PROGRAMMATIC_ACCESS_TOKEN"),
            (("nope", "OAUTH"), "390303", "unknown OAUTH"),
            (("not.a.jwt", "KEYPAIR_JWT"), "390144", "base64url"),
        ]
        for auth, code, reason in cases:
            r = self.api("GET", "/api/v2/databases", auth=auth, status=401)
            self.assertEqual(code, r.json["code"])
            self.assertIn(reason, self.log()[-1]["auth_error"])
        msgs = [e["auth_error"] for e in self.log()]
        self.assertIsNone(msgs[0])
        r = self.api("GET", "/api/v2/databases", auth=("nope", "OAUTH"), status=401)
        self.assertEqual("Invalid OAuth access token.", r.json["message"])
        r = self.api("GET", "/api/v2/databases", auth=("nope", "PROGRAMMATIC_ACCESS_TOKEN"), status=401)
        self.assertEqual("Programmatic access token is invalid.", r.json["message"])
        r = self.api("GET", "/api/v2/databases", headers={"Authorization": "Basic eDp5",
                     "X-Snowflake-Authorization-Token-Type": "OAUTH"}, auth=None, status=401)
        self.admin("POST", "/_emulator/tokens", {"token": "new-pat", "type": "PROGRAMMATIC_ACCESS_TOKEN", "user": "BOB"})
        self.api("GET", "/api/v2/databases", auth=("new-pat", "PROGRAMMATIC_ACCESS_TOKEN"), status=200)
        self.assertEqual("OAUTH", self.log()[0]["token_type"])
        # which token signed a request shows as a fingerprint, never the token
        import hashlib
        self.assertEqual(hashlib.sha256(b"new-pat").hexdigest()[:16], self.log()[-1]["token_sha256"])
        self.assertNotIn("new-pat", json.dumps(self.log()))

    def test_owner_from_role(self):
        self.api("POST", S, {"name": "BY_BOB"}, auth=OAUTH, status=200)
        self.assertEqual("ANALYST", self.get_json(S + "/BY_BOB")["owner"])
        self.api("POST", S, {"name": "BY_HDR"}, headers={"X-Snowflake-Role": '"My Role"'}, status=200)
        self.assertEqual("My Role", self.get_json(S + "/BY_HDR")["owner"])

    def test_jwt_valid(self):
        key = make_key()
        self.admin("POST", "/_emulator/users", {"name": "ALICE", "public_key_pem": pem_of(key)})
        jwt = make_jwt(key)
        self.api("GET", "/api/v2/databases", auth=(jwt, "KEYPAIR_JWT"), status=200)
        ms = make_jwt(key, iat=int(time.time() * 1000), exp=int(time.time() * 1000) + 3540000)
        self.api("GET", "/api/v2/databases", auth=(ms, "KEYPAIR_JWT"), status=200)
        self.api("POST", S, {"name": "BY_JWT"}, auth=(jwt, "KEYPAIR_JWT"), status=200)
        self.assertEqual("SYSADMIN", self.get_json(S + "/BY_JWT")["owner"])
        self.assertEqual(["KEYPAIR_JWT"] * 2, [e["token_type"] for e in self.log()[:2]])

    def test_jwt_failures(self):
        key, other = make_key(), make_key()
        self.admin("POST", "/_emulator/users", {"name": "ALICE", "public_key_pem": pem_of(key)})
        now = int(time.time())
        cases = [
            (make_jwt(key, alg="HS256"), "alg"),
            (make_jwt(key, sign_key=other), "signature"),
            (make_jwt(other), "no public key with fingerprint"),
            (make_jwt(key, account="OTHERORG-OTHER"), "account part"),
            (make_jwt(key, account="myorg-myaccount", iss="myorg-myaccount.ALICE." + emu_auth.fingerprint(key.public_key())),
             "account part"),
            (make_jwt(key, user="alice"), "unknown user"),
            (make_jwt(key, sub=""), "sub claim"),
            (make_jwt(key, sub=ACCOUNT + ".BOB"), "sub"),
            (make_jwt(key, iat=now - 4000, exp=now - 400), "expired"),
            (make_jwt(key, iat=now, exp=now + 3601), "lifetime"),
            (make_jwt(key, iat=now + 120, exp=now + 600), "future"),
        ]
        for tok, reason in cases:
            r = self.api("GET", "/api/v2/databases", auth=(tok, "KEYPAIR_JWT"), status=401)
            self.assertEqual(("390144", "JWT token is invalid."), (r.json["code"], r.json["message"]))
            self.assertIn(reason, self.log()[-1]["auth_error"])
        good = make_jwt(key, iat=now, exp=now + 600)
        self.api("GET", "/api/v2/databases", auth=(good, "KEYPAIR_JWT"), status=200)
        self.admin("POST", "/_emulator/clock-offset", {"seconds": 700})
        self.api("GET", "/api/v2/databases", auth=(good, "KEYPAIR_JWT"), status=401)
        self.assertIn("expired", self.log()[-1]["auth_error"])
        self.admin("POST", "/_emulator/clock-offset", {"seconds": 0})
        self.api("GET", "/api/v2/databases", auth=(good, "KEYPAIR_JWT"), status=200)

    def test_jwt_account_rules(self):
        self.assertEqual("MYORG-MYACCOUNT", emu_auth.jwt_account("myorg-myaccount"))
        self.assertEqual("XY12345", emu_auth.jwt_account("xy12345.us-east-2.aws"))
        self.assertEqual("MYORG", emu_auth.jwt_account("myorg-myaccount.global"))


class TestFaults(EmuTest):
    def test_status_fault_skip_times(self):
        self.fault(method="GET", path="/schemas$", action="status", status=503, skip=1, times=1)
        self.fault(path="^/api/v2/databases$", action="status", status=429, retry_after=2, times=-1)
        self.api("GET", S, status=200)
        r = self.api("GET", S, status=503)
        self.assertEqual("000503", r.json["code"])
        self.api("GET", S, status=200)
        self.api("POST", S, {"name": "Z"}, status=200)  # method filter
        for _ in range(2):
            r = self.api("GET", "/api/v2/databases", status=429)
            self.assertEqual("2", r.header("Retry-After"))
        self.assertEqual([200, 503, 200, 200, 429, 429], [e["status"] for e in self.log()])
        self.assertEqual([None, "status", None, None, "status", "status"], [e["fault"] for e in self.log()])
        self.admin("DELETE", "/_emulator/faults")
        self.api("GET", "/api/v2/databases", status=200)
        self.fault(action="status", status=401, code="390303", message="Token expired.")
        r = self.api("GET", "/api/v2/databases", status=401)
        self.assertEqual(("390303", "Token expired."), (r.json["code"], r.json["message"]))

    def test_rate_limit_token_bucket(self):
        # a bucket of 2 refilled at 1 a second on the emulator's clock: the
        # clock offset moves it, so nothing here depends on wall time
        self.admin("POST", "/_emulator/clock-offset", {"seconds": 0})
        self.fault(action="rate_limit", rate=1, burst=2, times=-1)
        self.fault(path="^/api/v2/databases$", action="status", status=503, times=-1)
        for _ in range(2):
            self.api("GET", S, status=200)
        r = self.api("GET", S, status=429)
        self.assertEqual("000429", r.json["code"])
        self.assertIsNone(r.header("Retry-After"))
        # a 429 is not the next rule's: the request did not get past the bucket
        self.api("GET", "/api/v2/databases", status=429)
        self.admin("POST", "/_emulator/clock-offset", {"seconds": 1.5})
        self.api("GET", S, status=200)
        self.api("GET", S, status=429)
        # a token let through goes on to the next rule
        self.admin("POST", "/_emulator/clock-offset", {"seconds": 10})
        self.api("GET", "/api/v2/databases", status=503)
        self.assertEqual([200, 200, 429, 429, 200, 429, 503], [e["status"] for e in self.log()])
        self.assertEqual([None, None, "rate_limit", "rate_limit", None, "rate_limit", "status"],
                         [e["fault"] for e in self.log()])
        # with Retry-After
        self.admin("DELETE", "/_emulator/faults")
        self.fault(action="rate_limit", rate=0.001, burst=1, retry_after=1, times=-1)
        self.api("GET", S, status=200)
        r = self.api("GET", S, status=429)
        self.assertEqual("1", r.header("Retry-After"))
        self.admin("POST", "/_emulator/clock-offset", {"seconds": 0})

    def test_bad_fault_rules(self):
        for rule in ({"action": "nope"}, {"action": "status"}, {"action": "status", "status": 999},
                     {"action": "latency", "ms": "x"}, {"action": "async", "bogus": 1},
                     {"action": "drop", "path": "("}, {"action": "drop", "times": -2},
                     {"action": "rate_limit"}, {"action": "rate_limit", "rate": 0},
                     {"action": "rate_limit", "rate": 5, "burst": 0}):
            self.admin("POST", "/_emulator/faults", rule, expect=400)
        self.assertEqual([], self.admin("GET", "/_emulator/faults"))

    def test_async_polling(self):
        self.fault(path="/schemas$", action="async", polls=2)
        r = self.api("POST", S, {"name": "ASYNC_ONE"}, status=202)
        self.assertEqual("392604", r.json["code"])
        loc = r.header("Location")
        self.assertEqual("/api/v2/results/" + r.json["resultHandler"], loc)
        self.api("GET", loc, status=202)
        self.api("GET", loc, status=202)
        final = self.api("GET", loc, status=200, op=SPEC.operation("schema:createSchema"))
        self.assertIn("status", final.json)
        self.assertIn("ASYNC_ONE", self.names(S))  # executed right away, even before the polls
        # an error result is delivered by the final poll with the poll's request id
        self.admin("DELETE", "/_emulator/faults")
        self.fault(path="NOPE", action="async", polls=0)
        r = self.api("GET", S + "/NOPE", status=202)
        err = self.api("GET", r.header("Location"), status=404, op=SPEC.operation("schema:fetchSchema"))
        self.assertEqual(err.header("X-Snowflake-Request-ID"), err.json["request_id"])
        self.fault(path="MARKETING", action="async", polls=-1)
        loc = self.api("GET", "/api/v2/databases/MARKETING", status=202).header("Location")
        for _ in range(3):
            self.api("GET", loc, status=202)

    def _follow(self, first, op):
        """Follow Link rel=next through /api/v2/results pages, validating rows."""
        rows, link = [], first
        while link:
            m = re.search(r'<([^>]+)>; rel="next"', link)
            if not m:
                break
            r = self.api("GET", m.group(1), status=200)
            self.assertEqual([], SPEC.validate_response(op, 200, r.json))
            rows += r.json
            link = r.header("Link")
            self.assertIn('rel="first"', link)
            self.assertIn('rel="prev"', link)
        return rows

    def test_large_result(self):
        expected = self.names(S)
        self.fault(path="/schemas$", action="large", page_size=3)
        r = self.api("GET", S, status=200, validate=False)
        h = r.json["result_handler"]
        self.assertEqual({"result_handler": h, "message": "Large result set. Use provided Link header."}, r.json)
        self.assertEqual('</api/v2/results/%s?page=0>; rel="first",</api/v2/results/%s?page=2>; rel="last"' % (h, h),
                         r.header("Link"))
        op = SPEC.operation("schema:listSchemas")
        p0 = self.api("GET", "/api/v2/results/%s?page=0" % h, status=200)
        self.assertEqual('</api/v2/results/%s?page=0>; rel="first",</api/v2/results/%s?page=1>; rel="next",'
                         '</api/v2/results/%s?page=2>; rel="last"' % (h, h, h), p0.header("Link"))
        rows = p0.json + self._follow(p0.header("Link"), op)
        self.assertEqual(expected, [x["name"] for x in rows])
        last = self.api("GET", "/api/v2/results/%s?page=2" % h, status=200)
        self.assertNotIn('rel="next"', last.header("Link"))
        self.api("GET", "/api/v2/results/%s?page=3" % h, status=400)
        # not a list: passes through unchanged
        self.fault(path="PUBLIC$", action="large")
        self.assertEqual("PUBLIC", self.get_json(S + "/PUBLIC")["name"])

    def test_link_pages(self):
        expected = self.names(S)
        self.fault(path="/schemas$", action="link_pages", page_size=5)
        r = self.api("GET", S, status=200)
        self.assertEqual(5, len(r.json))
        self.assertNotIn('rel="prev"', r.header("Link"))
        rows = r.json + self._follow(r.header("Link"), SPEC.operation("schema:listSchemas"))
        self.assertEqual(expected, [x["name"] for x in rows])

    def test_vanish(self):
        # a keyset page after the database was dropped: 404 002003, and it stays dropped
        self.fault(path="/schemas$", action="vanish", skip=1)
        self.api("GET", S + "?showLimit=3", status=200)
        r = self.api("GET", S + "?showLimit=3&fromName=MY", status=404)
        self.assertEqual(("002003", "Database 'SALES' does not exist or not authorized."),
                         (r.json["code"], r.json["message"]))
        self.assertNotIn("SALES", self.names("/api/v2/databases"))
        self.assertIn("SALES", self.names("/api/v2/databases?history=true"))
        # a results page whose handle went away
        self.admin("POST", "/_emulator/reset")
        self.fault(path="/schemas$", action="link_pages", page_size=3)
        self.fault(path="/results/", action="vanish", skip=1)
        r = self.api("GET", S, status=200)
        nxt = re.search(r'<([^>]+)>; rel="next"', r.header("Link")).group(1)
        self.api("GET", nxt, status=200)
        r = self.api("GET", nxt.replace("page=1", "page=2"), status=404)
        self.assertEqual("002003", r.json["code"])

    def test_query_filter(self):
        self.fault(path="/schemas$", query="fromName=", action="status", status=503, times=-1)
        self.api("GET", S + "?showLimit=3", status=200)
        self.api("GET", S + "?showLimit=3&fromName=MY", status=503)
        self.api("GET", S, status=200)
        self.assertEqual([1], [r["matched"] for r in self.admin("GET", "/_emulator/faults")])

    def test_latency(self):
        self.fault(action="latency", ms=300)
        t = time.time()
        self.api("GET", "/api/v2/databases", status=200)
        self.assertGreaterEqual(time.time() - t, 0.29)

    def test_gate_and_ticks(self):
        # a gated answer leaves only once the gate opens; the ticks order the
        # arrival, a mark taken meanwhile, and the answer
        self.fault(action="gate", name="g", seconds=20)
        done = []
        t = threading.Thread(target=lambda: done.append(self.api("GET", "/api/v2/databases").status))
        t.start()
        for _ in range(200):
            if self.log():
                break
            time.sleep(0.01)
        mark = self.admin("POST", "/_emulator/mark")["tick"]
        self.assertEqual([], done)
        [entry] = self.log()
        self.assertIsNone(entry["status"])
        self.assertIsNone(entry["answered"])
        self.admin("POST", "/_emulator/gates", {"name": "g"})
        t.join(10)
        self.assertEqual([200], done)
        [entry] = self.log()
        self.assertLess(entry["arrived"], mark)
        self.assertGreater(entry["answered"], mark)
        self.assertGreaterEqual(entry["answered_at"], entry["arrived_at"])
        self.assertLessEqual(entry["sending_at"], entry["answered_at"])
        self.assertGreaterEqual(entry["sending_at"], entry["arrived_at"])
        # an open gate lets later requests through; clearing the faults
        # forgets it, and a new gate of that name is closed again
        self.api("GET", "/api/v2/databases", status=200)
        self.admin("DELETE", "/_emulator/faults")
        self.fault(action="gate", name="g", seconds=0.2)
        t0 = time.time()
        self.api("GET", "/api/v2/databases", status=200)
        self.assertGreaterEqual(time.time() - t0, 0.19)
        self.admin("POST", "/_emulator/gates", {}, expect=400)

    def test_malformed(self):
        self.fault(action="malformed")
        r = self.api("GET", "/api/v2/databases", status=200, validate=False)
        self.assertEqual("application/json", r.header("Content-Type"))
        self.assertIsNone(r.json)
        self.assertTrue(r.raw.startswith(b'[{"name": "X",'))
        self.api("GET", "/api/v2/databases", status=200)  # keep-alive connection still usable

    def raw_exchange(self, path, timeout=5):
        """Send a GET on a fresh socket; return (bytes received, seconds until EOF)."""
        s = socket.create_connection(("127.0.0.1", PORT), timeout=timeout)
        self.addCleanup(s.close)
        s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                   "X-Snowflake-Authorization-Token-Type: %s\r\n\r\n" % (path, PAT[0], PAT[1])).encode())
        t, data = time.time(), b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return data, time.time() - t
            data += chunk

    @staticmethod
    def split(data):
        head, _, body = data.partition(b"\r\n\r\n")
        length = int(re.search(rb"Content-Length: (\d+)", head).group(1))
        return head, body, length

    def test_truncate_and_drop(self):
        full = self.api("GET", "/api/v2/databases", status=200).raw
        self.fault(action="truncate", extra=50)
        head, body, length = self.split(self.raw_exchange("/api/v2/databases")[0])
        self.assertEqual((full, len(full) + 50), (body, length))
        self.fault(action="drop")
        head, body, length = self.split(self.raw_exchange("/api/v2/databases")[0])
        self.assertEqual((len(full), full[:len(full) // 2]), (length, body))
        self.assertTrue(head.startswith(b"HTTP/1.1 200"))
        self.assertEqual(["truncate", "drop"], [e["fault"] for e in self.log()[1:]])

    def test_drip(self):
        self.fault(action="drip", bytes=40, interval_ms=50)
        t = time.time()
        r = self.api("GET", "/api/v2/databases/NOPE", status=404)
        self.assertGreaterEqual(time.time() - t, 0.05 * (len(r.raw) // 40))
        self.assertEqual("002003", r.json["code"])  # the body arrives intact

    def test_hang(self):
        self.fault(action="hang", seconds=1)
        data, secs = self.raw_exchange("/api/v2/databases", timeout=10)
        self.assertEqual(b"", data)
        self.assertGreaterEqual(secs, 0.9)
        self.assertEqual(0, self.log()[0]["status"])

    def test_wrong_types(self):
        self.fault(action="wrong_types", times=2)
        r = self.api("GET", S, status=200, validate=False)
        self.assertEqual((12345, 42, "yes"), (r.json[0]["created_on"], r.json[0]["name"], r.json[0]["managed_access"]))
        errors = SPEC.validate_response("schema:listSchemas", 200, r.json)
        self.assertTrue(any(e.startswith("0/created_on") for e in errors))
        self.assertTrue(any(e.startswith("0/managed_access") for e in errors))
        r = self.api("GET", ST + "/RAW/files", status=200, validate=False)
        self.assertEqual(1024, r.json[0]["size"])

    def test_then_alter(self):
        # the request is answered as before; the next one sees the change
        self.fault(method="GET", path="/schemas/PUBLIC$", action="then_alter",
                   set={"data_retention_time_in_days": 5, "comment": "altered meanwhile"})
        first = self.get_json(S + "/PUBLIC")
        self.assertEqual((1, "Default schema"), (first["data_retention_time_in_days"], first["comment"]))
        second = self.get_json(S + "/PUBLIC")  # still valid per the spec (get_json checks)
        self.assertEqual((5, 5, "altered meanwhile"),
                         (second["data_retention_time_in_days"], second["retention_time"], second["comment"]))
        self.assertEqual({k: v for k, v in first.items() if k not in ("data_retention_time_in_days",
                                                                      "retention_time", "comment")},
                         {k: v for k, v in second.items() if k not in ("data_retention_time_in_days",
                                                                       "retention_time", "comment")})
        self.assertEqual(["then_alter", None], [e["fault"] for e in self.log()])
        # with "schema": a schema below the request's database (here a listing)
        self.fault(method="GET", path="/schemas$", action="then_alter", schema="STAGING",
                   set={"log_level": "INFO"})
        self.assertEqual("OFF", [x for x in self.get_json(S) if x["name"] == "STAGING"][0]["log_level"])
        self.assertEqual("INFO", self.get_json(S + "/STAGING")["log_level"])
        # an answer that is an error changes nothing when there is no such schema
        self.fault(method="GET", path="/schemas/NOPE$", action="then_alter", set={"comment": "x"})
        self.api("GET", S + "/NOPE", status=404)
        self.api("GET", S + "/NOPE", status=404)

    def test_then_alter_refuses_what_no_alter_could_set(self):
        for settings in ({}, {"owner": "ME"}, {"name": "OTHER"}, {"retention_time": 3}, {"nope": 1},
                         {"data_retention_time_in_days": "5"}, {"managed_access": "yes"},
                         {"kind": "SOMETIMES"}):
            self.admin("POST", "/_emulator/faults", {"action": "then_alter", "set": settings}, expect=400)
        self.admin("POST", "/_emulator/faults", {"action": "then_alter"}, expect=400)
        self.admin("POST", "/_emulator/faults", {"action": "then_drop", "set": {"comment": "x"}}, expect=400)
        self.assertEqual([], self.admin("GET", "/_emulator/faults"))

    def test_then_drop(self):
        # the fetch answers 200; the schema is then dropped as DELETE drops it
        self.fault(method="GET", path="/schemas/STAGING$", action="then_drop")
        self.get_json(S + "/STAGING")
        r = self.api("GET", S + "/STAGING", status=404)
        self.assertEqual("002003", r.json["code"])
        dropped = [x for x in self.get_json(S + "?history=true") if x["name"] == "STAGING"]
        self.assertEqual(["2025-01-01T00:00:01.000+00:00"], [x["dropped_on"] for x in dropped])
        self.api("POST", S + "/STAGING:undrop", status=200)
        # a PUT is answered (it altered the schema), then the schema goes
        self.fault(method="PUT", action="then_drop")
        self.api("PUT", S + "/STAGING", {"name": "STAGING", "comment": "put"}, status=200)
        self.api("GET", S + "/STAGING", status=404)
        # with "schema", from a listing: the listing still shows it
        self.fault(method="GET", path="/schemas$", action="then_drop", schema="My Schema")
        self.assertIn("My Schema", self.names(S))
        self.assertNotIn("My Schema", self.names(S))

    def test_pad(self):
        self.fault(method="DELETE", action="pad", bytes=5000, ms=300)
        t = time.time()
        r = self.api("DELETE", S + "/PUBLIC", status=200)
        self.assertGreaterEqual(time.time() - t, 0.29)
        self.assertEqual(b" " * 5000, r.raw[-5000:])
        self.assertEqual({"status": "PUBLIC successfully dropped."}, r.json)
        self.assertNotIn("PUBLIC", self.names(S))  # executed
        self.admin("POST", "/_emulator/faults", {"action": "pad", "bytes": 0}, expect=400)

    def test_location_after_delay(self):
        self.fault(action="location", value="/not-api/x", ms=300)
        t = time.time()
        r = self.api("DELETE", S + "/PUBLIC", status=202)
        self.assertGreaterEqual(time.time() - t, 0.29)
        self.assertEqual("/not-api/x", r.header("Location"))
        self.assertIn("PUBLIC", self.names(S))  # not executed

    def test_hostile_location_and_link(self):
        for value in ("http://evil.example/api/v2/results/x", "//evil.example/x", "/not-api/x"):
            self.fault(action="location", value=value)
            r = self.api("GET", S, status=202)
            self.assertEqual(value, r.header("Location"))
        self.fault(action="link", value='<http://evil.example/api/v2/results/x?page=1>; rel="next"')
        r = self.api("GET", S, status=200)
        self.assertEqual(LIVE_SALES, [x["name"] for x in r.json])
        self.assertIn("evil.example", r.header("Link"))


class TestCli(EmuTest):
    def ctl(self, *args, env=None, check=True):
        e = dict(os.environ)
        e.pop("SNOWFDW_EMU_URL", None)
        e.update(env or {})
        p = subprocess.run([PY, os.path.join(HERE, "emuctl.py")] + list(args), capture_output=True, env=e,
                           timeout=30)
        if check:
            self.assertEqual(0, p.returncode, p.stderr)
        return p

    def test_emuctl(self):
        url = "http://127.0.0.1:%d" % PORT
        self.api("POST", S, raw_body=b'{"name": "X",\n\t"comment": "a\\\\b"}', status=200)
        self.api("GET", S + "?like=P%25", status=200)
        out = self.ctl("--url", url, "log", "--tsv").stdout.decode()
        lines = out.split("\n")
        self.assertEqual(3, len(lines))
        self.assertEqual(["1", "1", "POST", "/api/v2/databases/SALES/schemas", "", "200",
                          '{"name": "X",\\n\\t"comment": "a\\\\\\\\b"}'], lines[0].split("\t"))
        self.assertEqual(["2", "1", "GET", "/api/v2/databases/SALES/schemas", "like=P%25", "200", "\\N"],
                         lines[1].split("\t"))
        self.assertEqual("1\n", self.ctl("connections", env={"SNOWFDW_EMU_URL": url}).stdout.decode())
        self.assertEqual("1\n", self.ctl("connections", "--url", url).stdout.decode())  # option after subcommand
        log = json.loads(self.ctl("--url", url, "log").stdout)
        self.assertEqual(2, len(log))
        self.assertEqual(b"", self.ctl("--url", url, "clear-log").stdout)
        self.assertEqual("0\n", self.ctl("--url", url, "connections").stdout.decode())
        self.ctl("--url", url, "fault", '{"action": "status", "status": 500}')
        self.api("GET", S, status=500)
        self.ctl("--url", url, "clear-faults")
        self.api("GET", S, status=200)
        p = self.ctl("--url", url, "fault", '{"action": "boom"}', check=False)
        self.assertNotEqual(0, p.returncode)
        self.assertIn("unknown action", p.stderr.decode())
        self.ctl("--url", url, "add-token", "cli-tok", "OAUTH", "CAROL", "--role", "CLI_ROLE")
        self.api("POST", S, {"name": "BY_CLI"}, auth=("cli-tok", "OAUTH"), status=200)
        self.assertEqual("CLI_ROLE", self.get_json(S + "/BY_CLI")["owner"])
        key = make_key()
        with tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False) as fh:
            fh.write(pem_of(key))
        self.addCleanup(os.unlink, fh.name)
        self.ctl("--url", url, "add-user", "CAROL", fh.name)
        self.api("GET", S, auth=(make_jwt(key, user="CAROL"), "KEYPAIR_JWT"), status=200)
        self.ctl("--url", url, "clock-offset", "-7200")
        self.api("GET", S, auth=(make_jwt(key, user="CAROL"), "KEYPAIR_JWT"), status=401)  # iat in the future
        with tempfile.TemporaryDirectory() as d:
            pf = os.path.join(d, "port")
            with open(pf, "w") as f:
                f.write("%d\n" % PORT)
            fx = os.path.join(d, "fx.json")
            with open(fx, "w") as f:
                json.dump({"databases": [{"name": "CLI_DB"}], "tokens": [{"token": "x", "type": "OAUTH", "user": "U"}]}, f)
            self.ctl("--port-file", pf, "reset", fx)
            self.assertEqual(["CLI_DB"], self.names("/api/v2/databases", auth=("x", "OAUTH")))
            self.ctl("--port-file", pf, "reset")
        self.assertEqual(["EMPTY_DB", "MARKETING", "SALES"], self.names("/api/v2/databases"))
        p = self.ctl("connections", check=False)
        self.assertNotEqual(0, p.returncode)
        self.assertIn("no server", p.stderr.decode())
        p = self.ctl("--url", "http://127.0.0.1:1", "connections", check=False)
        self.assertNotEqual(0, p.returncode)

    @unittest.skipUnless(os.geteuid() == 0 and os.path.exists("/usr/sbin/runuser"), "needs root and runuser")
    def test_emuctl_as_postgres_user(self):
        import pwd
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            self.skipTest("no postgres user")
        p = subprocess.run(["/usr/sbin/runuser", "-u", "postgres", "--", PY, os.path.join(HERE, "emuctl.py"),
                            "--url", "http://127.0.0.1:%d" % PORT, "connections"],
                           capture_output=True, timeout=30, cwd="/tmp")
        self.assertEqual((0, b"0\n"), (p.returncode, p.stdout), p.stderr)

    def test_sigterm_exits_zero(self):
        with tempfile.TemporaryDirectory() as d:
            pf = os.path.join(d, "port")
            proc, port = start_emulator(pf)
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                c.request("GET", "/_emulator/health")
                self.assertEqual(200, c.getresponse().status)
                c.close()
                proc.send_signal(signal.SIGTERM)
                self.assertEqual(0, proc.wait(10))
                self.assertFalse(os.path.exists(pf))
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()


class TestTls(unittest.TestCase):
    """HTTPS listeners (--tls): same account, handshake counters per listener."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="snowemu-tls-")
        d = cls.tmp.name
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        with open(os.path.join(d, "san.ext"), "w") as fh:
            fh.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nauthorityKeyIdentifier=keyid\n")
        # a CA that strict verifiers accept too (Python 3.13 wants its key usage)
        ca_ext = ["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]
        for argv in (["req", "-x509"] + ec + ca_ext + ["-keyout", "ca.key", "-out", "ca.pem", "-days", "1", "-subj", "/CN=t"],
                     ["req"] + ec + ["-keyout", "s.key", "-out", "s.csr", "-subj", "/CN=localhost"],
                     ["x509", "-req", "-in", "s.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", "7",
                      "-days", "1", "-extfile", "san.ext", "-out", "s.pem"]):
            subprocess.run(["openssl"] + argv, cwd=d, check=True, capture_output=True)
        cls.proc = subprocess.Popen(
            [PY, os.path.join(HERE, "snowemu.py"), "--port-file", os.path.join(d, "port"), "--fixture", FIXTURE,
             "--quiet", "--tls", "secure", os.path.join(d, "s.pem"), os.path.join(d, "s.key")],
            stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        deadline = time.time() + 20
        while not os.path.exists(os.path.join(d, "port")) and time.time() < deadline:
            time.sleep(0.05)
        with open(os.path.join(d, "port")) as fh:
            cls.port = int(fh.read())

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        cls.proc.wait(10)
        cls.tmp.cleanup()

    def admin(self, method, path):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            c.request(method, path)
            return json.loads(c.getresponse().read())
        finally:
            c.close()

    def listener(self, name):
        return [x for x in self.admin("GET", "/_emulator/listeners") if x["name"] == name][0]

    def get(self, conn, path):
        conn.request("GET", path, headers={"Authorization": "Bearer " + PAT[0],
                                           "X-Snowflake-Authorization-Token-Type": PAT[1]})
        r = conn.getresponse()
        return r.status, json.loads(r.read())

    def test_listeners_and_handshakes(self):
        self.admin("DELETE", "/_emulator/log")
        self.assertEqual(["http", "secure"], [x["name"] for x in self.admin("GET", "/_emulator/listeners")])
        tls = self.listener("secure")
        self.assertEqual(("https", 0, 0, 0), (tls["scheme"], tls["connections"], tls["handshakes"], tls["failed"]))
        ctx = ssl.create_default_context(cafile=os.path.join(self.tmp.name, "ca.pem"))
        conn = http.client.HTTPSConnection("localhost", tls["port"], context=ctx, timeout=10)
        over_tls = [self.get(conn, "/api/v2/databases"), self.get(conn, "/api/v2/databases/SALES")]
        conn.close()
        plain = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        self.assertEqual([self.get(plain, "/api/v2/databases"), self.get(plain, "/api/v2/databases/SALES")],
                         over_tls)
        plain.close()
        self.assertEqual(200, over_tls[0][0])
        tls = self.listener("secure")
        self.assertEqual((1, 1, 0), (tls["connections"], tls["handshakes"], tls["failed"]))
        # a client that does not trust the certificate: a failed handshake, no request
        untrusting = http.client.HTTPSConnection("localhost", tls["port"], context=ssl.create_default_context(),
                                                 timeout=10)
        with self.assertRaises(ssl.SSLCertVerificationError):
            untrusting.request("GET", "/api/v2/databases")
        untrusting.close()
        for _ in range(50):
            tls = self.listener("secure")
            if tls["failed"]:
                break
            time.sleep(0.05)
        self.assertEqual((2, 1, 1), (tls["connections"], tls["handshakes"], tls["failed"]))
        self.assertIn("UNKNOWN_CA", tls["last_failure"])
        self.assertEqual(4, len(self.admin("GET", "/_emulator/log")))
        self.admin("DELETE", "/_emulator/log")
        tls = self.listener("secure")
        self.assertEqual((0, 0, 0), (tls["connections"], tls["handshakes"], tls["failed"]))


class TestSpecSchema(unittest.TestCase):
    """Unit tests of the OpenAPI -> JSON Schema conversion itself."""

    def test_read_only_and_write_only(self):
        errs = SPEC.validate_request_body("stage:createStage", {"name": "S", "created_on": "x", "owner": "R"})
        self.assertEqual(["created_on: readOnly property 'created_on' must not appear in a request",
                          "owner: readOnly property 'owner' must not appear in a request"], errs)
        errs = SPEC.validate_response("stage:fetchStage", 200, {"name": "S", "encryption": {"type": "NONE"}})
        self.assertEqual(["encryption: writeOnly property 'encryption' must not appear in a response"], errs)
        self.assertEqual([], SPEC.validate_request_body("stage:createStage", {"name": "S", "encryption": {"type": "NONE"}}))

    def test_nullable_formats_and_patterns(self):
        ok = {"name": "100%", "dropped_on": None, "created_on": "2025-01-01T00:00:01.000+00:00"}
        self.assertEqual([], SPEC.validate_response("schema:fetchSchema", 200, ok))
        errs = SPEC.validate_response("schema:fetchSchema", 200, dict(ok, created_on=None, is_default="false"))
        self.assertEqual(2, len(errs))
        self.assertEqual(["created_on: '2025-01-01' is not a 'date-time'"],
                         SPEC.validate_response("schema:fetchSchema", 200, dict(ok, created_on="2025-01-01")))
        self.assertEqual([], SPEC.validate_request_body("schema:createSchema", {"name": '"100%"'}))
        self.assertTrue(SPEC.validate_request_body("schema:createSchema", {"name": "100%"}))

    def test_discriminator(self):
        base = {"name": "X", "stream_source": {"src_type": "table", "name": "T"}}
        self.assertEqual([], SPEC.validate_request_body("stream:createStream", base))
        bad = {"name": "X", "stream_source": {"src_type": "table", "name": "T", "append_only": "yes"}}
        self.assertEqual(["stream_source/append_only: 'yes' is not of type 'boolean'"],
                         SPEC.validate_request_body("stream:createStream", bad))
        pot = {"name": "S", "point_of_time": {"point_of_time_type": "timestamp", "timestamp": 5}}
        self.assertEqual(["point_of_time/timestamp: 5 is not of type 'string'"],
                         SPEC.validate_request_body("schema:cloneSchema", pot))

    def test_query_and_ops(self):
        errs, unknown, vals = SPEC.validate_query("schema:listSchemas", [("showLimit", "5"), ("history", "TRUE"), ("x", "")])
        self.assertEqual(([], ["x"], {"showLimit": 5, "history": True}), (errs, unknown, vals))
        errs, _, _ = SPEC.validate_query("result:fetchResult", [("page", "-1")])
        self.assertEqual(["page: -1 is less than the minimum of 0"], errs)
        self.assertEqual("schema:cloneSchema", SPEC.match("POST", "/api/v2/databases/A/schemas/B:clone").key)
        self.assertEqual("stage:getPresignedUrl",
                         SPEC.match("POST", "/api/v2/databases/A/schemas/B/stages/C/files/d/e.csv:presigned-url").key)
        self.assertEqual(["status 418 not declared for database:listDatabases"],
                         SPEC.validate_response("database:listDatabases", 418, {}))

    def test_identifiers(self):
        self.assertEqual("MY_T", emu_ident.parse_identifier("my_t"))
        self.assertEqual('we"ird', emu_ident.parse_identifier('"we""ird"'))
        self.assertEqual('SALES."My Schema"', emu_ident.qualified("SALES", "My Schema"))
        self.assertEqual('"we""ird"', emu_ident.quote_name('we"ird'))
        for bad in ("", "a b", '"', '""', '"a"b"', "9a", "x" * 256):
            with self.assertRaises(emu_ident.IdentError):
                emu_ident.parse_identifier(bad)
        rx = emu_ident.like_regex("a\\_b%")
        self.assertTrue(rx.fullmatch("A_BCD"))
        self.assertFalse(rx.fullmatch("AXB"))


if __name__ == "__main__":
    unittest.main()
