"""`scrapy crawl pgc` and `scrapy crawl pncp -a fonte=pgc` end to end: the sandbox's PGC replica,
a real Selenium Grid with Chromium, and PostgreSQL. Every test checks what was stored against
the sandbox's ground truth."""

from __future__ import annotations

import json
import re
import tempfile
import threading
import time
import urllib.request
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from procurement_spiders.parsing.values import parse_date, parse_money
from tests.conftest import run_scrapy
from tests.pgc_support import DEMO_CPF, DEMO_SENHA, EXPIRED_CPF, pgc_crawl_env
from tests.support import run_checked


def crawl(pgc, grid_url, database_url, *args, **env):
    debug_dir = Path(tempfile.mkdtemp(prefix="pgc-debug-"))  # failed-page captures stay out of the checkout
    result = run_checked(
        database_url,
        lambda: run_scrapy(
            ["crawl", *args],
            pgc_crawl_env(pgc.url, grid_url, database_url, SELENIUM_DEBUG_DIR=str(debug_dir), **env),
            timeout=600,
        ),
    )
    result.debug_dir = debug_dir
    return result


def coletas(database_url):
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT id, fonte, status, dados FROM coletas ORDER BY id").fetchall()


def coleta_unidade(database_url, coleta_id):
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT spider, uasg, orgao_cnpj FROM coletas WHERE id = %s", (coleta_id,)).fetchone()


def demandas(database_url, coleta_id):
    with psycopg.connect(database_url) as conn:
        cur = conn.execute(
            "SELECT chave, dfd, contratacao, descricao, valor, data_inicio, data_fim, data_conclusao, status,"
            " categoria, requisitante, uasg, detalhes FROM demandas WHERE coleta_id = %s ORDER BY chave",
            (coleta_id,),
        )
        names = [c.name for c in cur.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cur.fetchall()}


def assert_dfds_match(stored, truth, detalhes=False):
    assert len(stored) == len(truth)
    for t in truth:
        s = stored[t["dfd"]]
        assert (s["dfd"], s["descricao"], s["requisitante"], s["status"], s["uasg"]) == (
            t["dfd"],
            t["descricao"],
            t["requisitante"],
            t["situacao"],
            "110511",
        )
        assert s["valor"] == (parse_money(t["valor"]) if t["valor"] else None)
        if detalhes:
            assert s["data_conclusao"] == parse_date(t["data_conclusao"])


# The demo CPF is all nines: a float such as 7.199999999999999 in the stats must not count as a leak.
_CPF_LEAK = re.compile(r"(?<![\d.])" + DEMO_CPF + r"(?!\d)")


def _no_secrets(result, database_url):
    text = result.stdout + result.stderr
    assert DEMO_SENHA not in text
    assert not _CPF_LEAK.search(text)
    for _, _, _, dados in coletas(database_url):
        blob = json.dumps(dados)
        assert DEMO_SENHA not in blob and not _CPF_LEAK.search(blob)
    for capture in result.debug_dir.rglob("*"):
        assert DEMO_SENHA not in capture.name and not _CPF_LEAK.search(capture.name)
        if capture.suffix in (".html", ".txt"):
            text = capture.read_text(errors="replace")
            assert DEMO_SENHA not in text


def test_pgc_stores_exactly_the_truth_despite_unstable_pages(pgc, grid_url, database_url):
    pgc.dataset(ano=2025, dfds=150)
    pgc.faults(unstable_pages=True, flaky_last_page=True, slow_spinner_ms=250)
    truth = pgc.truth_dfds(2025)
    result = crawl(pgc, grid_url, database_url, "pgc", "-a", "ano=2025")
    assert result.returncode == 0, result.stderr[-3000:]
    [(coleta_id, fonte, status, dados)] = coletas(database_url)
    assert (fonte, status) == ("PGC", "success"), dados
    assert_dfds_match(demandas(database_url, coleta_id), truth)
    assert "pgc/overlaps" in result.stderr  # the faults were met, and handled
    # the unit the app's header shows is the coleta's (no CNPJ is shown there)
    assert coleta_unidade(database_url, coleta_id) == ("pgc", "110511", None)
    assert dados["unidade"]["uasg"] == "110511" and dados["unidade"]["nome_uasg"]
    _no_secrets(result, database_url)


