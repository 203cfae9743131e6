"""The web app over HTTP (Starlette's client, in process) against a real PostgreSQL: access rules,
CSRF, the login limit, the cookie flags, /health and /metrics, pt-BR pages and streamed downloads."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import psycopg
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from procurement_spiders.web.app import create_app
from tests.support import free_port, wait_for
from tests.web_support import PASSWORDS, SESSION_SECRET, USERS, add_coleta, csrf_of, login, web_config

PAGES = [
    "/",
    "/coletas",
    "/coletas/1",
    "/coletas/1/demandas.csv",
    "/geral",
    "/geral.csv?ano=2025",
    "/mudancas",
    "/mudancas.json?ano=2025",
    "/planilha.xlsx?ano=2025",
    "/metrics",
]


@pytest.fixture
def config(database_url):
    # scrapyd at a closed port: these tests never reach it
    return web_config(database_url, SCRAPYD_URL=f"http://127.0.0.1:{free_port()}")


@pytest.fixture
def client(config):
    with TestClient(create_app(config, poll_interval=3600)) as c:
        yield c


def test_every_page_but_health_needs_a_login(client):
    for path in PAGES:
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?proximo="), path
    assert client.get("/api/execucao").status_code == 401
    assert client.get("/health").status_code == 200


def test_the_app_migrates_a_new_database(empty_database_url):
    # the web app may be the first to reach the database, and it writes the execuções (migration 007)
    with (
        TestClient(create_app(web_config(empty_database_url), poll_interval=3600)),
        psycopg.connect(empty_database_url, autocommit=True) as conn,
    ):
        wait_for(
            lambda: conn.execute("SELECT to_regclass('execucao_passos')").fetchone()[0] is not None,
            30,
            what="the migrations",
        )


def test_a_start_with_the_database_down_is_refused_in_words(config):
    down = web_config(
        f"postgresql://postgres:hunter2pass@127.0.0.1:{free_port()}/nowhere", SCRAPYD_URL=config.scrapyd_url
    )
    with TestClient(create_app(down, poll_interval=3600)) as client:
        login(client, "ana")
        token = csrf_of(client.get("/").text)
        started = client.post("/iniciar", data={"ano": "2025", "fontes": ["PNCP"], "csrf_token": token})
        cancelled = client.post("/cancelar", data={"csrf_token": token})
    for response in (started, cancelled):
        assert response.status_code == 409 and "O banco de dados não respondeu" in response.text
        assert "hunter2pass" not in response.text


def test_login_redirects_back_and_never_off_site(client):
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"usuario": "leo", "senha": PASSWORDS["leo"], "csrf_token": token, "proximo": "//evil.example/x"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"
    assert client.get("/coletas").status_code == 200


def test_leitura_cannot_start_or_cancel(client):
    login(client, "leo")
    page = client.get("/")
    assert 'id="form-iniciar"' not in page.text and "papel <strong>leitura</strong>" in page.text
    token = csrf_of(page.text)
    started = client.post("/iniciar", data={"ano": "2025", "fontes": ["PNCP"], "csrf_token": token})
    assert started.status_code == 403
    assert client.post("/cancelar", data={"csrf_token": token}).status_code == 403


def test_post_without_csrf_is_refused(client):
    # login form: no token, a wrong token
    assert client.post("/login", data={"usuario": "ana", "senha": PASSWORDS["ana"]}).status_code == 403
    client.get("/login")
    assert (
        client.post("/login", data={"usuario": "ana", "senha": PASSWORDS["ana"], "csrf_token": "forged"}).status_code
        == 403
    )
    login(client, "ana")
    response = client.post("/iniciar", data={"ano": "2025", "fontes": ["PNCP"]})
    assert response.status_code == 403 and "CSRF" in response.text
    assert client.post("/logout", data={}).status_code == 403


def test_operador_start_reports_scrapyd_down_in_words(client):
    login(client, "ana")
    token = csrf_of(client.get("/").text)
    response = client.post("/iniciar", data={"ano": "2025", "fontes": ["PNCP"], "csrf_token": token})
    assert response.status_code == 409
    assert "O scrapyd não respondeu" in response.text


def test_login_attempts_are_rate_limited(client):
    token = csrf_of(client.get("/login").text)
    for _ in range(5):
        wrong = client.post("/login", data={"usuario": "ana", "senha": "errada", "csrf_token": token})
        assert wrong.status_code == 401 and "Usuário ou senha incorretos" in wrong.text
    blocked = client.post("/login", data={"usuario": "ana", "senha": PASSWORDS["ana"], "csrf_token": token})
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0


def test_session_cookie_flags(config):
    with TestClient(create_app(config, poll_interval=3600)) as plain:
        cookie = plain.get("/login").headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    with TestClient(create_app(config, poll_interval=3600), base_url="https://testserver") as https:
        assert "; secure" in https.get("/login").headers["set-cookie"].lower()


def test_no_secret_is_rendered(client, database_url):
    add_coleta(database_url, demandas=[{"valor": "10.00"}])
    login(client, "ana")
    hashes = [entry.split(":", 2)[2] for entry in USERS.split()]
    for path in ["/", "/coletas", "/coletas/1", "/geral?ano=2025", "/mudancas?ano=2025", "/metrics", "/health"]:
        text = client.get(path).text
        for secret in [*hashes, *PASSWORDS.values(), SESSION_SECRET]:
            assert secret not in text, path


def test_health_ok_and_database_down(config, database_url):
    with TestClient(create_app(config, poll_interval=3600)) as client:
        response = client.get("/health")
    body = response.json()
    assert response.status_code == 200
    assert list(body) == ["status", "database", "selenium", "timestamp"]
    assert body["status"] == "ok" and body["database"] == "connected"
    down_url = f"postgresql://postgres:hunter2pass@127.0.0.1:{free_port()}/nowhere"
    down = web_config(down_url, SCRAPYD_URL=config.scrapyd_url)
    with TestClient(create_app(down, poll_interval=3600)) as client:
        response = client.get("/health")
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "error" and body["database"].startswith("error:") and body["down"] == ["database"]
    assert "hunter2pass" not in response.text


def _samples(text: str) -> dict[tuple, float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_metrics_equal_the_database(client, database_url):
    add_coleta(
        database_url,
        fonte="PNCP",
        demandas=[{"valor": "1"}, {"valor": "2"}],
        dados={"descartes": {"total": 3}, "anomalias": [{"tipo": "a"}, {"tipo": "b"}]},
    )
    add_coleta(database_url, fonte="PNCP", status="error", demandas=[{"valor": "5"}], dados={"descartes": {"total": 1}})
    add_coleta(database_url, fonte="PGC", spider="pgc", ano=2026, demandas=[{"valor": "7"}])
    login(client, "leo")
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    samples = _samples(response.text)
    with psycopg.connect(database_url) as conn:
        by_status = conn.execute("SELECT fonte, status, count(*) FROM coletas GROUP BY 1, 2").fetchall()
        demandas = dict(
            conn.execute(
                "SELECT c.fonte, count(*) FROM demandas d JOIN coletas c ON c.id = d.coleta_id GROUP BY 1"
            ).fetchall()
        )
        last = conn.execute(
            "SELECT fonte, ano_referencia, extract(epoch FROM max(finished_at))::float FROM coletas "
            "WHERE status = 'success' GROUP BY 1, 2"
        ).fetchall()
    for fonte, status, n in by_status:
        assert samples[("procurement_coletas", (("fonte", fonte), ("status", status)))] == n
    for fonte, n in demandas.items():
        assert samples[("procurement_demandas", (("fonte", fonte),))] == n
    for fonte, ano, epoch in last:
        assert samples[
            ("procurement_coleta_last_success_timestamp_seconds", (("ano", str(ano)), ("fonte", fonte)))
        ] == pytest.approx(epoch)
    assert samples[("procurement_items_dropped", (("fonte", "PNCP"),))] == 4
    assert samples[("procurement_anomalies", (("fonte", "PNCP"),))] == 2
    assert samples[("procurement_database_up", ())] == 1
    assert samples[("procurement_scrapyd_up", ())] == 0  # scrapyd is down in this test, and says so


def test_metrics_public_setting(database_url):
    config = web_config(database_url, METRICS_PUBLIC="true", SCRAPYD_URL=f"http://127.0.0.1:{free_port()}")
    with TestClient(create_app(config, poll_interval=3600)) as client:
        assert client.get("/metrics", follow_redirects=False).status_code == 200


def test_coleta_page_ptbr_sort_filter_search_and_paging(client, database_url):
    demandas = [
        {
            "chave": f"c{n:03d}",
            "dfd": f"{n + 1}/2025",
            "descricao": f"Item {n}" + (" cadeira" if n % 10 == 0 else ""),
            "valor": f"{1234.56 * (n + 1):.2f}",
            "status": "APROVADA" if n % 2 else "PENDENTE",
            "data_inicio": date(2025, 3, 7),
        }
        for n in range(120)
    ]
    coleta_id = add_coleta(
        database_url,
        demandas=demandas,
        dados={
            "anomalias": [{"tipo": "pagina_incompleta", "mensagem": "a página 3 veio vazia"}],
            "descartes": {
                "total": 1,
                "por_motivo": {"InvalidDemanda": 1},
                "registros": [{"motivo": "InvalidDemanda", "mensagem": "valor negativo", "item": {"chave": "x9"}}],
            },
        },
    )
    login(client, "leo")
    page = client.get(f"/coletas/{coleta_id}").text
    assert "R$ 1.234,56" in page and "07/03/2025" in page and "página 1 de 3" in page
    assert "a página 3 veio vazia" in page and "valor negativo" in page
    top = client.get(f"/coletas/{coleta_id}?ordem=valor&desc=1").text
    assert top.index("R$ 148.147,20") < top.index("R$ 146.912,64")  # 120 × 1234,56 first
    found = client.get(f"/coletas/{coleta_id}?busca=cadeira&situacao=PENDENTE").text
    assert "12 demandas com esses filtros" in found
    # sorting keeps the filters (encoded, & escaped in HTML) and goes back to page 1
    by_valor = f"/coletas/{coleta_id}?busca=cadeira&amp;situacao=PENDENTE&amp;ordem=valor&amp;desc=0&amp;pagina=1"
    assert f'href="{by_valor}"' in found
    last = client.get(f"/coletas/{coleta_id}?pagina=3").text
    assert "c119" in last and "c000" not in last
    listing = client.get("/coletas?ano=2025&status=success").text
    assert f'href="/coletas/{coleta_id}"' in listing and "R$ 8.962.905,60" in listing  # 1234,56 × (1+…+120)


def test_downloads_stream_every_row(client, database_url):
    coleta_id = add_coleta(database_url, demandas=[{"chave": f"k{n}", "valor": "1.50"} for n in range(1200)])
    login(client, "leo")
    with client.stream("GET", f"/coletas/{coleta_id}/demandas.csv") as response:
        assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
        text = "".join(response.iter_text())
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 1200 and rows[0]["valor"] == "1.50"
    data = json.loads(client.get(f"/coletas/{coleta_id}/demandas.json").text)
    assert len(data) == 1200 and {d["chave"] for d in data} == {f"k{n}" for n in range(1200)}


def test_geral_badges_count_and_filter(client, database_url):
    add_coleta(
        database_url,
        fonte="PGC",
        spider="pgc",
        demandas=[
            {"chave": "1/2025", "dfd": "1/2025", "valor": "10.00"},
            {"chave": "2/2025", "dfd": "2/2025", "valor": "20.00"},
        ],
    )
    add_coleta(database_url, fonte="PNCP", demandas=[{"chave": "p1", "dfd": "1/2025", "valor": "10.00"}])
    login(client, "leo")
    page = client.get("/geral?ano=2025").text
    assert 'data-achado="SO_NO_PGC"' in page and "2 linhas" in page
    only = client.get("/geral?ano=2025&achado=SO_NO_PGC")
    assert only.status_code == 200, only.text
    assert "1 linhas com" in only.text and "2/2025" in only.text and ">1/2025<" not in only.text


def test_coleta_page_statements_use_index_only_scans_of_migration_008(database_url):
    """The sort orders match migration 008's indexes, and skipping to a page reads only them (an
    index-only scan, the situação filter included); the search text matches 005's trigram index."""
    from sqlalchemy.dialects import postgresql

    from procurement_spiders.web.demandas_page import DemandasQuery

    coleta_id = add_coleta(database_url, status="running")
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO demandas (coleta_id, chave, descricao, valor, status) SELECT %s, 'k' || n, "
            "'Aquisição de material, lote ' || n, n, (ARRAY['APROVADA', 'PENDENTE'])[n %% 2 + 1] "
            "FROM generate_series(1, 20000) n",
            (coleta_id,),
        )
        conn.execute("VACUUM ANALYZE demandas")  # the visibility map an index-only scan relies on

    def plan(stmt) -> str:
        sql = str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
        with psycopg.connect(database_url) as conn:
            conn.execute("SET enable_seqscan = off")
            conn.execute("SET enable_sort = off")
            return "\n".join(r[0] for r in conn.execute("EXPLAIN " + sql.replace("%%", "%")))

    assert "demandas_busca_trgm_idx" in plan(DemandasQuery(busca="lote 4242").count_select(coleta_id))
    for ordem, index in [("chave", "chave"), ("valor", "valor"), ("data_fim", "fim"), ("descricao", "descricao")]:
        for desc, way in ((False, "Only Scan using"), (True, "Only Scan Backward using")):
            if ordem == "descricao":  # an expression's index: read with the table (migration 008)
                way = way.replace("Only ", "")
            stmt = DemandasQuery(ordem=ordem, desc=desc, status="PENDENTE", pagina=30).page_select(coleta_id)
            assert f"Index {way} demandas_pagina_{index}_idx" in plan(stmt), (ordem, desc)
    # page 390 of 400 is read from the end: the index backward, 500 entries skipped, not 19,450
    deep = plan(DemandasQuery(ordem="valor", pagina=390).page_select(coleta_id, total=20000))
    assert "Index Only Scan Backward using demandas_pagina_valor_idx" in deep


