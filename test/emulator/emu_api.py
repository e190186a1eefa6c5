"""The emulated Snowflake REST API v2: routing, request checking and operations.

``Api.execute`` turns one HTTP request into a ``Result`` (status, JSON body,
extra headers). Order of checks: authentication (401), route (404/405), query
parameters against the spec (400), request body against the spec (400), path
identifiers (400), then the operation itself (404 missing object, 409 conflict).
Everything the spec checker finds is recorded in the log entry's
``spec_violations`` so tests can assert the FDW sends conforming requests.
"""

import hashlib
import json
import re
import traceback
import urllib.parse

import emu_auth
import emu_faults
from emu_ident import IdentError, filter_names, parse_identifier, pattern_regex, qualified, quote_name
from emu_model import DEFAULT_ROLE, SCHEMA_WRITABLE, Schema, Stage, Stream

# Action suffixes of the last path segment ({name}:clone etc.); known to the spec.
KNOWN_ACTIONS = ("presigned-url", "unset-tags", "set-tags", "get-tags", "clone", "undrop",
                 "from-share", "from_share", "enable", "disable", "refresh", "primary")

# (shape, action) -> {method: operation key}; '*' marks a path parameter.
_DB = ("databases", "*")
_SC = _DB + ("schemas", "*")
ROUTES = {
    (("databases",), None): {"GET": "database:listDatabases"},
    (_DB, None): {"GET": "database:fetchDatabase"},
    (_DB + ("schemas",), None): {"GET": "schema:listSchemas", "POST": "schema:createSchema"},
    (_SC, None): {"GET": "schema:fetchSchema", "PUT": "schema:createOrAlterSchema", "DELETE": "schema:deleteSchema"},
    (_SC, "clone"): {"POST": "schema:cloneSchema"},
    (_SC, "undrop"): {"POST": "schema:undropSchema"},
    (_SC + ("stages",), None): {"GET": "stage:listStages", "POST": "stage:createStage"},
    (_SC + ("stages", "*"), None): {"GET": "stage:fetchStage", "DELETE": "stage:deleteStage"},
    (_SC + ("stages", "*", "files"), None): {"GET": "stage:listFiles"},
    (_SC + ("stages", "*", "files", "**"), "presigned-url"): {"POST": "stage:getPresignedUrl"},
    (_SC + ("streams",), None): {"GET": "stream:listStreams", "POST": "stream:createStream"},
    (_SC + ("streams", "*"), None): {"GET": "stream:fetchStream", "DELETE": "stream:deleteStream"},
    (_SC + ("streams", "*"), "clone"): {"POST": "stream:cloneStream"},
    (("results", "*"), None): {"GET": "result:fetchResult"},
}
_ARG_NAMES = {1: "database", 3: "schema", 5: "name"}

REQUEST_ID = "00000000-0000-4000-8000-%012d"
HANDLE = "01bc0000-0000-4000-8000-%012d"
PRESIGN_MIN, PRESIGN_MAX = 1, 604800  # GET_PRESIGNED_URL accepts up to 7 days


