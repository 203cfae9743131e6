"""How a value someone typed or a portal sent is shown in a one-line message: quoted and cut."""

from __future__ import annotations

MAX_SHOWN = 60


def clip(value: object, limit: int = MAX_SHOWN) -> str:
    """`repr(value)`, cut to about `limit` characters (a 100 KB argument is not echoed back whole)."""
    text = value if isinstance(value, str) else str(value)
    if len(text) <= limit:
        return repr(text) if isinstance(value, str) else text
    return f"{text[:limit]!r}… ({len(text)} characters)"