def test_pgc_with_details_and_session_expiring_mid_crawl(pgc, grid_url, database_url):
    pgc.dataset(ano=2025, dfds=60)
    # the first session expires at its 26th app call: in the middle of the detail pages, however fast they go
    pgc.faults(session_max_api_calls=25, session_expire_max=1, flaky_last_page=True)
    truth = pgc.truth_dfds(2025)
    result = crawl(pgc, grid_url, database_url, "pgc", "-a", "ano=2025", "-a", "detalhes=1")
    assert result.returncode == 0, result.stderr[-3000:]
    [(coleta_id, _, status, dados)] = coletas(database_url)
    assert status == "success", dados
    assert_dfds_match(demandas(database_url, coleta_id), truth, detalhes=True)
    assert dados["stats"]["pgc/relogins"] == 1, result.stderr[-4000:]
    assert pgc.stats()["logins"] == 2, (pgc.stats(), result.stderr[-4000:])
    _no_secrets(result, database_url)


def test_pgc_wrong_password_fails_fast_with_the_coleta_error(pgc, grid_url, database_url):
    started = time.monotonic()
    result = crawl(pgc, grid_url, database_url, "pgc", "-a", "ano=2025", PGC_SENHA="senha-errada-123")
    assert time.monotonic() - started < 60
    [(_, fonte, status, dados)] = coletas(database_url)
    assert (fonte, status) == ("PGC", "error")
    assert dados["finish_reason"] == "pgc_login_wrong_credentials"
    assert pgc.stats()["login_failures"] == 1  # one attempt, no retry loop
    assert "wrong credentials" in result.stderr
    assert "senha-errada-123" not in result.stdout + result.stderr + json.dumps(dados)


def test_pgc_expired_password_fails_fast(pgc, grid_url, database_url):
    result = crawl(pgc, grid_url, database_url, "pgc", "-a", "ano=2025", PGC_CPF=EXPIRED_CPF)
    [(_, _, status, dados)] = coletas(database_url)
    assert status == "error" and dados["finish_reason"] == "pgc_login_password_expired"
    assert "EXPIRED" in result.stderr


def test_pgc_attended_login_completed_by_the_person(pgc, grid_url, database_url):
    pgc.dataset(ano=2025, dfds=30)
    truth = pgc.truth_dfds(2025)
    done = threading.Event()

    def person():  # waits for the gov.br page to be open in the crawl's browser, then logs in there
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not done.is_set():
            try:
                pgc.complete_attended_login()
                return
            except urllib.request.HTTPError:  # 409: no login page waiting yet
                time.sleep(0.5)

    helper = threading.Thread(target=person, daemon=True)
    helper.start()
    try:
        result = crawl(
            pgc,
            grid_url,
            database_url,
            "pgc",
            "-a",
            "ano=2025",
            PGC_LOGIN_MODE="attended",
            PGC_CPF=None,
            PGC_SENHA=None,
            PGC_LOGIN_TIMEOUT="120",
        )
    finally:
        done.set()
        helper.join(timeout=5)
    assert result.returncode == 0, result.stderr[-3000:]
    [(coleta_id, _, status, dados)] = coletas(database_url)
    assert status == "success", dados
    assert_dfds_match(demandas(database_url, coleta_id), truth)
    assert ":7900/" in result.stderr  # the noVNC address was logged for the person


def test_pgc_attended_login_timeout_ends_the_run(pgc, grid_url, database_url):
    crawl(
        pgc,
        grid_url,
        database_url,
        "pgc",
        "-a",
        "ano=2025",
        PGC_LOGIN_MODE="attended",
        PGC_CPF=None,
        PGC_SENHA=None,
        PGC_LOGIN_TIMEOUT="3",
    )
    [(_, _, status, dados)] = coletas(database_url)
    assert status == "error" and dados["finish_reason"] == "pgc_login_login_timeout"


