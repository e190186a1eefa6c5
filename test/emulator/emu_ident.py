"""Snowflake identifier handling and SHOW-style list filtering for the emulator.

Identifiers (API-NOTES section 7):
  * a double-quoted name keeps its case, ``""`` inside stands for one ``"``;
  * an unquoted name must match ``[A-Za-z_][A-Za-z0-9_$]*`` and resolves to upper case;
  * at most 255 characters.
Responses carry *stored* names, unquoted. Error messages quote names the way
Snowflake prints them (``SALES."My Schema"``).
"""

import re

_UNQUOTED = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_PLAIN_STORED = re.compile(r"[A-Z_][A-Z0-9_$]*")
MAX_IDENT = 255


class IdentError(ValueError):
    """An identifier that is neither a valid quoted nor a valid unquoted name."""


def parse_identifier(text):
    """Resolve an identifier as written by a client to its stored name."""
    if not isinstance(text, str) or text == "":
        raise IdentError("empty identifier")
    if text.startswith('"'):
        if len(text) < 3 or not text.endswith('"'):
            raise IdentError("unterminated quoted identifier %s" % text)
        inner = text[1:-1]
        # Every quote inside must be doubled.
        if '"' in inner.replace('""', ""):
            raise IdentError("unescaped double quote in identifier %s" % text)
        name = inner.replace('""', '"')
        if name == "":
            raise IdentError("empty quoted identifier")
    else:
        if not _UNQUOTED.fullmatch(text):
            raise IdentError("invalid identifier %s (quote names with special characters)" % text)
        name = text.upper()
    if len(name) > MAX_IDENT:
        raise IdentError("identifier longer than %d characters" % MAX_IDENT)
    return name


def quote_name(stored):
    """How Snowflake prints a stored name: bare if it is a plain upper-case
    identifier, else double-quoted with embedded quotes doubled."""
    if _PLAIN_STORED.fullmatch(stored):
        return stored
    return '"' + stored.replace('"', '""') + '"'


def qualified(*names):
    """Dotted, quoted-as-needed name for messages, e.g. SALES."My Schema"."""
    return ".".join(quote_name(n) for n in names)


def like_regex(pattern):
    """Compile a SQL LIKE pattern (% and _ wildcards, backslash escape) into a
    case-insensitive full-match regex."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if c == "%":
            out.append(".*")
        elif c == "_":
            out.append(".")
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


def filter_names(items, key, like=None, starts_with=None, from_name=None, show_limit=None):
    """Apply SHOW-style filters to objects already sorted by name.

    Order follows SHOW ... LIKE ... STARTS WITH ... LIMIT n FROM 'x': the two name
    filters first, then the cursor, then the limit. ``from_name`` is an
    *assumption* (the spec does not say whether the match is included): start at
    the first name >= from_name in byte (code point) order, inclusive.
    """
    rx = like_regex(like) if like is not None else None
    out = []
    for it in items:
        name = key(it)
        if rx is not None and not rx.fullmatch(name):
            continue
        if starts_with is not None and not name.startswith(starts_with):
            continue
        if from_name is not None and name < from_name:
            continue
        out.append(it)
    if show_limit is not None:
        out = out[:show_limit]
    return out


# What "." does not match in Java's default mode: the line terminators.
_JAVA_DOT = "[^\n\r\u0085\u2028\u2029]"


def pattern_regex(pattern):
    """Compile the pattern of LIST @stage PATTERN (listFiles ``pattern``).

    The caller matches it against the whole name (``fullmatch``), case-sensitively.
    Snowflake does not document the engine; this takes the strictest reading
    of the candidates: an unescaped ``.`` outside a bracket matches no line
    terminator (Java's default), where Python's matches all but a newline.
    Raises re.error for an invalid pattern.
    """
    out, i, in_class = [], 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            if c == "]" and not (out and out[-1] in ("[", "[^")):
                in_class = False
        elif c == "[":
            in_class = True
            if pattern.startswith("[^", i):
                out.append("[^")
                i += 2
                continue
        elif c == ".":
            c = _JAVA_DOT
        out.append(c)
        i += 1
    return re.compile("".join(out))

