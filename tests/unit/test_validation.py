"""The validation pipeline: portal text in, typed values out, or a reason-specific drop."""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from scrapy.utils.test import get_crawler

from procurement_spiders.items import Demanda
from procurement_spiders.pipelines.validation import (
    DuplicateDemanda,
    InvalidData,
    InvalidDfd,
    InvalidIdentificador,
    InvalidValor,
    MissingField,
    ValidationPipeline,
    validate,
)


def demanda(**overrides) -> Demanda:
    fields = dict(
        fonte="PGC",
        chave="30/2021",
        ano_referencia=2022,
        dfd=" 030/2021 ",
        descricao="  Adquirir \n microcomputadores ",
        requisitante=" COORDENAÇÃO  ",
        valor="R$ 1.096.018,35",
        status=" Aguardando Análise ",
        data_inicio="10/02/2022",
        data_fim="2022-08-09T22:14:53",
        orgao_cnpj="05.457.283/0001-19",
        uasg=540004,
    )
    fields.update(overrides)
    return Demanda(**fields)


def test_screen_text_becomes_typed_values():
    typed = validate(demanda())
    assert typed.valor == Decimal("1096018.35")
    assert typed.dfd == "30/2021"
    assert typed.descricao == "Adquirir microcomputadores"
    assert typed.requisitante == "COORDENAÇÃO"
    assert typed.status == "Aguardando Análise"
    assert typed.data_inicio == date(2022, 2, 10) and typed.data_fim == date(2022, 8, 9)
    assert typed.orgao_cnpj == "05457283000119" and typed.uasg == "540004"


def test_json_numbers_are_rounded_to_centavos_once():
    assert validate(demanda(valor=Decimal("0.9999"))).valor == Decimal("1.00")
    assert validate(demanda(valor="")).valor is None  # empty Valor cell on PGC


@pytest.mark.parametrize(
    "overrides, reason",
    [
        ({"chave": "  "}, MissingField),
        ({"status": None}, MissingField),
        ({"valor": "R$ 12,34,56"}, InvalidValor),
        ({"valor": Decimal("1e20")}, InvalidValor),
        ({"data_inicio": "31/02/2022"}, InvalidData),
        ({"data_inicio": "10/09/2022", "data_fim": "10/08/2022"}, InvalidData),
        ({"dfd": "DFD trinta"}, InvalidDfd),
        ({"orgao_cnpj": "05457283000118"}, InvalidIdentificador),
        ({"uasg": "ABC"}, InvalidIdentificador),
    ],
)
def test_each_problem_has_its_own_reason(overrides, reason):
    with pytest.raises(reason):
        validate(demanda(**overrides))


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pncp"
VALOR_TOTAL = json.loads((FIXTURES / "valor_total.json").read_text())


def parts(*texts):
    """Item amounts as the spider passes them: JSON read with parse_float=Decimal (text kept for NaN)."""
    return [json.loads(t, parse_float=Decimal, parse_constant=str) if t is not None else None for t in texts]


@pytest.mark.parametrize("case", VALOR_TOTAL["accepted"], ids=lambda c: c["json"][:12])
def test_item_amounts_become_the_demanda_value(case):
    assert validate(demanda(fonte="PNCP", valor=parts(case["json"]))).valor == Decimal(case["centavos"])


def test_a_sum_of_item_amounts_is_rounded_once():
    # three items of 0.3333 are 0.9999 -> 1.00 once; rounding each item first would give 0.99
    assert validate(demanda(fonte="PNCP", valor=parts("0.3333", "0.3333", "0.3333"))).valor == Decimal("1.00")


@pytest.mark.parametrize("case", VALOR_TOTAL["refused"], ids=lambda c: str(c["json"])[:12])
def test_one_bad_item_amount_drops_the_demanda_with_the_reason(case):
    item = demanda(fonte="PNCP", valor=parts("36900.0", case["json"]))
    with pytest.raises(InvalidValor) as error:
        validate(item)
    assert "part 2 of 2" in str(error.value)
    assert item.valor == parts("36900.0", case["json"])  # nothing changed: the coleta records what came


@pytest.mark.parametrize("valor", [Decimal("1E+30"), Decimal(10**399), "-5,00", Decimal("-0.01")])
def test_no_decimal_error_escapes_validation(valor):
    with pytest.raises(InvalidValor):
        validate(demanda(valor=valor))


def test_pipeline_drops_a_repeated_chave():
    pipeline = ValidationPipeline.from_crawler(get_crawler())
    pipeline.process_item(demanda())
    with pytest.raises(DuplicateDemanda):
        pipeline.process_item(demanda(descricao="the same DFD read again on the next page"))
    assert pipeline.process_item({"not": "a demanda"}) == {"not": "a demanda"}
