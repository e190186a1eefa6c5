"""Load the Snowflake REST API OpenAPI 3.0 spec files and validate traffic against them.

The emulator uses this module to check request bodies and query parameters (and to
record spec violations in its request log); the test suite uses it to check every
response body the emulator produces.

What it does:
  * locates the spec directory (env SNOWFDW_SPEC_DIR, else the copy vendored in
    test/spec),
  * parses every ``*.yaml`` there with a tolerant loader (API-NOTES section 9: the
    upstream files once failed strict validation, so unknown or misplaced keys are
    simply ignored, duplicate keys keep the last value, timestamps stay strings),
  * resolves ``$ref`` within and across files (``#/...``, ``common.yaml#/...``,
    ``./common.yaml#/...``),
  * converts OpenAPI 3.0 schema objects to JSON Schema (draft 7) for a given
    direction ("request" or "response"): ``nullable``, ``readOnly``/``writeOnly``,
    ``allOf``/``oneOf``/``anyOf``, ``discriminator`` with ``mapping``, boolean
    ``exclusiveMinimum``/``exclusiveMaximum``, and ``format`` checks (date-time,
    date, int32, int64, uuid),
  * validates (a) a response body against the operation's declared response for a
    status, (b) a request body against the operation's requestBody, (c) query
    parameters against their declared schema (unknown parameters are returned, not
    rejected: API-NOTES section 4 says they must be ignored).

Deliberate interpretation (documented in README.md): in the *response* direction
the ``Identifier`` pattern (``^"([^"]|"")+"|[a-zA-Z_][a-zA-Z0-9_$]*$``) is not
enforced. It describes how a client must *write* a name; Snowflake returns stored
names unquoted (API-NOTES section 7), e.g. ``100%`` or ``Ünïcødé``, which the
pattern rejects. Requests are checked against the pattern exactly as written
(JSON Schema ``pattern`` is an unanchored search, so the spec's anchoring quirk is
kept as is).
"""

import copy
import datetime
import os
import re
import uuid as uuidlib

import jsonschema
import yaml

# The Identifier pattern as it appears (verbatim) in common.yaml and stream.yaml.
IDENTIFIER_PATTERN = '^"([^"]|"")+"|[a-zA-Z_][a-zA-Z0-9_$]*$'

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")

# Keywords copied unchanged from an OpenAPI schema object to JSON Schema.
_PASSTHROUGH = (
    "type", "enum", "const", "pattern", "minLength", "maxLength", "minItems",
    "maxItems", "uniqueItems", "minProperties", "maxProperties", "multipleOf",
    "format", "default", "title",
)


class SpecError(Exception):
    """Raised when the spec cannot be found, parsed or resolved."""


def find_spec_dir(start=None):
    """Return the directory holding the OpenAPI yaml files.

    Order: env SNOWFDW_SPEC_DIR; then the copy vendored in the repository,
    test/spec (see test/spec/SOURCE.md for its upstream commit).
    """
    env = os.environ.get("SNOWFDW_SPEC_DIR")
    if env:
        if not os.path.isdir(env):
            raise SpecError("SNOWFDW_SPEC_DIR=%s is not a directory" % env)
        return env
    here = os.path.abspath(start or os.path.dirname(__file__))
    cand = os.path.join(os.path.dirname(here), "spec")
    if not os.path.isfile(os.path.join(cand, "common.yaml")):
        raise SpecError("cannot find the vendored spec in %s; set SNOWFDW_SPEC_DIR" % cand)
    return cand


class _TolerantLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """Safe YAML loader that keeps timestamps as strings (no datetime objects)."""


# Drop the implicit timestamp resolver so values like 2024-01-01 stay strings.
_TolerantLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _format_checker():
    """A FormatChecker for the formats the specs use (jsonschema's own date-time
    check needs an optional module that Debian does not ship)."""
    fc = jsonschema.FormatChecker(formats=())

    @fc.checks("date-time", raises=ValueError)
    def _dt(value):
        if not isinstance(value, str):
            return True
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", value):
            raise ValueError("not an RFC 3339 date-time")
        datetime.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        return True

    @fc.checks("date", raises=ValueError)
    def _date(value):
        if isinstance(value, str):
            datetime.date.fromisoformat(value)
        return True

    @fc.checks("int32")
    def _i32(value):
        return not isinstance(value, int) or -2**31 <= value < 2**31

    @fc.checks("int64")
    def _i64(value):
        return not isinstance(value, int) or -2**63 <= value < 2**63

    @fc.checks("uuid", raises=ValueError)
    def _uuid(value):
        if isinstance(value, str):
            uuidlib.UUID(value)
        return True

    return fc


