"""In-memory account model of the emulator: logical clock, fixture loading and the
JSON renderings of databases, schemas, stages, stage files and streams.

All names held here are *stored* names (already resolved from identifiers).
Every server-set timestamp comes from the logical clock so that output is
deterministic: each create/clone/drop advances it by one second.
"""

import copy
import datetime
import email.utils
import hashlib

DEFAULT_CLOCK = "2025-01-01T00:00:00Z"
DEFAULT_ROLE = "PUBLIC"

# Defaults for the writable Schema/Database settings. PUT (createOrAlterSchema)
# resets every omitted field to these values ("full definition" semantics).
SCHEMA_DEFAULTS = {
    "kind": "PERMANENT",
    "managed_access": False,
    "data_retention_time_in_days": 1,
    "default_ddl_collation": "",
    "log_level": "OFF",
    "pipe_execution_paused": False,
    "max_data_extension_time_in_days": 14,
    "suspend_task_after_num_failures": 10,
    "trace_level": "OFF",
    "user_task_managed_initial_warehouse_size": "Medium",
    "user_task_timeout_ms": 3600000,
    "serverless_task_min_statement_size": "XSMALL",
    "serverless_task_max_statement_size": "X2LARGE",
}
DATABASE_DEFAULTS = {k: v for k, v in SCHEMA_DEFAULTS.items() if k not in ("managed_access", "pipe_execution_paused")}
SCHEMA_WRITABLE = set(SCHEMA_DEFAULTS) | {"comment"}
DATABASE_WRITABLE = set(DATABASE_DEFAULTS) | {"comment"}


class FixtureError(ValueError):
    """The fixture JSON is malformed."""


# ---------------------------------------------------------------- time helpers
def parse_ts(text):
    """Parse an RFC 3339 timestamp (Z or offset) to an aware UTC datetime."""
    if not isinstance(text, str):
        raise FixtureError("timestamp must be a string: %r" % (text,))
    try:
        dt = datetime.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise FixtureError("bad timestamp %r" % text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=datetime.timezone.utc)
    return dt.astimezone(datetime.timezone.utc)


def fmt_ts(dt):
    """Render a datetime as 2025-01-01T00:00:01.000+00:00 (spec format date-time)."""
    if dt is None:
        return None
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d" % (dt.microsecond // 1000) + "+00:00"


class Clock:
    """Logical clock: only moves when an object is created, cloned or dropped."""

    def __init__(self, start):
        self.now = start

    def tick(self):
        """Advance one second and return the new time."""
        self.now += datetime.timedelta(seconds=1)
        return self.now


# ---------------------------------------------------------------- model classes
class Stage:
    """A stage with its files. credentials/encryption are writeOnly: kept, never rendered."""

    def __init__(self, name, created_on, owner, props=None, files=None):
        self.name = name
        self.created_on = created_on
        self.owner = owner
        self.props = props or {}
        self.files = files or []  # list of dicts name/size/md5/last_modified

    @property
    def encryption_type(self):
        enc = self.props.get("encryption") or {}
        return enc.get("type", "SNOWFLAKE_FULL")

    def to_json(self):
        """Stage as returned by fetch/list (spec Stage, readOnly fields filled)."""
        p = self.props
        url = p.get("url") or ""
        out = {"name": self.name, "kind": p.get("kind", "PERMANENT"), "url": url}
        if p.get("endpoint"):
            out["endpoint"] = p["endpoint"]
        if p.get("storage_integration"):
            out["storage_integration"] = p["storage_integration"]
        if p.get("comment") is not None:
            out["comment"] = p["comment"]
        dt = p.get("directory_table") or {}
        dto = {
            "enable": bool(dt.get("enable", False)),
            "refresh_on_create": bool(dt.get("refresh_on_create", True)),
            "auto_refresh": bool(dt.get("auto_refresh", False)),
        }
        if dt.get("notification_integration"):
            dto["notification_integration"] = dt["notification_integration"]
        out["directory_table"] = dto
        out["created_on"] = fmt_ts(self.created_on)
        # Internal stages never have credentials or an encryption key (spec text).
        out["has_credentials"] = bool(url and p.get("credentials"))
        out["has_encryption_key"] = bool(url and (p.get("encryption") or {}).get("master_key"))
        out["owner"] = self.owner
        out["owner_role_type"] = "ROLE"
        # region/cloud are NULL for internal stages, but the spec does not declare
        # them nullable: omit them instead of sending null.
        if p.get("region"):
            out["region"] = p["region"]
        if p.get("cloud"):
            out["cloud"] = p["cloud"]
        return out