class ApiError(Exception):
    """An error answer: HTTP status plus Snowflake-like code and message."""

    def __init__(self, status, code, message, headers=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


class Result:
    """A computed answer. Error bodies get their request_id when sent, so a
    result replayed by a later poll carries the poll's own request id."""

    def __init__(self, status, body=None, headers=None, error=False):
        self.status = status
        self.body = body
        self.headers = dict(headers or {})
        self.error = error

    @classmethod
    def from_error(cls, e):
        return cls(e.status, {"message": e.message, "code": e.code, "error_code": e.code}, e.headers, error=True)


def token_fingerprint(authorization):
    """The first 16 hex digits of the SHA-256 of a bearer token, or None.

    Logged so that a test can tell which credential signed a request without
    the token itself ever reaching a log."""
    if not authorization:
        return None
    _, _, token = authorization.partition(" ")
    token = token.strip()
    return hashlib.sha256(token.encode("utf-8")).hexdigest()[:16] if token else None


def not_found(kind, *names):
    return ApiError(404, "002003", "%s '%s' does not exist or not authorized." % (kind, qualified(*names)))


def already_exists(*names):
    return ApiError(409, "002002", "Object '%s' already exists." % qualified(*names))


def bad_request(message):
    return ApiError(400, "001003", message)


def ok(status):
    return Result(200, {"status": status})


class Ctx:
    """Everything an operation handler needs about the current request."""

    def __init__(self, api, op_key, args, q, body, role):
        self.api = api
        self.state = api.state
        self.op_key = op_key
        self.args = args
        self.q = q
        self.body = body
        self.role = role

    def ident(self, raw, what):
        """Resolve a path or body identifier, 400 when invalid."""
        try:
            return parse_identifier(raw)
        except IdentError as e:
            raise bad_request("Invalid identifier for %s: %s" % (what, e))

    def tick(self):
        return self.state.clock.tick()


class Api:
    """Request checking and dispatch for /api/v2; holds the result-handle store."""

    def __init__(self, state, spec):
        self.state = state
        self.spec = spec
        self.results = {}
        self.handle_seq = 0

    def new_handle(self):
        self.handle_seq += 1
        return HANDLE % self.handle_seq

    def vanish(self, raw_path):
        """Fault 'vanish': before the request runs, drop what it is scoped under: the
        database of a path below /databases/<db>/, or the handle of /results/<h>.
        The request then gets the answer it would get after a real drop (404 002003)."""
        if not raw_path.startswith("/api/v2/"):
            return
        segs = [urllib.parse.unquote(s) for s in raw_path[len("/api/v2/"):].split("/")]
        if len(segs) == 2 and segs[0] == "results":
            self.results.pop(segs[1], None)
        elif len(segs) >= 3 and segs[0] == "databases":
            try:
                name = parse_identifier(segs[1])
            except IdentError:
                return
            db = self.state.databases.pop(name, None)
            if db is not None:
                db.dropped_on = self.state.clock.tick()  # a drop advances the clock
                self.state.dropped_databases.append(db)

    # ------------------------------------------------------------ routing
    def route(self, method, raw_path):
        """Return (operation key, args) or raise ApiError 400/404/405."""
        if not raw_path.startswith("/api/v2/"):
            raise ApiError(404, "000404", "Unknown API endpoint %s." % raw_path)
        raw_segs = raw_path[len("/api/v2/"):].split("/")
        try:
            segs = [urllib.parse.unquote(s, errors="strict") for s in raw_segs]
        except UnicodeDecodeError:
            raise bad_request("Path is not valid UTF-8 after percent-decoding.")
        action = None
        for a in KNOWN_ACTIONS:
            if segs[-1].endswith(":" + a) and len(segs[-1]) > len(a) + 1:
                action, segs[-1] = a, segs[-1][:-len(a) - 1]
                break
        shape, args = self._shape(segs)
        methods = ROUTES.get((shape, action)) if shape else None
        if methods is None:
            if self.spec.path_methods(raw_path) or action:
                raise ApiError(404, "000404", "Endpoint %s %s is not supported by the emulator." % (method, raw_path))
            raise ApiError(404, "000404", "Unknown API endpoint %s." % raw_path)
        if method not in methods:
            if method in self.spec.path_methods(raw_path):
                raise ApiError(404, "000404", "Endpoint %s %s is not supported by the emulator." % (method, raw_path))
            raise ApiError(405, "000405", "Method %s is not allowed for %s; allowed: %s." % (
                method, raw_path, ", ".join(sorted(methods))), {"Allow": ", ".join(sorted(methods))})
        return methods[method], args

    @staticmethod
    def _shape(segs):
        """Map decoded segments to a ROUTES shape and the raw argument strings."""
        if len(segs) == 2 and segs[0] == "results":
            return ("results", "*"), {"handle": segs[1]}
        if not segs or segs[0] != "databases" or any(s == "" for s in segs):
            return None, {}
        # Literal segment expected at each even position after 'databases'.
        literals = {2: ("schemas",), 4: ("stages", "streams"), 6: ("files",)}
        shape, args = ["databases"], {}
        for i, s in enumerate(segs[1:], start=1):
            if i in _ARG_NAMES:
                shape.append("*")
                args[_ARG_NAMES[i]] = s
            elif i in literals and s in literals[i] and not (i == 6 and segs[4] != "stages"):
                shape.append(s)
            elif i == 7 and shape[-1] == "files":
                # filePath may span segments: raw '/' and %2F both work.
                shape.append("**")
                args["file_path"] = "/".join(segs[7:])
                break
            else:
                return None, {}
        return tuple(shape), args

    # ------------------------------------------------------------ execute
    def execute(self, method, raw_path, query, headers, body_bytes, entry, now):
        """Run one API request; returns a Result (never raises)."""
        try:
            return self._execute(method, raw_path, query, headers, body_bytes, entry, now)
        except ApiError as e:
            return Result.from_error(e)
        except Exception as e:  # an emulator bug: answer 500 rather than drop the connection
            traceback.print_exc()
            entry["emulator_error"] = "%s: %s" % (type(e).__name__, e)
            return Result.from_error(ApiError(500, "000500", "Emulator internal error: %s" % e))

    def _execute(self, method, raw_path, query, headers, body_bytes, entry, now):
        entry["token_type"] = headers.get("X-Snowflake-Authorization-Token-Type")
        entry["token_sha256"] = token_fingerprint(headers.get("Authorization"))
        try:
            _, user, role = emu_auth.authenticate(headers, self.state, now)
        except emu_auth.AuthError as e:
            entry["auth_error"] = e.reason
            raise ApiError(401, e.code, e.message)
        op_key, args = self.route(method, raw_path)
        entry["operation"] = op_key
        op = self.spec.operation(op_key)
        try:
            params = urllib.parse.parse_qsl(query, keep_blank_values=True, errors="strict")
        except (UnicodeDecodeError, ValueError):
            raise bad_request("Query string is not valid UTF-8 after percent-decoding.")
        errors, unknown, q = self.spec.validate_query(op, params)
        entry["unknown_params"] = unknown
        viol = entry["spec_violations"]
        viol.extend("query " + e for e in errors)
        if errors:
            raise bad_request("Invalid query parameter: %s" % "; ".join(errors))
        body, present = None, bool(body_bytes)
        if present:
            ctype = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if ctype and ctype != "application/json":
                viol.append("header Content-Type: %r is not application/json" % ctype)
            try:
                body = json.loads(body_bytes.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as e:
                viol.append("body: invalid JSON (%s)" % e)
                raise bad_request("Request body is not valid JSON: %s" % e)
        body_errors = self.spec.validate_request_body(op, body, present)
        viol.extend("body " + e for e in body_errors)
        # A body sent to an operation without requestBody is only recorded
        # (Snowflake ignores it); a body breaking a declared schema is a 400.
        if body_errors and self.spec.request_body_info(op) is not None:
            raise bad_request("Invalid request body: %s" % "; ".join(body_errors))
        role = self._role(headers, role)
        ctx = Ctx(self, op_key, args, q, body, role)
        return HANDLERS[op_key](ctx)

    @staticmethod
    def _role(headers, default):
        """Owner for new objects: X-Snowflake-Role (quoted or not), else the
        principal's role, else PUBLIC."""
        r = headers.get("X-Snowflake-Role")
        if r:
            try:
                return parse_identifier(r.strip())
            except IdentError:
                return r.strip()
        return default or DEFAULT_ROLE


# ================================================================ lookups
def _db(ctx, raw=None):
    name = ctx.ident(raw if raw is not None else ctx.args["database"], "database")
    db = ctx.state.databases.get(name)
    if db is None:
        raise not_found("Database", name)
    return db


def _schema(ctx, db=None, raw=None):
    db = db or _db(ctx)
    name = ctx.ident(raw if raw is not None else ctx.args["schema"], "schema")
    sc = db.schemas.get(name)
    if sc is None:
        raise not_found("Schema", db.name, name)
    return db, sc


def _stage(ctx):
    db, sc = _schema(ctx)
    name = ctx.ident(ctx.args["name"], "stage")
    st = sc.stages.get(name)
    if st is None:
        raise not_found("Stage", db.name, sc.name, name)
    return db, sc, st


def _stream(ctx):
    db, sc = _schema(ctx)
    name = ctx.ident(ctx.args["name"], "stream")
    sm = sc.streams.get(name)
    if sm is None:
        raise not_found("Stream", db.name, sc.name, name)
    return db, sc, sm


def _create_decision(ctx, exists, names):
    """createMode semantics: 'create', 'replace' or 'noop' (or 409)."""
    mode = ctx.q.get("createMode", "errorIfExists")
    if not exists:
        return "create"
    if mode == "errorIfExists":
        raise already_exists(*names)
    return "replace" if mode == "orReplace" else "noop"


def _list_args(ctx):
    return dict(like=ctx.q.get("like"), starts_with=ctx.q.get("startsWith"),
                from_name=ctx.q.get("fromName"), show_limit=ctx.q.get("showLimit"))


# ================================================================ databases
def list_databases(ctx):
    dbs = filter_names(ctx.state.all_databases(ctx.q.get("history", False)), lambda d: d.name, **_list_args(ctx))
    return Result(200, [d.to_json() for d in dbs])


def fetch_database(ctx):
    return Result(200, _db(ctx).to_json())


# ================================================================ schemas
def _schema_props(body):
    return {k: body[k] for k in SCHEMA_WRITABLE if k in body}


def list_schemas(ctx):
    db = _db(ctx)
    items = filter_names(db.all_schemas(ctx.q.get("history", False)), lambda s: s.name, **_list_args(ctx))
    return Result(200, [s.to_json(db.name) for s in items])


def create_schema(ctx):
    db = _db(ctx)
    name = ctx.ident(ctx.body["name"], "schema name")
    decision = _create_decision(ctx, name in db.schemas, (db.name, name))
    if decision == "noop":
        return ok("%s already exists, statement succeeded." % quote_name(name))
    db.schemas[name] = Schema(name, ctx.tick(), ctx.role, _schema_props(ctx.body))
    return ok("Schema %s successfully created." % quote_name(name))


def fetch_schema(ctx):
    db, sc = _schema(ctx)
    return Result(200, sc.to_json(db.name))


def create_or_alter_schema(ctx):
    db = _db(ctx)
    name = ctx.ident(ctx.args["schema"], "schema")
    body_name = ctx.ident(ctx.body["name"], "schema name")
    if body_name != name:
        raise bad_request("Schema name in the body (%s) does not match the path (%s)." % (
            quote_name(body_name), quote_name(name)))
    sc = db.schemas.get(name)
    if sc is None:
        db.schemas[name] = Schema(name, ctx.tick(), ctx.role, _schema_props(ctx.body))
        return ok("Schema %s successfully created." % quote_name(name))
    # Full-definition semantics: omitted fields go back to their defaults.
    sc.props = Schema(name, None, None, _schema_props(ctx.body)).props
    return ok("Statement executed successfully.")


def delete_schema(ctx):
    db = _db(ctx)
    name = ctx.ident(ctx.args["schema"], "schema")
    sc = db.schemas.get(name)
    if sc is None:
        if ctx.q.get("ifExists", False):
            return ok("Drop statement executed successfully (%s already dropped)." % quote_name(name))
        raise not_found("Schema", db.name, name)
    # restrict=true would refuse on foreign keys; the emulator models none.
    del db.schemas[name]
    sc.dropped_on = ctx.tick()
    db.dropped_schemas.append(sc)  # keeps its stages and streams for undrop
    return ok("%s successfully dropped." % quote_name(name))


def undrop_schema(ctx):
    db = _db(ctx)
    name = ctx.ident(ctx.args["schema"], "schema")
    if name in db.schemas:
        raise already_exists(db.name, name)
    dropped = [s for s in db.dropped_schemas if s.name == name]
    if not dropped:
        raise not_found("Dropped schema", db.name, name)
    sc = max(dropped, key=lambda s: s.dropped_on)
    db.dropped_schemas.remove(sc)
    sc.dropped_on = None
    db.schemas[name] = sc
    return ok("Schema %s successfully restored." % quote_name(name))


def clone_schema(ctx):
    src_db, src = _schema(ctx)
    tgt_db = _db(ctx, ctx.q["targetDatabase"]) if "targetDatabase" in ctx.q else src_db
    name = ctx.ident(ctx.body["name"], "schema name")
    decision = _create_decision(ctx, name in tgt_db.schemas, (tgt_db.name, name))
    if decision == "noop":
        return ok("%s already exists, statement succeeded." % quote_name(name))
    # point_of_time (validated by the spec) selects a time-travel version; the
    # emulator keeps no history, so it clones the current state.
    ts = ctx.tick()
    sc = Schema(name, ts, ctx.role, _schema_props(ctx.body))
    for st in src.stages.values():
        sc.stages[st.name] = Stage(st.name, ts, ctx.role, json.loads(json.dumps(st.props)),
                                   [dict(f) for f in st.files])
    for sm in src.streams.values():
        source = dict(sm.source)
        if (source["database_name"], source["schema_name"]) == (src_db.name, src.name):
            source["database_name"], source["schema_name"] = tgt_db.name, name
        sc.streams[sm.name] = Stream(sm.name, ts, ctx.role, source, sm.comment)
    tgt_db.schemas[name] = sc
    return ok("Schema %s successfully created." % quote_name(name))


# ================================================================ stages
def list_stages(ctx):
    _, sc = _schema(ctx)
    items = filter_names(sorted(sc.stages.values(), key=lambda s: s.name), lambda s: s.name, like=ctx.q.get("like"))
    return Result(200, [s.to_json() for s in items])


def create_stage(ctx):
    db, sc = _schema(ctx)
    b = ctx.body
    name = ctx.ident(b["name"], "stage name")
    decision = _create_decision(ctx, name in sc.stages, (db.name, sc.name, name))
    if decision == "noop":
        return ok("%s already exists, statement succeeded." % quote_name(name))
    props = {k: json.loads(json.dumps(b[k])) for k in (
        "kind", "url", "endpoint", "comment", "credentials", "encryption", "directory_table") if k in b}
    if "storage_integration" in b:
        props["storage_integration"] = ctx.ident(b["storage_integration"], "storage_integration")
    sc.stages[name] = Stage(name, ctx.tick(), ctx.role, props)
    return ok("Stage area %s successfully created." % quote_name(name))


def fetch_stage(ctx):
    return Result(200, _stage(ctx)[2].to_json())


def delete_stage(ctx):
    db, sc = _schema(ctx)
    name = ctx.ident(ctx.args["name"], "stage")
    if name not in sc.stages:
        if ctx.q.get("ifExists", False):
            return ok("Drop statement executed successfully (%s already dropped)." % quote_name(name))
        raise not_found("Stage", db.name, sc.name, name)
    del sc.stages[name]
    ctx.tick()
    return ok("%s successfully dropped." % quote_name(name))


def list_files(ctx):
    _, _, st = _stage(ctx)
    pattern = ctx.q.get("pattern")
    rx = None
    if pattern is not None:
        try:
            rx = pattern_regex(pattern)
        except re.error as e:
            raise bad_request("Invalid regular expression in pattern: %s." % e)
    # LIST @stage PATTERN matches the whole path (full match).
    return Result(200, [dict(f) for f in st.files if rx is None or rx.fullmatch(f["name"])])


def presigned_url(ctx):
    db, sc, st = _stage(ctx)
    path = ctx.args["file_path"]
    if not path:
        raise bad_request("File path is empty.")
    enc = st.encryption_type
    if (st.props.get("url") or "") or enc != "SNOWFLAKE_SSE":
        raise bad_request("Presigned URLs only work for internal stages with server-side encryption "
                          "(SNOWFLAKE_SSE); stage %s uses %s." % (qualified(db.name, sc.name, st.name), enc))
    exp = 3600
    if isinstance(ctx.body, dict) and "expiration_time" in ctx.body:
        exp = ctx.body["expiration_time"]
        if not PRESIGN_MIN <= exp <= PRESIGN_MAX:
            raise bad_request("expiration_time must be between %d and %d seconds." % (PRESIGN_MIN, PRESIGN_MAX))
    # The full stage path as listed, or the path relative to the stage.
    names = {f["name"] for f in st.files}
    full = path if path in names else st.name.lower() + "/" + path
    if full not in names:
        raise ApiError(404, "002003", "File '%s' does not exist on stage %s or not authorized." % (
            path, qualified(db.name, sc.name, st.name)))
    sig = hashlib.sha256(("%s|%s|%s|%s|%s|%d" % (ctx.state.account, db.name, sc.name, st.name, full, exp)).encode()).hexdigest()
    q = urllib.parse.quote
    url = "https://sfc-emu-stage.invalid/%s/%s/%s/%s/%s?X-Amz-Expires=%d&X-Amz-Signature=%s" % (
        q(ctx.state.account.lower(), safe=""), q(db.name, safe=""), q(sc.name, safe=""),
        q(st.name, safe=""), q(full), exp, sig)
    return Result(200, {"presigned_url": url})


# ================================================================ streams
def _stream_source(ctx, db, sc, src):
    out = {"src_type": src["src_type"], "name": ctx.ident(src["name"], "stream_source.name")}
    out["database_name"] = ctx.ident(src["database_name"], "stream_source.database_name") if "database_name" in src else db.name
    out["schema_name"] = ctx.ident(src["schema_name"], "stream_source.schema_name") if "schema_name" in src else sc.name
    for k in ("append_only", "show_initial_rows", "insert_only"):
        if k in src:
            out[k] = src[k]
    return out


def list_streams(ctx):
    db, sc = _schema(ctx)
    items = filter_names(sorted(sc.streams.values(), key=lambda s: s.name), lambda s: s.name, **_list_args(ctx))
    return Result(200, [s.to_json(db.name, sc.name) for s in items])


def create_stream(ctx):
    db, sc = _schema(ctx)
    b = ctx.body
    name = ctx.ident(b["name"], "stream name")
    source = _stream_source(ctx, db, sc, b["stream_source"])
    decision = _create_decision(ctx, name in sc.streams, (db.name, sc.name, name))
    if decision == "noop":
        return ok("%s already exists, statement succeeded." % quote_name(name))
    sc.streams[name] = Stream(name, ctx.tick(), ctx.role, source, b.get("comment"))
    return ok("Stream %s successfully created." % quote_name(name))


def fetch_stream(ctx):
    db, sc, sm = _stream(ctx)
    return Result(200, sm.to_json(db.name, sc.name))


def delete_stream(ctx):
    db, sc = _schema(ctx)
    name = ctx.ident(ctx.args["name"], "stream")
    if name not in sc.streams:
        if ctx.q.get("ifExists", False):
            return ok("Drop statement executed successfully (%s already dropped)." % quote_name(name))
        raise not_found("Stream", db.name, sc.name, name)
    del sc.streams[name]
    ctx.tick()
    return ok("%s successfully dropped." % quote_name(name))


def clone_stream(ctx):
    _, _, src = _stream(ctx)
    tdb = _db(ctx, ctx.q["targetDatabase"])
    _, tsc = _schema(ctx, tdb, ctx.q["targetSchema"])
    name = ctx.ident(ctx.body["name"], "stream name")
    decision = _create_decision(ctx, name in tsc.streams, (tdb.name, tsc.name, name))
    if decision == "noop":
        return ok("%s already exists, statement succeeded." % quote_name(name))
    comment = ctx.body.get("comment", src.comment)
    tsc.streams[name] = Stream(name, ctx.tick(), ctx.role, dict(src.source), comment)
    return ok("Stream %s successfully created." % quote_name(name))


# ================================================================ results
def accepted(handle):
    """The 202 answer pointing at /api/v2/results/<handle>."""
    return Result(202, {"code": "392604", "message": emu_faults.ACCEPTED_MESSAGE, "resultHandler": handle},
                  {"Location": "/api/v2/results/%s" % handle})


def fetch_result(ctx):
    h = ctx.args["handle"]
    e = ctx.api.results.get(h)
    if e is None:
        raise ApiError(404, "002003", "Result handler '%s' does not exist or not authorized." % h)
    if e["kind"] == "async":
        if e["remaining"] != 0:
            if e["remaining"] > 0:
                e["remaining"] -= 1
            return accepted(h)
        r = e["result"]
        return Result(r.status, r.body, r.headers, r.error)
    pages = e["pages"]
    page = ctx.q.get("page", 0)
    if page >= len(pages):
        raise bad_request("page %d is out of range (0..%d)." % (page, len(pages) - 1))
    return Result(200, pages[page], {"Link": emu_faults.link_header(h, page, len(pages) - 1)})


HANDLERS = {
    "database:listDatabases": list_databases,
    "database:fetchDatabase": fetch_database,
    "schema:listSchemas": list_schemas,
    "schema:createSchema": create_schema,
    "schema:fetchSchema": fetch_schema,
    "schema:createOrAlterSchema": create_or_alter_schema,
    "schema:deleteSchema": delete_schema,
    "schema:undropSchema": undrop_schema,
    "schema:cloneSchema": clone_schema,
    "stage:listStages": list_stages,
    "stage:createStage": create_stage,
    "stage:fetchStage": fetch_stage,
    "stage:deleteStage": delete_stage,
    "stage:listFiles": list_files,
    "stage:getPresignedUrl": presigned_url,
    "stream:listStreams": list_streams,
    "stream:createStream": create_stream,
    "stream:fetchStream": fetch_stream,
    "stream:deleteStream": delete_stream,
    "stream:cloneStream": clone_stream,
    "result:fetchResult": fetch_result,
}
