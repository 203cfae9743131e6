"""`dumps_json` writes only what PostgreSQL's jsonb accepts, whatever a portal sent."""

import json
from datetime import date
from decimal import Decimal

from procurement_spiders.storage.jsonb import dumps_json


def test_exact_decimals_and_iso_dates_stay_as_they_are():
    assert dumps_json({"v": Decimal("36900.00"), "d": date(2025, 2, 1)}) == '{"v": 36900.00, "d": "2025-02-01"}'


def test_values_jsonb_refuses_become_text():
    odd = {
        "nan": float("nan"),
        "inf": float("inf"),
        "dinf": Decimal("-Infinity"),
        "dnan": Decimal("NaN"),
        "nul": "a\x00b",
        "surrogate": "x\ud800y",
        "bytes": b"\xff",
        1: {"deep": [float("-inf")]},
    }
    text = dumps_json(odd)
    assert "\\u0000" not in text and "NaN," not in text
    text.encode("utf-8")  # nothing PostgreSQL's UTF-8 would refuse
    assert json.loads(text) == {
        "nan": "NaN",
        "inf": "Infinity",
        "dinf": "-Infinity",
        "dnan": "NaN",
        "nul": "a\ufffdb",
        "surrogate": "x?y",
        "bytes": "\ufffd",
        "1": {"deep": ["-Infinity"]},
    }