def test_every_page_is_the_same_read_from_either_end(database_url):
    """A page past the middle is fetched from the end (the total given): for every sort, both
    directions, with and without a filter, each page holds exactly the rows of one full sorted
    read, ties (equal and empty values) broken by id; the last page may be short."""
    from procurement_spiders.reports.engine import report_engine
    from procurement_spiders.web.demandas_page import SORTS, DemandasQuery

    values = [None, "1.00", "2.50", "2.50"]
    coleta_id = add_coleta(
        database_url,
        demandas=[
            {
                "chave": f"k{n:03d}",
                "dfd": None if n % 5 == 0 else f"{n % 7 + 1}/2025",
                "descricao": None if n % 6 == 0 else f"Item {n % 4}",
                "valor": values[n % 4],
                "status": ("APROVADA", "PENDENTE", None)[n % 3],
                "data_inicio": None if n % 4 == 0 else date(2025, 1 + n % 3, 1),
            }
            for n in range(103)
        ],
    )
    engine = report_engine(database_url)
    with engine.connect() as conn:
        for ordem in SORTS:
            for desc in (False, True):
                for status in (None, "PENDENTE"):
                    full = DemandasQuery(ordem=ordem, desc=desc, status=status, page_size=1000)
                    expected = [r.id for r in conn.execute(full.page_select(coleta_id))]
                    total = len(expected)
                    for pagina in range(1, total // 10 + 3):
                        query = DemandasQuery(ordem=ordem, desc=desc, status=status, pagina=pagina, page_size=10)
                        want = expected[(pagina - 1) * 10 : pagina * 10]
                        for known in (None, total):
                            got = [r.id for r in conn.execute(query.page_select(coleta_id, known))]
                            assert got == want, (ordem, desc, status, pagina, known)
    engine.dispose()


def test_mudancas_counts_filter_and_download(client, database_url):
    add_coleta(database_url, demandas=[{"chave": "a", "valor": "10.00"}, {"chave": "b", "valor": "20.00"}])
    add_coleta(database_url, demandas=[{"chave": "a", "valor": "15.00"}, {"chave": "c", "valor": "30.00"}])
    login(client, "leo")
    page = client.get("/mudancas?ano=2025&fonte=pncp").text
    for tipo, n in (("incluída", 1), ("removida", 1), ("alterada", 1)):
        assert f"{tipo} <b>{n}</b>" in page
    only = client.get("/mudancas?ano=2025&fonte=pncp&tipo=alterada").text
    assert "1 linhas" in only and ">R$ 10,00<" in only and ">R$ 15,00<" in only  # antes, depois in pt-BR
    rows = json.loads(client.get("/mudancas.json?ano=2025&fonte=pncp").text)
    assert sorted((r["tipo"], r["chave"]) for r in rows) == [("alterada", "a"), ("incluida", "c"), ("removida", "b")]


def test_coletas_list_filters_by_report_source(client, database_url):
    old_formacao = add_coleta(database_url, dados={"argumentos": {"fonte_dados": "pgc"}})
    pncp = add_coleta(database_url, dados={"argumentos": {"fonte_dados": "portal"}})
    failed = add_coleta(database_url, fonte="PGC", spider="pgc", status="error")
    login(client, "leo")

    def listed(query: str) -> set[int]:
        text = client.get("/coletas?" + query).text
        return {n for n in (old_formacao, pncp, failed) if f'href="/coletas/{n}"' in text}

    assert listed("fonte=FORMACAO") == {old_formacao}
    assert listed("fonte=PNCP") == {pncp}
    assert listed("status=error") == {failed}
    assert listed("ano=2024") == set()
