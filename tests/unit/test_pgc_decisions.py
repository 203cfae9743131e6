"""The pure decisions of the PGC page objects and spiders, on plain data (no browser): where the
paginator walk goes next, which pages to read again, what a table or card state says, which unit
the app's header names, and how `pncp -a fonte=pgc` is redirected."""

from __future__ import annotations

import pytest

from procurement_spiders.config import load_config
from procurement_spiders.exceptions import PgcPageError, SpiderArgumentError
from procurement_spiders.pages.pgc.dfd_list import list_page_from_state, next_paginator_step
from procurement_spiders.pages.pgc.formacao import tab_progress
from procurement_spiders.pages.pgc.login import login_outcome
from procurement_spiders.pages.pgc.unidade import parse_unidade
from procurement_spiders.spiders.pgc import overlapping_neighbours
from procurement_spiders.spiders.pgc_formacao import PgcFormacaoSpider
from procurement_spiders.spiders.pncp import PncpSpider

HEADERS = ["", "Sigilo", "UASG", "DFD", "Prioridade", "Requisitante", "Descrição", "Valor", "Situação", "Ações"]


def row(dfd):
    return ["", "", "110511", dfd, "Média", "DTI", "Notebooks", "R$ 1.234,56", "Rascunho", ""]


# -- paginator walk ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "current,target,visible,step",
    [
        (1, 1, [1, 2, 3, 4, 5], None),  # already there
        (1, 3, [1, 2, 3, 4, 5], 3),  # visible: straight to it
        (1, 12, [1, 2, 3, 4, 5], 5),  # not visible: the nearest button
        (5, 12, [3, 4, 5, 6, 7], 7),
        (12, 2, [10, 11, 12], 10),  # backwards
    ],
)
def test_next_paginator_step(current, target, visible, step):
    assert next_paginator_step(current, target, visible) == step


def test_a_paginator_that_offers_no_way_forward_is_a_page_error():
    with pytest.raises(PgcPageError, match="cannot be reached"):
        next_paginator_step(3, 9, [3])
    with pytest.raises(PgcPageError):
        next_paginator_step(3, 9, [])


# -- reading a table state ----------------------------------------------------------------------
def test_list_page_from_state_reads_rows_and_paginator_numbers():
    state = {
        "headers": HEADERS,
        "rows": [row("7/2025"), row("8/2024"), ["Nenhum registro encontrado"]],
        "current": "2",
        "pages": ["1", "2", "3"],
        "report": "Mostrando 21 a 22 de 1.022 registros",
    }
    page = list_page_from_state(state)
    assert (page.page, page.total, page.first, page.last) == (2, 1022, 21, 22)
    assert page.pages == 52  # 1022 rows of 20 a page, though only 3 buttons show
    assert [r["dfd"] for r in page.rows] == ["7/2025", "8/2024"]  # the message row is not a DFD
    assert page.rows[0] == {
        "dfd": "7/2025",
        "requisitante": "DTI",
        "descricao": "Notebooks",
        "valor": "R$ 1.234,56",
        "situacao": "Rascunho",
        "uasg": "110511",
    }
    assert page.expected_rows == 2


def test_list_page_without_a_uasg_column_and_with_changed_headers():
    headers = ["", "", "Tipo", *HEADERS[3:]]
    page = list_page_from_state(
        {"headers": headers, "rows": [row("7/2025")], "current": "1", "pages": ["1"], "report": None}
    )
    assert page.rows[0]["uasg"] is None and page.expected_rows is None and page.pages == 1
    with pytest.raises(PgcPageError, match="unexpected DFD table headers"):
        list_page_from_state({"headers": ["DFD", "Valor"], "rows": [], "current": "1", "pages": [], "report": None})


# -- neighbour pages ------------------------------------------------------------------------------
def test_pages_sharing_rows_are_read_again_lower_first():
    page_dfds = {1: ["1/2025", "2/2025"], 2: ["2/2025", "3/2025"], 3: ["4/2025"]}
    assert overlapping_neighbours(2, page_dfds, [], {1: 1, 2: 1}) == [(1, [2, 1])]
    assert overlapping_neighbours(3, page_dfds, [], {}) == []  # no shared rows


def test_neighbour_rereads_are_bounded_and_skip_queued_pages():
    page_dfds = {1: ["1/2025", "2/2025"], 2: ["2/2025", "3/2025"], 3: ["3/2025"]}
    assert overlapping_neighbours(2, page_dfds, [1], {}) == [(3, [3, 2])]  # page 1 is queued already
    assert overlapping_neighbours(2, page_dfds, [], {1: 4, 2: 4, 3: 4}, max_rereads=3) == [(1, []), (3, [])]
    # both neighbours overlap: page 2 is queued once
    assert overlapping_neighbours(2, page_dfds, [], {}) == [(1, [2, 1]), (3, [3])]


# -- Formação tabs ----------------------------------------------------------------------------------
def card(n):
    return {"contratacao": f"110511-{n}/2025", "descricao": "x"}


def test_tab_progress_counts_cards_against_the_total_label():
    assert tab_progress({"total": "Total de registros: 3", "cards": [card(1), card(2)]}, []) == (
        [card(1), card(2)],
        3,
        False,
    )
    assert tab_progress({"total": "Total de registros: 3", "cards": [card(3)]}, [card(1), card(2)]) == (
        [card(3)],
        3,
        True,
    )


