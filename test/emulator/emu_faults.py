"""Fault injection rules and the result-handle store (202 polling and paged results).

A rule is JSON (see README.md): optional ``method``, ``path`` and ``query`` (regexes,
re.search on the raw request path and raw query string), ``skip`` (let the first M matching requests through),
``times`` (how many matching requests it affects; -1 = all) and an ``action`` with
its parameters. Every rule counts every request it matches; the first rule whose
window covers the current match fires.
"""

import math
import re

ACTIONS = {
    # action: {parameter: (type(s), default)}
    "status": {"status": (int, None), "retry_after": ((str, int), None), "code": (str, None), "message": (str, None),
               "ms": ((int, float), 0)},
    "async": {"polls": (int, 1)},
    "rate_limit": {"rate": ((int, float), None), "burst": (int, 1), "retry_after": ((str, int), None),
                   "ms": ((int, float), 0)},
    "large": {"page_size": (int, 2)},
    "link_pages": {"page_size": (int, 2)},
    "latency": {"ms": ((int, float), 1000)},
    "malformed": {"body": (str, '[{"name": "X",')},
    "truncate": {"extra": (int, 100)},
    "drop": {},
    "drip": {"bytes": (int, 1), "interval_ms": ((int, float), 500), "body": (str, None)},
    "hang": {"seconds": ((int, float), 30)},
    "gate": {"name": (str, "gate"), "seconds": ((int, float), 30)},
    "wrong_types": {},
    "location": {"value": (str, None), "ms": ((int, float), 0)},
    "link": {"value": (str, None)},
    "header": {"name": (str, None), "value": (str, None)},
    "pad": {"bytes": (int, 1000), "ms": ((int, float), 0)},
    "vanish": {},
    "then_alter": {"set": (dict, None), "schema": (str, None)},
    "then_drop": {"schema": (str, None)},
}
# Parameters a rule of their action must give
REQUIRED = {"status", "value", "name", "set", "rate"}
COMMON = {"action", "method", "path", "query", "skip", "times"}

ACCEPTED_MESSAGE = ("Request execution in progress. Use the provided location header or result "
                    "handler ID to perform query monitoring and management.")
LARGE_MESSAGE = "Large result set. Use provided Link header."


class FaultError(ValueError):
    """A fault rule that does not follow the rule format."""


class FaultRule:
    """One validated rule plus its match counter."""

    def __init__(self, spec):
        if not isinstance(spec, dict):
            raise FaultError("a fault rule must be a JSON object")
        action = spec.get("action")
        if action not in ACTIONS:
            raise FaultError("unknown action %r; expected one of %s" % (action, ", ".join(sorted(ACTIONS))))
        params = ACTIONS[action]
        unknown = set(spec) - COMMON - set(params)
        if unknown:
            raise FaultError("unknown key(s) for action %s: %s" % (action, ", ".join(sorted(unknown))))
        self.action = action
        self.spec = dict(spec)
        self.method = spec.get("method")
        if self.method is not None and not isinstance(self.method, str):
            raise FaultError("method must be a string")
        for k in ("path", "query"):
            try:
                setattr(self, k, re.compile(spec[k]) if spec.get(k) is not None else None)
            except (re.error, TypeError) as e:
                raise FaultError("bad %s regex: %s" % (k, e))
        self.skip = spec.get("skip", 0)
        self.times = spec.get("times", 1)
        for k in ("skip", "times"):
            v = getattr(self, k)
            if isinstance(v, bool) or not isinstance(v, int) or (v < 0 and not (k == "times" and v == -1)):
                raise FaultError("%s must be a non-negative integer%s" % (k, " or -1" if k == "times" else ""))
        self.params = {}
        for k, (typ, default) in params.items():
            v = spec.get(k, default)
            if v is None and default is None and k in REQUIRED:
                raise FaultError("action %s needs %r" % (action, k))
            if v is not None and (isinstance(v, bool) or not isinstance(v, typ)):
                raise FaultError("%s must be %s" % (k, getattr(typ, "__name__", "a number")))
            self.params[k] = v
        if action == "status":
            if not 100 <= self.params["status"] <= 599:
                raise FaultError("status must be an HTTP status code")
            if self.params["retry_after"] is not None:  # sent verbatim as the Retry-After header
                self.params["retry_after"] = str(self.params["retry_after"])
        if action == "rate_limit":
            if self.params["rate"] <= 0:
                raise FaultError("rate must be > 0")
            if self.params["burst"] < 1:
                raise FaultError("burst must be >= 1")
            if self.params["retry_after"] is not None:
                self.params["retry_after"] = str(self.params["retry_after"])
            # the account's token bucket starts full
            self.tokens, self.filled_at = float(self.params["burst"]), None
        if action in ("large", "link_pages") and self.params["page_size"] < 1:
            raise FaultError("page_size must be >= 1")
        if action == "async" and self.params["polls"] < -1:
            raise FaultError("polls must be >= 0 or -1")
        if action in ("drip", "pad") and self.params["bytes"] < 1:
            raise FaultError("bytes must be >= 1")
        if action == "then_alter" and not self.params["set"]:
            raise FaultError("set must name at least one field")
        self.matched = 0

    def take_token(self, now):
        """rate_limit: take a token from the bucket if it has one (refilled at
        ``rate`` per second up to ``burst``); False when it is empty."""
        if self.filled_at is not None:
            self.tokens = min(float(self.params["burst"]),
                              self.tokens + max(0.0, now - self.filled_at) * self.params["rate"])
        self.filled_at = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False

    def matches(self, method, raw_path, raw_query=""):
        if self.method is not None and self.method.upper() != method.upper():
            return False
        if self.query is not None and not self.query.search(raw_query or ""):
            return False
        return self.path is None or bool(self.path.search(raw_path))