FORMAT_CHECKER = _format_checker()


def _forbidden(validator, kind, instance, schema):
    """Custom keyword ``x-forbidden``: the property is present but must not be."""
    yield jsonschema.ValidationError("%s property must not appear in a %s" % (kind, schema.get("x-direction", "message")))


# Draft 7 plus the x-forbidden keyword used for readOnly/writeOnly properties.
_Validator = jsonschema.validators.extend(jsonschema.Draft7Validator, {"x-forbidden": _forbidden})


def _error_text(err):
    """Render a jsonschema error as 'path: message' naming the offending field."""
    path = "/".join(str(p) for p in err.absolute_path)
    msg = err.message
    if err.validator == "x-forbidden":
        msg = "%s property '%s' must not appear in a %s" % (
            err.validator_value, err.absolute_path[-1] if err.absolute_path else "?",
            err.schema.get("x-direction", "message"))
    return "%s: %s" % (path or "(body)", msg)


class Operation:
    """One OpenAPI operation: method, path template, file and its definition."""

    def __init__(self, spec, file, method, template, op):
        self.spec = spec
        self.file = file
        self.method = method.upper()
        self.template = template
        self.op = op
        self.operation_id = op.get("operationId")
        self.key = "%s:%s" % (file.rsplit(".", 1)[0], self.operation_id)
        self.regex = self._template_regex(template)

    @staticmethod
    def _template_regex(template):
        """Regex for a *raw* (still percent-encoded) path. ``filePath`` may span
        several segments; other parameters are single segments."""
        out = "^"
        for part in re.split(r"(\{[^}]+\})", template):
            if part.startswith("{"):
                out += "(.+)" if part == "{filePath}" else "([^/]+?)"
            else:
                out += re.escape(part)
        return re.compile(out + "$")

    def parameters(self):
        """Resolved parameter objects (path-level parameters are not used by these specs)."""
        res = []
        for p in self.op.get("parameters", []) or []:
            f, node = self.spec.resolve(self.file, p)
            res.append((f, node))
        return res

    def __repr__(self):
        return "<Operation %s %s %s>" % (self.key, self.method, self.template)