def test_tab_progress_waits_for_half_rendered_cards():
    assert tab_progress({"total": "Total de registros: 2", "cards": [card(1), None]}, []) == ([], 2, False)
    assert tab_progress({"total": "Total de registros: 2", "cards": [card(1), {"contratacao": None}]}, []) == (
        [],
        2,
        False,
    )


@pytest.mark.parametrize(
    "state",
    [
        {"total": "Total de registros: 0", "cards": [None], "empty": "Nenhuma contratação encontrada."},
        {"total": None, "cards": [None], "empty": "Nenhuma contratação encontrada."},  # message only (§3.3)
    ],
)
def test_an_empty_tab_is_complete_with_or_without_its_total_label(state):
    assert tab_progress(state, []) == ([], 0, True)


def test_a_tab_with_neither_label_nor_message_is_not_finished():
    assert tab_progress({"total": None, "cards": [], "empty": None}, []) == ([], None, False)


# -- the unit in the app's header and the login outcome -------------------------------------------------
@pytest.mark.parametrize(
    "text,expected",
    [
        ("UASG 110511 — COORDENAÇÃO-GERAL DE LOGÍSTICA", ("110511", "COORDENAÇÃO-GERAL DE LOGÍSTICA", None)),
        (
            "UASG 200014 - PR-ARQUIVO NACIONAL-RJ (CNPJ 00.394.411/0001-09)",
            ("200014", "PR-ARQUIVO NACIONAL-RJ", "00394411000109"),
        ),
        ("UASG 200014 - X (CNPJ 00.394.411/0001-00)", ("200014", "X", None)),  # wrong check digits: not a CNPJ
        ("Compras.gov.br", (None, None, None)),
        (None, (None, None, None)),
    ],
)
def test_parse_unidade(text, expected):
    got = parse_unidade(text)
    assert (got["uasg"], got["nome_uasg"], got["orgao_cnpj"]) == expected


def test_login_outcome():
    assert login_outcome(True, None) == "ok"
    assert login_outcome(False, "Senha inválida") == "msg:Senha inválida"
    assert login_outcome(False, None) is None


# -- pncp -a fonte=pgc ----------------------------------------------------------------------------------
def test_pncp_fonte_pgc_is_an_alias_of_pgc_formacao():
    assert PncpSpider.alias_for({"ano": "2025", "fonte": "PGC"}) == ("pgc_formacao", {"ano": "2025"})
    assert PncpSpider.alias_for({"ano": "2025", "fonte": "portal"}) is None
    assert PncpSpider.alias_for({"ano": "2025"}) is None
    with pytest.raises(SpiderArgumentError, match="must be one of: portal, pgc"):
        PncpSpider.alias_for({"ano": "2025", "fonte": "xyz"})


def test_pgc_formacao_needs_no_cnpj():
    config = load_config(environ={"PGC_CPF": "99999999999", "PGC_SENHA": "s"}, env_file=None)
    assert config.orgao_cnpj is None
    assert PgcFormacaoSpider.validate_arguments(config, {"ano": "2025"}) == {"ano": 2025}
    with pytest.raises(SpiderArgumentError, match="unknown argument 'cnpj'"):
        PgcFormacaoSpider.validate_arguments(config, {"ano": "2025", "cnpj": "00394452000103"})


# -- the coleta's unit ----------------------------------------------------------------------------------
def formacao_spider():
    from scrapy.utils.test import get_crawler

    from procurement_spiders.config import config_to_settings

    config = load_config(environ={"PGC_CPF": "99999999999", "PGC_SENHA": "s"}, env_file=None)
    crawler = get_crawler(PgcFormacaoSpider, settings_dict=dict(config_to_settings(config)))
    return PgcFormacaoSpider.from_crawler(crawler, ano="2025")


def test_the_unit_shown_in_the_header_is_the_coletas_and_another_after_a_new_login_is_an_anomaly():
    spider = formacao_spider()
    spider.note_unidade({"uasg": "110511", "nome_uasg": "CGRL", "orgao_cnpj": None})
    spider.unidade_from_data("999999")  # what the data shows never replaces what the header shows
    assert spider.unidade == {"uasg": "110511", "nome_uasg": "CGRL", "orgao_cnpj": None, "origem": "cabecalho"}
    spider.note_unidade({"uasg": "110511", "nome_uasg": "CGRL", "orgao_cnpj": None})
    assert not spider.coleta.anomalias
    spider.note_unidade({"uasg": "200014", "nome_uasg": "X", "orgao_cnpj": None})
    [anomalia] = spider.coleta.anomalias
    assert anomalia["tipo"] == "pgc_uasg_mudou" and spider.coleta.incompleta


def test_without_a_header_the_unit_comes_from_the_data():
    spider = formacao_spider()
    spider.note_unidade({"uasg": None, "nome_uasg": None, "orgao_cnpj": None})
    spider.unidade_from_data("110511")
    assert spider.unidade == {"uasg": "110511", "nome_uasg": None, "orgao_cnpj": None, "origem": "dados"}
