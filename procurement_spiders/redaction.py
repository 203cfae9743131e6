"""The one place that takes secrets out of URLs and messages before anyone prints them.

Every message that names a URL (configuration errors, health checks, debug captures) goes through
`redact_url` or `redact_text`. Both work on malformed values too (a DATABASE_URL with an
unescaped `@` or a bad port): they never parse with `urlsplit`, which raises on such values and
whose error would then be quoted whole.
"""

from __future__ import annotations

import re

MASK = "***"

# scheme://userinfo@rest; userinfo runs to the LAST "@" of the token, so a password holding "@",
# "/" or ":" is masked whole.
_URL = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<rest>[^\s'\"<>]*)")
# libpq key=value connection strings ("host=db password=s3cret")
_CONNINFO_PASSWORD = re.compile(r"(?i)\b(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)")


def redact_url(url: str, *, strip_query: bool = False) -> str:
    """`url` with the password of its user info replaced by ***; with `strip_query`, also without
    query and fragment (they may carry tokens)."""
    match = _URL.match(url)
    if not match:
        return _CONNINFO_PASSWORD.sub(rf"\g<1>{MASK}", url)
    return url[: match.start()] + _redact_one(match, strip_query) + url[match.end() :]


def redact_text(text: str) -> str:
    """Every URL (and libpq `password=`) inside a free-form message, redacted."""
    text = _URL.sub(lambda m: _redact_one(m, False), text)
    return _CONNINFO_PASSWORD.sub(rf"\g<1>{MASK}", text)


def _redact_one(match: re.Match[str], strip_query: bool) -> str:
    scheme, rest = match.group("scheme"), match.group("rest")
    at = rest.rfind("@")
    if at >= 0:
        userinfo, rest = rest[:at], rest[at + 1 :]
        user, colon, _password = userinfo.partition(":")
        rest = f"{user}:{MASK}@{rest}" if colon else f"{user}@{rest}"
    if strip_query:
        rest = re.split(r"[?#]", rest, maxsplit=1)[0]
    return scheme + rest