class Spec:
    """All operations and schemas of the spec directory, with validation helpers."""

    def __init__(self, spec_dir=None):
        self.dir = spec_dir or find_spec_dir()
        self.docs = {}
        for fn in sorted(os.listdir(self.dir)):
            if fn.endswith((".yaml", ".yml")):
                with open(os.path.join(self.dir, fn), encoding="utf-8") as fh:
                    try:
                        doc = yaml.load(fh, Loader=_TolerantLoader)
                    except yaml.YAMLError as e:
                        raise SpecError("cannot parse %s: %s" % (fn, e))
                if isinstance(doc, dict):
                    self.docs[fn] = doc
        if "common.yaml" not in self.docs:
            raise SpecError("common.yaml missing in %s" % self.dir)
        self.operations = []
        for fn, doc in self.docs.items():
            for template, item in (doc.get("paths") or {}).items():
                if not isinstance(item, dict):
                    continue
                for method in HTTP_METHODS:
                    op = item.get(method)
                    if isinstance(op, dict):
                        self.operations.append(Operation(self, fn, method, template, op))
        self._by_key = {op.key: op for op in self.operations}
        self._cache = {}

    # ------------------------------------------------------------------ refs
    def _split_ref(self, cur_file, ref):
        """Split a $ref into (file, json-pointer list)."""
        if "#" in ref:
            f, ptr = ref.split("#", 1)
        else:
            f, ptr = ref, ""
        f = os.path.basename(f) if f else cur_file
        if f not in self.docs:
            raise SpecError("unresolvable $ref %r from %s" % (ref, cur_file))
        parts = [p.replace("~1", "/").replace("~0", "~") for p in ptr.split("/") if p]
        return f, parts

    def lookup(self, file, parts):
        """Return the node at a JSON pointer (list of parts) in a file."""
        node = self.docs[file]
        for p in parts:
            if not isinstance(node, dict) or p not in node:
                raise SpecError("dangling pointer %s#/%s" % (file, "/".join(parts)))
            node = node[p]
        return node

    def resolve(self, cur_file, node):
        """Follow $ref chains; return (file, node) of the target."""
        seen = 0
        while isinstance(node, dict) and "$ref" in node:
            cur_file, parts = self._split_ref(cur_file, node["$ref"])
            node = self.lookup(cur_file, parts)
            seen += 1
            if seen > 50:
                raise SpecError("$ref loop")
        return cur_file, node

    # ------------------------------------------------------------ operations
    def operation(self, key):
        """Operation by key '<file stem>:<operationId>', e.g. 'schema:listSchemas'."""
        try:
            return self._by_key[key]
        except KeyError:
            raise SpecError("unknown operation %s" % key)

    def match(self, method, raw_path):
        """Find the operation for a method and raw request path (no query), or None.
        The more specific template (more literal characters) wins, so that
        '{name}:clone' beats '{name}'."""
        best = None
        for op in self.operations:
            if op.method == method.upper() and op.regex.match(raw_path):
                score = len(re.sub(r"\{[^}]+\}", "", op.template))
                if best is None or score > best[0]:
                    best = (score, op)
        return best[1] if best else None

    def path_methods(self, raw_path):
        """Methods the spec declares for a raw path (for 405 decisions)."""
        return sorted({op.method for op in self.operations if op.regex.match(raw_path)})

    # ------------------------------------------------------------ conversion
    def _schema_key(self, file, parts):
        return "%s__%s" % (file.rsplit(".", 1)[0], "_".join(parts[2:]) if parts[:2] == ["components", "schemas"] else "_".join(parts))

    def _convert(self, file, node, direction, defs, as_base=False):
        """Convert an OpenAPI schema node to JSON Schema; referenced schemas go to defs."""
        if node is True or node is None:
            return {}
        if not isinstance(node, dict):
            return {}
        if "$ref" in node:
            tfile, parts = self._split_ref(file, node["$ref"])
            target = self.lookup(tfile, parts)
            key = self._schema_key(tfile, parts) + "__" + direction[:3]
            base = as_base and isinstance(target, dict) and "discriminator" in target
            if base:
                key += "__base"
            if key not in defs:
                defs[key] = None  # placeholder against recursion
                defs[key] = self._convert(tfile, target, direction, defs, as_base=base)
            ref = {"$ref": "#/definitions/" + key}
            # OpenAPI 3.0 ignores siblings of $ref, but these specs put readOnly /
            # writeOnly / nullable there with clear intent (Stage.credentials).
            extra = {k: node[k] for k in ("readOnly", "writeOnly", "nullable") if k in node}
            if not extra:
                return ref
            wrapped = {"allOf": [ref]}
            return self._apply_flags(wrapped, extra, direction)

        out = {}
        for k in _PASSTHROUGH:
            if k in node:
                out[k] = copy.deepcopy(node[k])
        if direction == "response" and out.get("pattern") == IDENTIFIER_PATTERN:
            del out["pattern"]  # see module docstring
        for k in ("minimum", "maximum"):
            if k in node:
                ek = "exclusive" + k[0].upper() + k[1:]
                if node.get(ek) is True:
                    out[ek] = node[k]
                else:
                    out[k] = node[k]
        if "properties" in node and isinstance(node["properties"], dict):
            props = {}
            for name, sub in node["properties"].items():
                props[name] = self._convert(file, sub, direction, defs)
            out["properties"] = props
        if "required" in node and isinstance(node["required"], list):
            req = list(node["required"])
            # readOnly required props are required only in responses, writeOnly only in requests.
            for name in list(req):
                f2, sub = self.resolve(file, (node.get("properties") or {}).get(name, {}))
                if isinstance(sub, dict):
                    if direction == "request" and sub.get("readOnly"):
                        req.remove(name)
                    elif direction == "response" and sub.get("writeOnly"):
                        req.remove(name)
            if req:
                out["required"] = req
        if "items" in node:
            out["items"] = self._convert(file, node["items"], direction, defs)
        ap = node.get("additionalProperties")
        if isinstance(ap, dict):
            out["additionalProperties"] = self._convert(file, ap, direction, defs)
        elif ap is False:
            out["additionalProperties"] = False
        for comb in ("oneOf", "anyOf"):
            if comb in node:
                out[comb] = [self._convert(file, s, direction, defs) for s in node[comb]]
        if "allOf" in node:
            # A subtype's allOf names its discriminated parent: use the parent's
            # base form there, or the discriminator dispatch would recurse forever.
            out["allOf"] = [self._convert(file, s, direction, defs, as_base=True) for s in node["allOf"]]
        if "not" in node:
            out["not"] = self._convert(file, node["not"], direction, defs)
        if node.get("nullable") is True:
            self._make_nullable(out)
        disc = node.get("discriminator")
        if isinstance(disc, dict) and not as_base:
            out = self._discriminate(file, out, disc, direction, defs)
        return self._apply_flags(out, node, direction)

    @staticmethod
    def _make_nullable(out):
        t = out.get("type")
        if isinstance(t, str):
            out["type"] = [t, "null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = list(out["enum"]) + [None]
        if "type" not in out and "enum" not in out:
            pass  # anything goes already

    def _discriminate(self, file, out, disc, direction, defs):
        """Dispatch on the discriminator property to the mapped subtype schema."""
        prop = disc.get("propertyName")
        mapping = disc.get("mapping") or {}
        if not prop or not mapping:
            return out
        branches = []
        for value, target in mapping.items():
            ref = target if ("#" in target or target.endswith((".yaml", ".yml"))) else "#/components/schemas/" + target
            sub = self._convert(file, {"$ref": ref}, direction, defs)
            branches.append({"if": {"properties": {prop: {"const": value}}, "required": [prop]}, "then": sub})
        return {
            "allOf": [out] + branches,
            "properties": {prop: {"enum": list(mapping.keys())}},
        }

    @staticmethod
    def _apply_flags(out, node, direction):
        """readOnly properties are forbidden in requests, writeOnly in responses."""
        if direction == "request" and node.get("readOnly"):
            return {"x-forbidden": "readOnly", "x-direction": "request"}
        if direction == "response" and node.get("writeOnly"):
            return {"x-forbidden": "writeOnly", "x-direction": "response"}
        return out

    def json_schema(self, file, node, direction):
        """Self-contained JSON Schema (draft 7) for an OpenAPI schema node."""
        defs = {}
        root = self._convert(file, node, direction, defs)
        root = dict(root)
        root["definitions"] = {k: v for k, v in defs.items() if v is not None}
        return root

    def _validator(self, cache_key, file, node, direction):
        v = self._cache.get(cache_key)
        if v is None:
            v = _Validator(self.json_schema(file, node, direction), format_checker=FORMAT_CHECKER)
            self._cache[cache_key] = v
        return v

    @staticmethod
    def _errors(validator, instance):
        errs = sorted(validator.iter_errors(instance), key=lambda e: (list(map(str, e.absolute_path)), e.message))
        out = []
        for e in errs:
            t = _error_text(e)
            if t not in out:  # a discriminator branch can repeat its parent's errors
                out.append(t)
        return out

    # ------------------------------------------------------------ validation
    def response_schema(self, op, status):
        """(file, schema node) for an operation's response status; node None when
        the response declares no JSON schema; raises SpecError when undeclared."""
        responses = op.op.get("responses") or {}
        resp = responses.get(str(status), responses.get(status))
        if resp is None:
            resp = responses.get("default")
        if resp is None:
            raise SpecError("status %s not declared for %s" % (status, op.key))
        f, resp = self.resolve(op.file, resp)
        content = (resp.get("content") or {}).get("application/json")
        if content is None:
            return f, None
        return f, content.get("schema", {})

    def validate_response(self, op, status, body):
        """Errors (list of str) for a decoded JSON response body."""
        if isinstance(op, str):
            op = self.operation(op)
        try:
            f, node = self.response_schema(op, status)
        except SpecError as e:
            return [str(e)]
        if node is None:
            return [] if body is None else ["response %s of %s declares no body" % (status, op.key)]
        v = self._validator(("resp", op.key, str(status)), f, node, "response")
        return self._errors(v, body)

    def validate_component(self, file, name, instance, direction="response"):
        """Errors for an instance against components.schemas.<name> of a file
        (e.g. common.yaml ErrorResponse for answers to undeclared endpoints)."""
        node = self.lookup(file, ["components", "schemas", name])
        v = self._validator(("comp", file, name, direction), file, node, direction)
        return self._errors(v, instance)

    def request_body_info(self, op):
        """(required, file, schema node) of the requestBody, or None if there is none."""
        rb = op.op.get("requestBody")
        if rb is None:
            return None
        f, rb = self.resolve(op.file, rb)
        content = (rb.get("content") or {}).get("application/json") or {}
        return bool(rb.get("required")), f, content.get("schema", {})

    def validate_request_body(self, op, body, present=True):
        """Errors for a decoded JSON request body (present=False: no body was sent)."""
        if isinstance(op, str):
            op = self.operation(op)
        info = self.request_body_info(op)
        if info is None:
            return [] if not present else ["(body): %s takes no request body" % op.key]
        required, f, node = info
        if not present:
            return ["(body): request body is required"] if required else []
        v = self._validator(("req", op.key), f, node, "request")
        return self._errors(v, body)

    def validate_query(self, op, params):
        """Check query parameters. ``params`` is a list of (name, raw string value).

        Returns (errors, unknown_names, values) where values maps each declared
        parameter that was given to its converted value (bool/int/str)."""
        if isinstance(op, str):
            op = self.operation(op)
        declared = {}
        for f, p in op.parameters():
            if isinstance(p, dict) and p.get("in") == "query":
                declared[p["name"]] = (f, p)
        errors, unknown, values, seen = [], [], {}, set()
        for name, raw in params:
            if name not in declared:
                if name not in unknown:
                    unknown.append(name)
                continue
            if name in seen:
                errors.append("%s: query parameter given more than once" % name)
                continue
            seen.add(name)
            f, p = declared[name]
            sf, sch = self.resolve(f, p.get("schema") or {})
            typ = sch.get("type")
            if typ == "boolean":
                if raw.lower() in ("true", "false"):
                    val = raw.lower() == "true"
                else:
                    errors.append("%s: %r is not a boolean (true/false)" % (name, raw))
                    continue
            elif typ == "integer":
                if re.fullmatch(r"[+-]?\d+", raw):
                    val = int(raw)
                else:
                    errors.append("%s: %r is not an integer" % (name, raw))
                    continue
            elif typ == "number":
                try:
                    val = float(raw)
                except ValueError:
                    errors.append("%s: %r is not a number" % (name, raw))
                    continue
            else:
                val = raw
            v = self._validator(("q", op.key, name), f, p.get("schema") or {}, "request")
            errs = self._errors(v, val)
            if errs:
                errors.extend("%s: %s" % (name, e.split(": ", 1)[1]) for e in errs)
                continue
            values[name] = val
        for name, (f, p) in declared.items():
            if p.get("required") and name not in seen:
                errors.append("%s: required query parameter is missing" % name)
        return errors, unknown, values


_DEFAULT = None


def default_spec():
    """Process-wide Spec instance loaded from find_spec_dir() (cached)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Spec()
    return _DEFAULT


def main(argv=None):
    """CLI: validate a JSON file (or stdin '-') against an operation.

    specschema.py response OPKEY STATUS FILE   e.g. response schema:listSchemas 200 out.json
    specschema.py request OPKEY FILE           e.g. request schema:createSchema body.json
    specschema.py operations                   list operation keys
    Prints one violation per line; exit status 1 if there are any.
    """
    import json
    import sys
    args = list(sys.argv[1:] if argv is None else argv)
    spec = default_spec()
    if args[:1] == ["operations"]:
        for op in spec.operations:
            print("%-32s %-6s %s" % (op.key, op.method, op.template))
        return 0
    if len(args) < 3 or args[0] not in ("response", "request"):
        sys.stderr.write(main.__doc__)
        return 2
    path = args[-1]
    text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()
    body = json.loads(text) if text.strip() else None
    if args[0] == "response":
        errors = spec.validate_response(args[1], int(args[2]), body)
    else:
        errors = spec.validate_request_body(args[1], body, body is not None)
    for e in errors:
        print(e)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
