"""The seeded data model: identifiers, structure, money exactness, determinism and scale."""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

import pytest

from procurement_spiders.parsing.identifiers import cnpj_check_digits
from sandbox.dataset import MAIN_CNPJ, YEARS, Dataset, ItemView

GROUP_CODE = re.compile(r"^(\d{6})-(\d+)/(\d{4})$")


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return Dataset(itens=3000, seed=2025)


def test_orgaos_have_valid_cnpjs_and_the_main_one_is_the_demo_orgao(dataset):
    assert MAIN_CNPJ == "00394452000103"
    assert len(dataset.orgaos) == 3
    for cnpj in dataset.orgaos:
        assert len(cnpj) == 14 and cnpj.isdigit()
        assert cnpj_check_digits(cnpj[:12]) == cnpj[12:]


def test_main_orgao_has_exactly_itens_items_every_year_and_others_are_small(dataset):
    for ano in YEARS:
        assert sum(p.quantidade for p in dataset.planos_of(MAIN_CNPJ, ano)) == 3000
        for cnpj in dataset.orgaos:
            if cnpj != MAIN_CNPJ:
                assert 0 < sum(p.quantidade for p in dataset.planos_of(cnpj, ano)) <= 60


def test_one_plan_per_uasg_with_distinct_sequencials_and_some_empty_plans(dataset):
    empty = 0
    for (cnpj, ano), planos in dataset.planos.items():
        uasgs = [p.codigo_unidade for p in planos]
        assert len(uasgs) == len(set(uasgs)) and all(re.fullmatch(r"\d{6}", u) for u in uasgs)
        seqs = [p.sequencial for p in planos]
        assert seqs == sorted(set(seqs)) and seqs[0] >= 1
        assert all(re.fullmatch(rf"{cnpj}-0-\d{{6}}/{ano}", p.numero_controle) for p in planos)
        empty += sum(1 for p in planos if p.quantidade == 0)
    assert empty > 0


def test_items_follow_the_real_shapes(dataset):
    planos = [p for p in dataset.planos_of(MAIN_CNPJ, 2025) if p.quantidade]
    null_groups = trailing_spaces = fractional_prices = 0
    for plano in planos:
        numeros = [ItemView(plano, i).numero for i in range(plano.quantidade)]
        assert numeros == sorted(set(numeros))  # unique and increasing
        for i in range(plano.quantidade):
            item = ItemView(plano, i).integracao()
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", item["dataDesejada"])
            for key in ("dataInclusao", "dataAtualizacao", "dataPublicacaoPncp"):
                assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", item[key])
            assert item["dataInclusao"] <= item["dataAtualizacao"]
            quantidade, unitario = Decimal(repr(item["quantidade"])), Decimal(repr(item["valorUnitario"]))
            total = Decimal(repr(item["valorTotal"]))
            assert quantidade * unitario == total, item  # exact, at most 4 decimals
            assert -total.as_tuple().exponent <= 4
            code = item["grupoContratacaoCodigo"]
            if code is None:
                null_groups += 1
                assert item["grupoContratacaoNome"] is None
            else:
                uasg, _, ano = GROUP_CODE.fullmatch(code).groups()
                assert (uasg, int(ano)) == (plano.codigo_unidade, 2025)
            assert item["classificacaoCatalogoId"] in (1, 2)
            assert item["nomeCatalogo"] == "Catálogo do Compras.gov.br"
            assert 1 <= item["categoriaItemPcaid"] <= 8
            trailing_spaces += item["unidadeFornecimento"] != item["unidadeFornecimento"].rstrip()
            fractional_prices += -unitario.as_tuple().exponent == 4
    assert null_groups > 0 and trailing_spaces > 0 and fractional_prices > 0


def test_dfd_structure_matches_pgc(dataset):
    items = unmatched = 0
    split_groups = previous_year = unpublished = 0
    for plano in dataset.planos_of(MAIN_CNPJ, 2025):
        if not plano.quantidade:
            continue
        est = plano.estrutura
        dfds_per_group: dict[int, set] = {}
        for i in range(plano.quantidade):
            items += 1
            d = est.dfd_of[i]
            if d < 0:
                unmatched += 1
                continue
            dfd = est.dfds[d]
            assert re.fullmatch(r"[1-9]\d*/\d{4}", dfd.texto)
            assert dfd.grupo == est.grupo_of[i]
            dfds_per_group.setdefault(est.grupo_of[i], set()).add(dfd.texto)
        split_groups += sum(1 for s in dfds_per_group.values() if len(s) == 2)
        assert all(len(s) <= 2 for s in dfds_per_group.values())
        previous_year += sum(1 for d in est.dfds if d.ano == 2024)
        assert all(d.ano in (2024, 2025) for d in est.dfds)
        unpublished += sum(d.unpublished_rows for d in est.dfds)
        texts = [d.texto for d in est.dfds]
        assert len(texts) == len(set(texts))
    assert 0.02 < unmatched / items < 0.09
    assert split_groups > 0 and previous_year > 0 and unpublished > 0


def test_dfd_numbers_of_a_uasg_never_repeat_across_pca_years(dataset):
    seen: Counter = Counter()
    for ano in YEARS:
        for plano in dataset.planos_of(MAIN_CNPJ, ano):
            if plano.quantidade:
                seen.update((plano.codigo_unidade, d.texto) for d in plano.estrutura.dfds)
    assert seen and max(seen.values()) == 1


def _fingerprint(dataset: Dataset) -> list:
    out = []
    for plano in dataset.all_planos():
        out.append((plano.numero_controle, plano.codigo_unidade, plano.quantidade, str(plano.valor_total)))
        if plano.quantidade:
            out.append(ItemView(plano, plano.quantidade - 1).integracao())
            out.append([(d.texto, d.grupo) for d in plano.estrutura.dfds])
    return out


def test_same_seed_same_data_other_seed_other_data():
    assert _fingerprint(Dataset(500, 7)) == _fingerprint(Dataset(500, 7))
    assert _fingerprint(Dataset(500, 7)) != _fingerprint(Dataset(500, 8))


def test_100k_items_generate_and_render():
    dataset = Dataset(itens=100_000)
    rendered = 0
    for plano in dataset.planos_of(MAIN_CNPJ, 2025):
        for i in range(plano.quantidade):
            ItemView(plano, i).integracao()
            rendered += 1
    assert rendered == 100_000
