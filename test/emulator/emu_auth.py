"""Authentication for the emulated API: PAT, OAuth and real key-pair JWT checks.

Every /api/v2 request needs ``Authorization: Bearer <token>`` and
``X-Snowflake-Authorization-Token-Type`` (API-NOTES section 2). Key-pair JWTs are
verified for real (RS256 signature with python3-cryptography, iss/sub/iat/exp
claims). Failures raise AuthError carrying the public message/code and a precise
reason for the request log.
"""

import base64
import hashlib
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

TOKEN_TYPES = ("PROGRAMMATIC_ACCESS_TOKEN", "OAUTH", "KEYPAIR_JWT")
MAX_JWT_LIFETIME = 3600   # seconds between iat and exp
MAX_IAT_SKEW = 60         # iat may be at most this far in the future


class AuthError(Exception):
    """Authentication failure: HTTP 401 with ``code``/``message``; ``reason`` is logged."""

    def __init__(self, code, message, reason):
        super().__init__(reason)
        self.code = code
        self.message = message
        self.reason = reason


def jwt_account(account):
    """Account part of iss/sub (API-NOTES section 2): upper case; for '.global'
    identifiers the text before the first '-'; for locators with a region the text
    before the first '.'."""
    acc = account.upper()
    if ".GLOBAL" in acc:
        return acc.split("-", 1)[0]
    return acc.split(".", 1)[0]


def fingerprint(public_key):
    """SHA256:<std base64 of sha256(DER SubjectPublicKeyInfo)>."""
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return "SHA256:" + base64.b64encode(hashlib.sha256(der).digest()).decode("ascii")


def _b64url(part):
    pad = "=" * (-len(part) % 4)
    return base64.urlsafe_b64decode(part + pad)


def _seconds(v):
    """iat/exp may be seconds or milliseconds (docs); normalise to seconds."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return v / 1000.0 if v > 100000000000 else float(v)


def verify_jwt(token, account, users, now):
    """Verify a key-pair JWT; return the user name or raise AuthError."""
    def fail(reason):
        raise AuthError("390144", "JWT token is invalid.", reason)

    parts = token.split(".")
    if len(parts) != 3:
        fail("token does not have three dot-separated parts")
    try:
        header = json.loads(_b64url(parts[0]))
        claims = json.loads(_b64url(parts[1]))
        signature = _b64url(parts[2])
    except (ValueError, UnicodeDecodeError):
        fail("token parts are not base64url JSON")
    if not isinstance(header, dict) or not isinstance(claims, dict):
        fail("header or claims are not JSON objects")
    if header.get("alg") != "RS256":
        fail("header alg is %r, expected RS256" % header.get("alg"))
    iss, sub = claims.get("iss"), claims.get("sub")
    acc = jwt_account(account)
    if not isinstance(sub, str) or not sub:
        fail("sub claim missing or empty")
    if not isinstance(iss, str) or ".SHA256:" not in iss:
        fail("iss claim missing or without .SHA256: fingerprint")
    iss_subject, fp = iss.rsplit(".SHA256:", 1)
    if not iss_subject.startswith(acc + "."):
        fail("iss account part %r does not match account %r" % (iss_subject, acc))
    user = iss_subject[len(acc) + 1:]
    if sub != iss_subject:
        fail("sub %r does not equal %r" % (sub, iss_subject))
    if user not in users:
        fail("unknown user %r (user names must be upper case)" % user)
    key = None
    for pem in users[user].get("public_keys", []):
        try:
            k = serialization.load_pem_public_key(pem.encode("ascii"))
        except (ValueError, TypeError):
            continue
        if isinstance(k, rsa.RSAPublicKey) and fingerprint(k) == "SHA256:" + fp:
            key = k
            break
    if key is None:
        fail("no public key with fingerprint SHA256:%s registered for user %s" % (fp, user))
    try:
        key.verify(signature, (parts[0] + "." + parts[1]).encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        fail("signature verification failed")
    iat, exp = _seconds(claims.get("iat")), _seconds(claims.get("exp"))
    if iat is None:
        fail("iat claim missing or not a number")
    if exp is None:
        fail("exp claim missing or not a number")
    if iat > now + MAX_IAT_SKEW:
        fail("iat %d is more than %ds in the future (now %d)" % (iat, MAX_IAT_SKEW, now))
    if exp <= now:
        fail("token expired: exp %d <= now %d" % (exp, now))
    if exp - iat > MAX_JWT_LIFETIME:
        fail("lifetime exp-iat = %ds exceeds %ds" % (exp - iat, MAX_JWT_LIFETIME))
    return user


def authenticate(headers, state, now):
    """Check the auth headers; return (token_type, user, role) or raise AuthError.

    ``headers`` is an email.message.Message-like mapping (case-insensitive get)."""
    auth = headers.get("Authorization")
    ttype = headers.get("X-Snowflake-Authorization-Token-Type")
    if not auth:
        raise AuthError("390303", "Authorization header is missing.", "no Authorization header")
    scheme, _, token = auth.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise AuthError("390303", "Authorization header is malformed; expected 'Bearer <token>'.",
                        "Authorization is not 'Bearer <token>'")
    if ttype not in TOKEN_TYPES:
        raise AuthError("390303", "Unsupported or missing X-Snowflake-Authorization-Token-Type header.",
                        "token type header %r not in %s" % (ttype, "/".join(TOKEN_TYPES)))
    if ttype == "KEYPAIR_JWT":
        user = verify_jwt(token, state.account, state.users, now)
        return ttype, user, state.users[user].get("role")
    info = state.tokens.get(token)
    msg = "Programmatic access token is invalid." if ttype == "PROGRAMMATIC_ACCESS_TOKEN" else "Invalid OAuth access token."
    if info is None:
        raise AuthError("390303", msg, "unknown %s token" % ttype)
    if info["type"] != ttype:
        raise AuthError("390303", msg, "token is configured as %s, sent as %s" % (info["type"], ttype))
    role = info.get("role") or (state.users.get(info["user"]) or {}).get("role")
    return ttype, info["user"], role
