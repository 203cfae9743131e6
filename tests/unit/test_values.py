"""Money, dates and identifiers as the portals write them."""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from scrapy.http import TextResponse

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
    parse_amount,
    parse_date,
    parse_money,
    to_centavos,
)
from procurement_spiders.spiders.base import ColetaSpider

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pncp"
VALOR_TOTAL = json.loads((FIXTURES / "valor_total.json").read_text())


def read_json(text: str):
    """JSON text through the spiders' own reader (numbers as Decimal, never float)."""
    return ColetaSpider.json_body(TextResponse("http://portal.test/", body=text.encode(), encoding="utf-8"))


@pytest.mark.parametrize("case", VALOR_TOTAL["accepted"], ids=lambda c: c["json"][:12])
def test_api_amounts_the_portal_may_send(case):
    assert to_centavos(parse_amount(read_json(case["json"]))) == Decimal(case["centavos"])


@pytest.mark.parametrize("case", VALOR_TOTAL["refused"], ids=lambda c: str(c["json"])[:12])
def test_api_amounts_that_are_not_money_are_refused_with_the_reason(case):
    raw = None if case["json"] is None else read_json(f"[{case['json']}]")[0]
    with pytest.raises(InvalidValue) as error:
        to_centavos(parse_amount(raw))
    assert case["reason"] in str(error.value)
    assert len(str(error.value)) < 200  # a 400-digit number is cut in the message


def test_a_real_item_reads_exactly():
    [plan] = read_json((FIXTURES / "consulta_pca_item_real.json").read_text())["data"]
    [item] = plan["itens"]
    assert parse_amount(item["valorTotal"]) == Decimal("10357.41")
    assert parse_amount(item["valorUnitario"]) * item["quantidadeEstimada"] == Decimal("10357.41")  # 37 x 279.93


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


def test_to_centavos_refuses_what_does_not_fit_without_a_decimal_error():
    for value in (Decimal("1E+30"), Decimal(10**399), Decimal("NaN"), Decimal("-Infinity")):
        with pytest.raises(InvalidValue):
            to_centavos(value)


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


@pytest.mark.parametrize("bad", ["１２０６４５", "١٢٠٦٤٥", "12064５"])
def test_identifiers_are_ascii_digits(bad):
    with pytest.raises(InvalidIdentifier):
        normalize_uasg(bad)
    with pytest.raises(InvalidIdentifier):
        normalize_cnpj("００３９４４５２０００１０３")
    with pytest.raises(InvalidIdentifier):
        normalize_dfd(f"{bad}/2025")


def test_identifier_messages_cut_a_huge_text():
    with pytest.raises(InvalidIdentifier) as error:
        normalize_cnpj("9" * 100_000)
    assert len(str(error.value)) < 200


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
