"""Money, dates and identifiers as the portals write them."""

from datetime import date
from decimal import Decimal

import pytest

from procurement_spiders.parsing.identifiers import (
    InvalidIdentifier,
    cnpj_check_digits,
    normalize_cnpj,
    normalize_dfd,
    normalize_uasg,
)
from procurement_spiders.parsing.values import (
    InvalidValue,
    format_br_date,
    format_brl,
    parse_date,
    parse_money,
    to_centavos,
)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("R$ 1.234,56", Decimal("1234.56")),
        ("R$\xa01.234.567,89", Decimal("1234567.89")),
        ("1234,5", Decimal("1234.5")),
        ("1.234", Decimal("1234")),  # pt-BR thousands, as on PGC screens
        ("0.3333", Decimal("0.3333")),  # API text with 4 decimals
        ("36900.00", Decimal("36900.00")),
        (36900.0, Decimal("36900.0")),
        (0.1, Decimal("0.1")),  # shortest repr, not 0.1000000000000000055511151231257827
        (Decimal("12300.0"), Decimal("12300.0")),
        (7, Decimal(7)),
        ("", None),
        ("  R$  ", None),
        (None, None),
    ],
)
def test_parse_money(raw, expected):
    assert parse_money(raw) == expected


@pytest.mark.parametrize("raw", ["R$ 1,2,3", "abc", "1.23.4,5,6", True, "NaN", "Infinity"])
def test_parse_money_rejects(raw):
    with pytest.raises(InvalidValue):
        parse_money(raw)


def test_to_centavos_rounds_half_up_once():
    assert to_centavos(Decimal("0.125")) == Decimal("0.13")
    assert to_centavos(Decimal("1096018.345")) == Decimal("1096018.35")
    # three items of 0.3333 are 0.9999 -> 1.00 once; rounding each item first would give 0.99
    assert to_centavos(sum([Decimal("0.3333")] * 3)) == Decimal("1.00")
    with pytest.raises(InvalidValue):
        to_centavos(Decimal("10000000000000.00"))


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("31/12/2022", date(2022, 12, 31)),
        ("2022-12-31", date(2022, 12, 31)),
        ("2022-02-10T22:14:53", date(2022, 2, 10)),
        ("2023-05-20T05:20:57.248023", date(2023, 5, 20)),
        ("2025-04-29T08:19:54-03:00", date(2025, 4, 29)),
        ("", None),
        (None, None),
    ],
)
def test_parse_date(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["31/02/2022", "2022-13-01", "ontem", "12/2022"])
def test_parse_date_rejects(raw):
    with pytest.raises(InvalidValue):
        parse_date(raw)


def test_cnpj():
    assert normalize_cnpj("00.394.452/0001-03") == "00394452000103"
    assert cnpj_check_digits("003944520001") == "03"
    for bad in ("00394452000104", "1234", "11111111111111", "0039445200010X"):
        with pytest.raises(InvalidIdentifier):
            normalize_cnpj(bad)


def test_dfd_and_uasg():
    assert normalize_dfd("30/2021") == "30/2021"
    assert normalize_dfd(" 030 / 2021 ") == "30/2021"
    for bad in ("30-2021", "0/2021", "30/21", "abc"):
        with pytest.raises(InvalidIdentifier):
            normalize_dfd(bad)
    assert normalize_uasg(120645) == "120645"
    assert normalize_uasg("54004") == "054004"
    with pytest.raises(InvalidIdentifier):
        normalize_uasg("1234567")


def test_screen_formats():
    assert format_brl(Decimal("1234.56")) == "R$ 1.234,56"
    assert format_brl(Decimal("1234567")) == "R$ 1.234.567,00"
    assert format_brl(Decimal("-5.5")) == "-R$ 5,50"
    assert format_br_date(date(2025, 2, 1)) == "01/02/2025"
