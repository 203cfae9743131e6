"""procurement_spiders.redaction: passwords out of URLs and messages, malformed values included."""

from __future__ import annotations

import pytest

from procurement_spiders.redaction import redact_text, redact_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://app:S3cret@db:5432/x", "postgresql://app:***@db:5432/x"),
        ("postgresql://app@db/x", "postgresql://app@db/x"),
        ("postgresql://db/x", "postgresql://db/x"),
        # malformed: unescaped "@" and "/" in the password, a port that is not a number
        ("postgresql://app:p@ss/w0rd@db:notaport/x", "postgresql://app:***@db:notaport/x"),
        ("postgres://:onlypass@db/x", "postgres://:***@db/x"),
        ("host=db user=app password=S3cret dbname=x", "host=db user=app password=*** dbname=x"),
    ],
)
def test_redact_url(url, expected):
    assert redact_url(url) == expected


def test_strip_query_drops_tokens():
    assert redact_url("https://u:pw@host:8/a/b?token=abc#frag", strip_query=True) == "https://u:***@host:8/a/b"


def test_redact_text_masks_every_url_in_a_message():
    message = (
        "DATABASE_URL='postgresql://app:p@ss@db:x/y' is not valid; also http://u:tok@grid:4444/status "
        "and password='quoted secret' left"
    )
    out = redact_text(message)
    assert "p@ss" not in out and "tok" not in out and "quoted secret" not in out
    assert "postgresql://app:***@db:x/y" in out and "http://u:***@grid:4444/status" in out