class Stream:
    """A stream; ``source`` holds stored names with database/schema filled in."""

    def __init__(self, name, created_on, owner, source, comment=None):
        self.name = name
        self.created_on = created_on
        self.owner = owner
        self.source = source
        self.comment = comment

    def mode(self):
        s = self.source
        if s.get("src_type") == "external_table":
            return "INSERT_ONLY" if s.get("insert_only") else "DEFAULT"
        return "APPEND_ONLY" if s.get("append_only") else "DEFAULT"

    def to_json(self, db, schema):
        """Stream as returned by fetch/list (spec Stream, readOnly fields filled)."""
        s = self.source
        src = {"src_type": s["src_type"], "name": s["name"],
               "database_name": s["database_name"], "schema_name": s["schema_name"]}
        if s["src_type"] in ("table", "view"):
            src["append_only"] = bool(s.get("append_only", False))
            src["show_initial_rows"] = bool(s.get("show_initial_rows", False))
        if s["src_type"] == "external_table":
            src["insert_only"] = bool(s.get("insert_only", False))
        if s["src_type"] == "view":
            src["base_tables"] = list(s.get("base_tables", []))
        out = {"created_on": fmt_ts(self.created_on), "name": self.name, "stream_source": src}
        if self.comment is not None:
            out["comment"] = self.comment
        out.update({
            "database_name": db,
            "schema_name": schema,
            "owner": self.owner,
            "table_name": "%s.%s.%s" % (s["database_name"], s["schema_name"], s["name"]),
            "stale": False,
            "mode": self.mode(),
            "stale_after": fmt_ts(self.created_on + datetime.timedelta(days=14)),
            "invalid_reason": "N/A",
            "owner_role_type": "ROLE",
            "type": "DELTA",
        })
        return out


class Schema:
    """A schema (live or dropped) with its stages and streams."""

    def __init__(self, name, created_on, owner, props=None, dropped_on=None):
        self.name = name
        self.created_on = created_on
        self.owner = owner
        self.props = dict(SCHEMA_DEFAULTS)
        self.props.update(props or {})
        self.dropped_on = dropped_on
        self.stages = {}
        self.streams = {}

    def to_json(self, db):
        p = self.props
        opts = []
        if p["kind"] == "TRANSIENT":
            opts.append("TRANSIENT")
        if p["managed_access"]:
            opts.append("MANAGED ACCESS")
        out = {
            "created_on": fmt_ts(self.created_on),
            "name": self.name,
            "kind": p["kind"],
            "is_default": False,
            "is_current": False,
            "database_name": db,
            "owner": self.owner,
        }
        if p.get("comment") is not None:
            out["comment"] = p["comment"]
        out.update({
            "options": ", ".join(opts),
            "managed_access": p["managed_access"],
            "retention_time": p["data_retention_time_in_days"],
            "dropped_on": fmt_ts(self.dropped_on),
            "owner_role_type": "ROLE",
        })
        for k in SCHEMA_DEFAULTS:
            if k not in ("kind", "managed_access"):
                out[k] = p[k]
        return out


class Database:
    """A database with live schemas (by name) and a list of dropped schemas."""

    def __init__(self, name, created_on, owner, props=None, dropped_on=None):
        self.name = name
        self.created_on = created_on
        self.owner = owner
        self.props = dict(DATABASE_DEFAULTS)
        self.props.update(props or {})
        self.dropped_on = dropped_on
        self.schemas = {}
        self.dropped_schemas = []  # in drop order; undrop takes the last of a name

    def all_schemas(self, history):
        """Schemas sorted by name; dropped ones (history) after a live one of the same name."""
        items = list(self.schemas.values())
        if history:
            items += self.dropped_schemas
        return sorted(items, key=lambda s: (s.name, s.dropped_on is not None, s.dropped_on or 0))

    def to_json(self):
        p = self.props
        out = {
            "created_on": fmt_ts(self.created_on),
            "name": self.name,
            "kind": p["kind"],
            "is_default": False,
            "is_current": False,
            "origin": "",
            "owner": self.owner,
        }
        if p.get("comment") is not None:
            out["comment"] = p["comment"]
        out.update({
            "options": "TRANSIENT" if p["kind"] == "TRANSIENT" else "",
            "retention_time": p["data_retention_time_in_days"],
            "dropped_on": fmt_ts(self.dropped_on),
            "owner_role_type": "ROLE",
        })
        for k in DATABASE_DEFAULTS:
            if k != "kind":
                out[k] = p[k]
        return out


