"""PGC pieces that need no browser: parsing helpers, login-message classes, the sandbox data set."""

from __future__ import annotations

import re

import pytest

from procurement_spiders.config import load_config
from procurement_spiders.pages.pgc import Credentials, classify_login_message
from procurement_spiders.pages.pgc.dfd_list import parse_report
from procurement_spiders.parsing.identifiers import normalize_dfd
from procurement_spiders.parsing.values import parse_date, parse_money
from procurement_spiders.spiders.base import SpiderArgumentError
from procurement_spiders.spiders.pgc import PgcSpider
from procurement_spiders.spiders.pgc_formacao import dfd_from_descricao
from sandbox.pgc.data import MAX_DFDS, Dataset
from sandbox.pgc.server import MSG_BLOCKED, MSG_EXPIRED, MSG_REVOKED, MSG_WRONG


@pytest.mark.parametrize(
    "text,expected",
    [
        ("157/2025 - Aquisição de notebooks", "157/2025"),
        ("  030/2024 – Limpeza", "30/2024"),
        ("DFD nº 12/2025 Serviço", "12/2025"),
        ("Aquisição de 10/2025 cadeiras", None),
        ("Aquisição de cadeiras", None),
        ("1234567/2025 x", None),
        (None, None),
    ],
)
def test_dfd_from_descricao(text, expected):
    assert dfd_from_descricao(text) == expected


@pytest.mark.parametrize(
    "message,reason",
    [
        (MSG_WRONG.format(n=5), "wrong_credentials"),
        (MSG_EXPIRED, "password_expired"),
        (MSG_REVOKED, "password_revoked"),
        (MSG_BLOCKED, "account_blocked"),
        ("Captcha inválido (ERL0000900). Tente novamente.", "captcha_failed"),
        ("Usuário ou senha inválidos", "wrong_credentials"),
    ],
)
def test_login_messages_are_classified(message, reason):
    assert classify_login_message(message) == reason


def test_paginator_report():
    assert parse_report("Mostrando 21 a 40 de 237 registros") == (21, 40, 237)
    assert parse_report("Mostrando 1.001 a 1.020 de 10.000 registros") == (1001, 1020, 10000)
    assert parse_report(None) == (None, None, None)


def test_credentials_hide_themselves():
    creds = Credentials("99999999999", "sandbox-demo")
    assert "9999" not in repr(creds) and "sandbox" not in str(creds)
    with pytest.raises(TypeError):
        creds.__reduce__()


def test_auto_login_without_credentials_is_an_argument_error():
    config = load_config(environ={"PGC_LOGIN_MODE": "auto"}, env_file=None)
    with pytest.raises(SpiderArgumentError, match="PGC_CPF and PGC_SENHA"):
        PgcSpider.validate_arguments(config, {"ano": "2025"})
    attended = load_config(environ={"PGC_LOGIN_MODE": "attended"}, env_file=None)
    assert PgcSpider.validate_arguments(attended, {"ano": "2025", "detalhes": "1"}) == {"ano": 2025, "detalhes": True}


def test_sandbox_dataset_is_realistic_and_scales():
    ds = Dataset()
    rows = ds.truth_dfds(2025)
    assert len(rows) == 237 and len({r["dfd"] for r in rows}) == 237
    assert all(normalize_dfd(r["dfd"]) == r["dfd"] for r in rows)  # N/AAAA, not zero-padded
    assert {r["dfd"].split("/")[1] for r in rows} == {"2024", "2025"}  # DFD year differs from the PCA year
    assert any(r["valor"] == "" for r in rows)
    assert all(r["valor"] == "" or re.fullmatch(r"R\$ \d{1,3}(\.\d{3})*,\d{2}", r["valor"]) for r in rows)
    assert all(parse_money(r["valor"]) is None or parse_money(r["valor"]) > 0 for r in rows)
    assert all(parse_date(r["data_conclusao"]).year == 2025 for r in rows)
    assert {"Rascunho", "Aguardando Análise", "Devolvido"} <= {r["situacao"] for r in rows}
    cards = ds.truth_contratacoes(2025)
    assert {c["status"] for c in cards} == {"APROVADA", "REPROVADA", "PENDENTE"}
    assert any(c["dfd"] is None for c in cards) and any(c["dfd"] for c in cards)
    assert all(c["dfd"] is None or dfd_from_descricao(c["descricao"]) == c["dfd"] for c in cards)
    ds.resize(2025, dfds=MAX_DFDS)
    assert len(ds.truth_dfds(2025)) == MAX_DFDS
    with pytest.raises(ValueError):
        ds.resize(2025, dfds=MAX_DFDS + 1)
    again = Dataset()
    assert again.truth_dfds(2025) == rows  # deterministic