class Faults:
    """Ordered list of rules."""

    def __init__(self):
        self.rules = []

    def add(self, spec, check=None):
        """Append a rule; check(rule), if given, raises FaultError for a rule the
        account model cannot carry out (see Api.check_rule)."""
        rule = FaultRule(spec)
        if check is not None:
            check(rule)
        self.rules.append(rule)

    def clear(self):
        self.rules = []

    def pick(self, method, raw_path, raw_query="", now=0.0):
        """Count this request against every matching rule; return the rule that fires, if any.
        A rate_limit rule whose bucket has a token lets the request through to the next rules
        (now: seconds on the emulator's clock, for the buckets)."""
        fired = None
        for r in self.rules:
            if not r.matches(method, raw_path, raw_query):
                continue
            n = r.matched
            r.matched += 1
            if fired is None and n >= r.skip and (r.times == -1 or n < r.skip + r.times):
                if r.action == "rate_limit" and r.take_token(now):
                    continue
                fired = r
        return fired


def link_header(handle, page, last, include_first_last_only=False):
    """Link header into /api/v2/results/<handle>: first, next (not on the last page),
    prev (not on page 0), last. Relative URLs, comma-separated as in the spec example."""
    def u(p):
        return "</api/v2/results/%s?page=%d>" % (handle, p)
    parts = ['%s; rel="first"' % u(0)]
    if not include_first_last_only:
        if page < last:
            parts.append('%s; rel="next"' % u(page + 1))
        if page > 0:
            parts.append('%s; rel="prev"' % u(page - 1))
    parts.append('%s; rel="last"' % u(last))
    return ",".join(parts)


def paginate(rows, page_size):
    """Split rows into pages (at least one, possibly empty, page)."""
    n = max(1, math.ceil(len(rows) / page_size))
    return [rows[i * page_size:(i + 1) * page_size] for i in range(n)]


# Replacement values for wrong_types: each breaks the declared type of the field.
_WRONG = {
    "created_on": 12345, "dropped_on": 12345, "stale_after": 12345, "name": 42,
    "managed_access": "yes", "stale": "no", "is_default": "false", "size": 1024,
    "retention_time": "1", "status": 200, "presigned_url": ["x"], "message": 7, "code": 390303,
    "has_credentials": "no", "directory_table": "on", "stream_source": "table", "md5": 5,
}


def break_types(obj):
    """Copy of a decoded JSON body with the type of well-known fields broken."""
    if isinstance(obj, list):
        return [break_types(x) for x in obj]
    if isinstance(obj, dict):
        return {k: (_WRONG[k] if k in _WRONG else break_types(v)) for k, v in obj.items()}
    return obj