class State:
    """The whole emulated account: clock, credentials and databases."""

    def __init__(self, account, clock):
        self.account = account
        self.clock = clock
        self.tokens = {}   # token -> {"type", "user", "role"}
        self.users = {}    # NAME -> {"role", "public_keys": [pem, ...]}
        self.databases = {}          # live, by name
        self.dropped_databases = []  # dropped (fixture only)

    def all_databases(self, history):
        items = list(self.databases.values())
        if history:
            items += self.dropped_databases
        return sorted(items, key=lambda d: (d.name, d.dropped_on is not None, d.dropped_on or 0))

    def add_user(self, name, public_key_pem=None, role=None):
        """Create a user or add a public key to an existing one."""
        u = self.users.setdefault(name, {"role": role or DEFAULT_ROLE, "public_keys": []})
        if role:
            u["role"] = role
        if public_key_pem and public_key_pem not in u["public_keys"]:
            u["public_keys"].append(public_key_pem)

    def add_token(self, token, ttype, user, role=None):
        self.tokens[token] = {"type": ttype, "user": user, "role": role}


# ---------------------------------------------------------------- fixture loading
def _req(d, key, what):
    if not isinstance(d, dict) or not isinstance(d.get(key), str) or d.get(key) == "":
        raise FixtureError("%s needs a non-empty string %r" % (what, key))
    return d[key]


def _ts_or(d, key, default):
    v = d.get(key)
    return parse_ts(v) if v is not None else default


def file_entry(f, default_ts):
    """Normalise a fixture file: size as string, md5/last_modified filled."""
    name = _req(f, "name", "file")
    size = f.get("size", "0")
    if isinstance(size, bool) or not isinstance(size, (int, str)):
        raise FixtureError("file %s: size must be a string or integer" % name)
    md5 = f.get("md5") or hashlib.md5(name.encode("utf-8")).hexdigest()
    lm = f.get("last_modified") or email.utils.format_datetime(default_ts, usegmt=True)
    return {"name": name, "size": str(size), "md5": md5, "last_modified": lm}


def load_fixture(fx):
    """Build a State from fixture JSON (see README.md for the format)."""
    if not isinstance(fx, dict):
        raise FixtureError("fixture must be a JSON object")
    account = fx.get("account", "MYORG-MYACCOUNT")
    if not isinstance(account, str) or not account:
        raise FixtureError("account must be a non-empty string")
    t0 = parse_ts(fx.get("clock", DEFAULT_CLOCK))
    st = State(account, Clock(t0))
    for u in fx.get("users", []) or []:
        name = _req(u, "name", "user")
        st.add_user(name, None, u.get("role"))
        for pem in u.get("public_keys", []) or []:
            if not isinstance(pem, str):
                raise FixtureError("user %s: public_keys must be PEM strings" % name)
            st.add_user(name, pem)
    for t in fx.get("tokens", []) or []:
        st.add_token(_req(t, "token", "token"), _req(t, "type", "token"), _req(t, "user", "token"), t.get("role"))
    for d in fx.get("databases", []) or []:
        dname = _req(d, "name", "database")
        props = {k: d[k] for k in DATABASE_WRITABLE if k in d}
        db = Database(dname, _ts_or(d, "created_on", t0), d.get("owner", "SYSADMIN"), props,
                      _ts_or(d, "dropped_on", None))
        for s in d.get("schemas", []) or []:
            sname = _req(s, "name", "schema")
            sprops = {k: s[k] for k in SCHEMA_WRITABLE if k in s}
            sc = Schema(sname, _ts_or(s, "created_on", t0), s.get("owner", db.owner), sprops,
                        _ts_or(s, "dropped_on", None))
            for sg in s.get("stages", []) or []:
                gname = _req(sg, "name", "stage")
                gprops = {k: copy.deepcopy(sg[k]) for k in (
                    "kind", "url", "endpoint", "storage_integration", "comment", "credentials",
                    "encryption", "directory_table", "region", "cloud") if k in sg}
                files = [file_entry(f, t0) for f in sg.get("files", []) or []]
                files.sort(key=lambda f: f["name"])
                sc.stages[gname] = Stage(gname, _ts_or(sg, "created_on", t0), sg.get("owner", sc.owner), gprops, files)
            for sm in s.get("streams", []) or []:
                mname = _req(sm, "name", "stream")
                src = dict(sm.get("stream_source") or {})
                _req(src, "src_type", "stream_source of " + mname)
                _req(src, "name", "stream_source of " + mname)
                src.setdefault("database_name", dname)
                src.setdefault("schema_name", sname)
                sc.streams[mname] = Stream(mname, _ts_or(sm, "created_on", t0), sm.get("owner", sc.owner),
                                           src, sm.get("comment"))
            if sc.dropped_on is not None:
                db.dropped_schemas.append(sc)
            elif sname in db.schemas:
                raise FixtureError("duplicate live schema %s in %s" % (sname, dname))
            else:
                db.schemas[sname] = sc
        db.dropped_schemas.sort(key=lambda s: s.dropped_on)
        if db.dropped_on is not None:
            st.dropped_databases.append(db)
        elif dname in st.databases:
            raise FixtureError("duplicate database %s" % dname)
        else:
            st.databases[dname] = db
    return st
