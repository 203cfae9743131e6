"""Users of the web app from WEB_USERS, and their password hashes (stdlib scrypt, no extra library).

Here, beside the other parsers, so config.py can check WEB_USERS without importing the web app.

WEB_USERS holds entries separated by commas or whitespace, each `name:role:hash`, where role is
`leitura` (reads) or `operador` (also starts and cancels coletas) and hash is what
`python -m procurement_spiders.web.hash` prints: `scrypt$n$r$p$salt$key` (base64 salt and key).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field

ROLES = ("leitura", "operador")
_NAME = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
_N, _R, _P = 2**14, 8, 1  # ~16 MiB and ~50 ms per check: slow for guessing, fine for a login


class UsersError(ValueError):
    """A WEB_USERS entry is malformed; the message names the entry's user, never its hash."""


@dataclass(frozen=True)
class WebUser:
    name: str
    role: str
    password_hash: str = field(repr=False)

    @property
    def operador(self) -> bool:
        return self.role == "operador"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, *, n: int = _N, r: int = _R, p: int = _P) -> str:
    if not password:
        raise ValueError("the password is empty")
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=32)
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(key)}"


def _parts(password_hash: str) -> tuple[int, int, int, bytes, bytes]:
    kind, n, r, p, salt, key = password_hash.split("$")
    if kind != "scrypt":
        raise ValueError(kind)
    return int(n), int(r), int(p), _unb64(salt), _unb64(key)


def verify_password(password: str, password_hash: str) -> bool:
    try:
        n, r, p, salt, key = _parts(password_hash)
    except ValueError:
        return False
    candidate = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=len(key), maxmem=2**26)
    return hmac.compare_digest(candidate, key)


def parse_users(raw: str | None) -> dict[str, WebUser]:
    users: dict[str, WebUser] = {}
    for position, entry in enumerate((raw or "").replace(",", " ").split(), start=1):
        name, _, rest = entry.partition(":")
        role, _, password_hash = rest.partition(":")
        label = repr(name) if _NAME.match(name) else f"number {position}"
        if not _NAME.match(name):
            raise UsersError(f"entry {label}: the user name must be 1-64 letters, digits or . _ @ -")
        if role not in ROLES:
            raise UsersError(f"entry {label}: role must be {' or '.join(ROLES)}")
        try:
            n, r, p, salt, key = _parts(password_hash)
        except (ValueError, TypeError):
            raise UsersError(
                f"entry {label}: the hash is not one `python -m procurement_spiders.web.hash` made"
            ) from None
        if not (2 <= n <= 2**20 and n & (n - 1) == 0 and 1 <= r <= 32 and 1 <= p <= 16 and salt and key):
            raise UsersError(f"entry {label}: the hash parameters are out of range")
        if name in users:
            raise UsersError(f"entry {label}: the user appears twice")
        users[name] = WebUser(name, role, password_hash)
    return users