def test_pncp_fonte_pgc_reads_formacao_do_pca(pgc, grid_url, database_url):
    pgc.dataset(ano=2025, contratacoes=120)
    # the first session expires at its 9th app call, part-way through the tabs
    pgc.faults(card_batch=8, slow_spinner_ms=200, session_max_api_calls=8, session_expire_max=1)
    truth = pgc.truth_contratacoes(2025)
    # exactly as the README shows it: no cnpj, no ORGAO_CNPJ (the PGC screens never use them)
    result = crawl(pgc, grid_url, database_url, "pncp", "-a", "ano=2025", "-a", "fonte=pgc", ORGAO_CNPJ=None)
    assert result.returncode == 0, result.stderr[-3000:]
    [(coleta_id, fonte, status, dados)] = coletas(database_url)
    # the alias runs the spider pgc_formacao, and the coleta says where its data came from
    assert (fonte, status) == ("FORMACAO", "success"), dados
    assert coleta_unidade(database_url, coleta_id) == ("pgc_formacao", "110511", None)
    assert dados["stats"]["pgc/relogins"] == 1, result.stderr[-4000:]  # the expired session was replaced
    stored = demandas(database_url, coleta_id)
    assert len(stored) == len(truth)
    for t in truth:
        s = stored[t["contratacao"]]
        assert s["contratacao"] == t["contratacao"] and s["descricao"] == t["descricao"]
        assert s["dfd"] == t["dfd"]  # parsed from the start of the description, or None
        assert s["categoria"] == t["categoria"]
        assert s["valor"] == (parse_money(t["valor"]) if t["valor"] else None)
        assert (s["data_inicio"], s["data_fim"]) == (parse_date(t["inicio"]), parse_date(t["fim"]))
        assert s["status"] == t["status"]
        assert s["detalhes"]["situacao_card"] == t["badge"]
    assert isinstance(next(iter(stored.values()))["valor"], (Decimal, type(None)))
    _no_secrets(result, database_url)


@pytest.mark.parametrize("with_label", [True, False])
def test_pgc_formacao_accepts_an_empty_tab_either_way(pgc, grid_url, database_url, with_label):
    """Reference §3.3: an empty tab may show only a "no records" message (no total label, no cards)."""
    pgc.dataset(ano=2025, contratacoes=4, seed=1)  # leaves the tab Reprovadas empty
    pgc.faults(empty_tab_total=with_label)
    truth = pgc.truth_contratacoes(2025)
    assert not any(t["aba"] == "reprovadas" for t in truth)
    result = crawl(pgc, grid_url, database_url, "pgc_formacao", "-a", "ano=2025", ORGAO_CNPJ=None)
    assert result.returncode == 0, result.stderr[-3000:]
    [(coleta_id, fonte, status, dados)] = coletas(database_url)
    assert (fonte, status) == ("FORMACAO", "success"), dados
    assert sorted(demandas(database_url, coleta_id)) == sorted(t["contratacao"] for t in truth)
    assert dados["anomalias"] == []


def test_pgc_crawls_do_not_need_a_cnpj_and_bad_fonte_is_an_argument_error(pgc, grid_url, database_url):
    bad = crawl(pgc, grid_url, database_url, "pncp", "-a", "ano=2025", "-a", "fonte=xyz", ORGAO_CNPJ=None)
    assert bad.returncode == 2 and "fonte='xyz' must be one of: portal, pgc" in bad.stderr
    extra = crawl(pgc, grid_url, database_url, "pncp", "-a", "ano=2025", "-a", "fonte=pgc", "-a", "detalhes=1")
    assert extra.returncode == 2 and "unknown argument 'detalhes' for spider pgc_formacao" in extra.stderr
    assert coletas(database_url) == []  # nothing ran
