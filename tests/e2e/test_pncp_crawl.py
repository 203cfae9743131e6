"""`scrapy crawl pncp` against the sandbox stores exactly the sandbox's truth — with each fault
of the real portal switched on — and the JSON feed says the same as the table."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from decimal import Decimal

import psycopg
import pytest

from tests.support import MAIN_CNPJ, ROOT, SCRAPY, project_env, run_checked, run_scrapy

# Small pages, so every plan and the Dados Abertos rows span several pages and boundaries.
PAGING = ["-s", "PNCP_PAGE_SIZE=20", "-s", "DADOS_ABERTOS_PAGE_SIZE=50", "-s", "RATE_LIMIT_BASE_DELAY=0.2"]


def crawl(sandbox, database_url, *args: str, timeout: float = 600, **env: str):
    environment = project_env(SANDBOX_URL=sandbox.url, DATABASE_URL=database_url, ORGAO_CNPJ=MAIN_CNPJ, **env)
    return run_checked(
        database_url, lambda: run_scrapy(["crawl", "pncp", *PAGING, *args], environment, timeout=timeout)
    )


def last_coleta(database_url):
    with psycopg.connect(database_url) as conn:
        coleta = conn.execute(
            "SELECT id, fonte, ano_referencia, status, orgao_cnpj, dados FROM coletas ORDER BY id DESC LIMIT 1"
        ).fetchone()
        rows = conn.execute(
            """SELECT orgao_cnpj, uasg, (detalhes->>'sequencialPca')::int, contratacao, dfd, descricao, categoria,
                      valor, data_desejada::text, data_inicio::text, data_fim::text, status,
                      ARRAY(SELECT (i->>'numeroItem')::int FROM jsonb_array_elements(detalhes->'itens') i ORDER BY 1)
                 FROM demandas WHERE coleta_id = %s""",
            (coleta[0],),
        ).fetchall()
    return coleta, rows


def as_truth(rows) -> list[dict]:
    keys = (
        "orgao_cnpj",
        "uasg",
        "sequencial_pca",
        "contratacao",
        "dfd",
        "descricao",
        "categoria",
        "valor",
        "data_desejada",
        "data_inicio",
        "data_fim",
        "status",
        "itens",
    )
    out = [dict(zip(keys, row, strict=True)) for row in rows]
    for row in out:
        row["valor"] = f"{row['valor']:.2f}" if row["valor"] is not None else None
        row["itens"] = list(row["itens"])
    return sorted(out, key=lambda d: (d["sequencial_pca"], d["contratacao"] or "", d["dfd"] or ""))


def assert_stores_truth(sandbox, database_url, result, ano=2025, **truth_query):
    assert result.returncode == 0, result.stderr[-3000:]
    coleta, rows = last_coleta(database_url)
    truth = sandbox.truth("pncp-demandas", ano=ano, **truth_query)
    assert coleta[1:5] == ("PNCP", ano, "success", MAIN_CNPJ)
    assert truth["count"] > 20
    stored = as_truth(rows)
    assert len(stored) == truth["count"]  # nothing doubled, nothing lost
    assert stored == truth["demandas"]
    return coleta


@pytest.mark.parametrize(
    "faults",
    [
        {},
        {"latency_ms": 50},
        {"http429_every": 4},
        {"http5xx_every": 5},
        {"no_rows": "empty200"},
        {"no_rows": "404"},
        {"page_boundary": True},
        {"concurrency_limit": 2},
        {"slow_every": 9, "slow_ms": 2500},
    ],
    ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items()) or "no-faults",
)
def test_crawl_stores_exactly_the_truth(sandbox, database_url, faults):
    sandbox.faults(**faults)
    result = crawl(sandbox, database_url, "-a", "ano=2025")
    coleta = assert_stores_truth(sandbox, database_url, result)
    dados = coleta[5]
    served = sandbox.requests()["faults_served"]
    if "http429_every" in faults:
        assert served["429"] > 0 and dados["stats"]["rate_limit/retries"] == served["429"]
    if "http5xx_every" in faults:
        assert served["5xx"] > 0 and dados["stats"]["retry/count"] >= served["5xx"]
        assert dados["stats"]["retry/backoff_waits"] == dados["stats"]["retry/count"]  # each retry waited first
    if "page_boundary" in faults:
        assert dados["stats"]["pncp/repeated_items"] > 0 and dados["stats"]["pncp/plans_refetched"] > 0
    assert dados["anomalias"] == []
    assert dados["stats"]["coleta/enriquecimento"] == "complete"


def test_scrapy_stays_within_three_requests_per_host(sandbox, database_url):
    sandbox.faults(latency_ms=150)  # slow answers, so requests overlap
    result = crawl(sandbox, database_url, "-a", "ano=2025")
    assert result.returncode == 0
    assert sandbox.requests()["max_in_flight"] == 3


def test_count_mismatch_is_recorded_never_hidden(sandbox, database_url):
    sandbox.faults(count_mismatch=2)
    result = crawl(sandbox, database_url, "-a", "ano=2025")
    coleta = assert_stores_truth(sandbox, database_url, result)
    anomalias = [a for a in coleta[5]["anomalias"] if a["tipo"] == "quantidade_divergente"]
    assert len(anomalias) == coleta[5]["stats"]["pncp/plans"]  # every plan's count is off by 2
    assert all(a["informado"] == a["recebido"] + 2 for a in anomalias)
    assert "quantidade_divergente" in result.stderr


def test_dados_abertos_down_stores_pncp_data_and_says_enrichment_is_missing(sandbox, database_url):
    sandbox.faults(dadosabertos_down=True)
    result = crawl(sandbox, database_url, "-a", "ano=2025", "-s", "RETRY_COUNT=1")
    coleta = assert_stores_truth(sandbox, database_url, result, enriquecimento="false")
    assert coleta[5]["stats"]["coleta/enriquecimento"] == "failed"
    assert [a["tipo"] for a in coleta[5]["anomalias"]] == ["enriquecimento_ausente"]


def test_uasg_filter(sandbox, database_url):
    uasg = sandbox.truth("pncp-demandas", ano=2024)["demandas"][-1]["uasg"]
    result = crawl(sandbox, database_url, "-a", "ano=2024", "-a", f"uasg={uasg}")
    assert_stores_truth(sandbox, database_url, result, ano=2024, uasg=uasg)


def test_json_feed_matches_the_table(sandbox, database_url, tmp_path):
    feed = tmp_path / "demandas.json"
    result = crawl(sandbox, database_url, "-a", "ano=2023", "-O", str(feed))
    assert result.returncode == 0, result.stderr[-2000:]
    items = json.loads(feed.read_text())
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT chave, dfd, valor, data_inicio, data_fim, data_desejada, detalhes FROM demandas"
        ).fetchall()
    assert len(items) == len(rows) > 0
    by_chave = {row[0]: row for row in rows}
    for item in items:
        chave, dfd, valor, inicio, fim, desejada, detalhes = by_chave[item["chave"]]
        assert item["dfd"] == dfd
        assert Decimal(item["valor"]) == valor and item["valor"] == f"{valor:.2f}"  # no float error
        assert item["data_inicio"] == (inicio.isoformat() if inicio else None)
        assert item["data_fim"] == (fim.isoformat() if fim else None)
        assert item["data_desejada"] == (desejada.isoformat() if desejada else None)
        assert [i["numeroItem"] for i in item["detalhes"]["itens"]] == [i["numeroItem"] for i in detalhes["itens"]]


@pytest.mark.parametrize(
    "args, message",
    [
        (["-a", "ano=abc"], "error: argument ano='abc' is not a year"),
        (["-a", "ano=2019"], "error: argument ano=2019 is out of range"),
        (
            ["-a", "ano=2025", "-a", "cnpj=00394452000104"],
            "error: argument cnpj: CNPJ '00394452000104' has wrong check digits",
        ),
        (["-a", "ano=2025", "-a", "fonte=xml"], "error: argument fonte='xml' must be one of: portal, pgc"),
        (["-a", "ano=2025", "-a", "anno=2025"], "error: unknown argument 'anno' for spider pncp"),
        (
            ["-a", "ano=2025", "-a", "uasg=１２０６４５"],
            "error: argument uasg: UASG '１２０６４５' must have up to 6 digits",
        ),
        (["-a", "ano=２０２５"], "error: argument ano='２０２５' is not a year"),
        (["-a", "ano=2025", "-a", "_set_crawler=x"], "error: unknown argument '_set_crawler' for spider pncp"),
        (["-a", "ano=2025", "-a", "_job=x y"], "error: argument _job='x y' is not a scrapyd job id"),
        (["-a", "ano=" + "9" * 5000], "error: argument ano='9999999999"),
        (["-a", "ano=2025", "-a", "cnpj=" + "1" * 100_000], "error: argument cnpj: CNPJ '1111111111"),
    ],
    ids=lambda v: v[-1][:40] if isinstance(v, list) else None,
)
def test_bad_argument_one_line_no_request_no_success_coleta(sandbox, database_url, args, message):
    result = crawl(sandbox, database_url, *args)
    assert result.returncode == 2, result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message) and len(lines[0]) < 200  # a huge argument is cut
    assert sandbox.requests()["total"] == 0
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM coletas").fetchone() == (0,)


@pytest.mark.parametrize(
    "env, message",
    [
        ({"PNCP_BASE_URL": "htp:/pncp"}, "configuration error: PNCP_BASE_URL='htp:/pncp' is not a valid URL"),
        ({"ORGAO_CNPJ": "123"}, "configuration error: ORGAO_CNPJ: CNPJ '123' must have 14 digits"),
        ({"RETRY_COUNT": "x"}, "configuration error: RETRY_COUNT='x' is not a whole number"),
        ({"PNCP_PAGE_SIZE": "0"}, "configuration error: PNCP_PAGE_SIZE='0' must be between 1 and 5000"),
        ({"RATE_LIMIT_BASE_DELAY": "nan"}, "configuration error: RATE_LIMIT_BASE_DELAY='nan' is not a number"),
    ],
)
def test_bad_setting_one_line_no_request(sandbox, database_url, env, message):
    environment = project_env(SANDBOX_URL=sandbox.url, DATABASE_URL=database_url, ORGAO_CNPJ=MAIN_CNPJ)
    environment.update(env)
    result = run_scrapy(["crawl", "pncp", "-a", "ano=2025"], environment)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [message] or message in result.stderr.strip().splitlines()[-1]
    assert sandbox.requests()["total"] == 0


def test_json_logs_every_line_an_object_with_context(sandbox, database_url):
    result = crawl(sandbox, database_url, "-a", "ano=2025", LOG_FORMAT="json")
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) > 10
    for line in lines:
        assert {"timestamp", "level", "logger", "message"} <= set(line)
        assert line["timestamp"].endswith("Z")
    finished = [line for line in lines if "finished: success" in line["message"]]
    assert finished and finished[0]["ano_ref"] == 2025 and finished[0]["portal"] == "PNCP"
    assert isinstance(finished[0]["coleta_id"], int)


def test_rate_limited_for_good_stops_the_crawl_as_an_error(sandbox, database_url):
    sandbox.faults(http429_every=1)  # the WAF never lets a request through
    result = crawl(sandbox, database_url, "-a", "ano=2025", "-s", "RATE_LIMIT_MAX_RETRIES=2")
    assert result.returncode == 1
    coleta, rows = last_coleta(database_url)
    assert coleta[3] == "error" and coleta[5]["finish_reason"] == "rate_limited"
    assert coleta[5]["stats"]["rate_limit/gave_up"] >= 1 and rows == []


def test_retry_count_override_moves_scrapy_retries(sandbox, database_url):
    sandbox.faults(dadosabertos_down=True)
    result = crawl(sandbox, database_url, "-a", "ano=2025", "-s", "RETRY_COUNT=2")
    assert result.returncode == 0, result.stderr[-2000:]
    served = sandbox.requests()["by_route"]
    dados_abertos = sum(n for route, n in served.items() if "modulo-pgc" in route)
    assert dados_abertos == 3  # the first try and RETRY_COUNT=2 retries, then the page is given up


@pytest.mark.parametrize(
    "override, message",
    [
        ("POSTGRES_BATCH_SIZE=0", "configuration error: POSTGRES_BATCH_SIZE='0' must be between 1 and 100000"),
        ("RETRY_TIMES=-5", "configuration error: RETRY_TIMES='-5' must be between 0 and 50"),
        ("RETRY_COUNT=-5", "configuration error: RETRY_COUNT='-5' must be between 0 and 50"),
        ("PNCP_PAGE_SIZE=0", "configuration error: PNCP_PAGE_SIZE='0' must be between 1 and 5000"),
        ("DADOS_ABERTOS_PAGE_SIZE=0", "configuration error: DADOS_ABERTOS_PAGE_SIZE='0' must be between 1 and 500"),
        ("RATE_LIMIT_MAX_RETRIES=-1", "configuration error: RATE_LIMIT_MAX_RETRIES='-1' must be between 0 and 1000"),
        ("COLETA_MAX_RECORDED_DROPS=x", "configuration error: COLETA_MAX_RECORDED_DROPS='x' is not a whole number"),
    ],
)
def test_bad_setting_override_one_line_exit_1_nothing_runs(sandbox, database_url, override, message):
    environment = project_env(SANDBOX_URL=sandbox.url, DATABASE_URL=database_url, ORGAO_CNPJ=MAIN_CNPJ)
    result = run_scrapy(["crawl", "pncp", "-a", "ano=2025", "-s", override], environment, timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [message]
    assert sandbox.requests()["total"] == 0
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM coletas").fetchone() == (0,)


def first_items(truth) -> dict[int, int]:
    """numeroItem of each plan's first item (numbers are increasing within a plan)."""
    first: dict[int, int] = {}
    for demanda in truth["demandas"]:
        seq = demanda["sequencial_pca"]
        first[seq] = min(first.get(seq, 10**9), *demanda["itens"])
    return first


@pytest.mark.parametrize("valor_total", ["NaN", "Infinity", "1e30", "400digits", "null", "absent", "true", "-1"])
def test_a_valor_total_that_is_not_money_is_a_counted_drop(sandbox, database_url, valor_total):
    """The demanda holding that item is dropped, counted by reason and recorded with what the
    portal wrote; everything else is stored; the run succeeds and says so."""
    sandbox.faults(valor_total=valor_total)
    result = crawl(sandbox, database_url, "-a", "ano=2025")
    assert result.returncode == 0, result.stderr[-3000:]
    coleta, rows = last_coleta(database_url)
    truth = sandbox.truth("pncp-demandas", ano=2025)
    first = first_items(truth)
    dropped = [d for d in truth["demandas"] if first[d["sequencial_pca"]] in d["itens"]]
    kept = [d for d in truth["demandas"] if d not in dropped]
    assert coleta[3] == "success" and dropped
    assert as_truth(rows) == kept
    descartes = coleta[5]["descartes"]
    assert descartes["por_motivo"] == {"InvalidValor": len(dropped)} and descartes["total"] == len(dropped)
    assert len(rows) + descartes["total"] == truth["count"]  # stored + dropped = read
    recorded = {r["item"]["chave"]: r for r in descartes["registros"]}
    assert len(recorded) == len(dropped)
    assert all("valorTotal" in r["mensagem"] for r in recorded.values())


@pytest.mark.parametrize("mode", ["dfd", "dates"])
def test_an_unreadable_dados_abertos_row_keeps_the_pncp_demanda(sandbox, database_url, mode):
    sandbox.faults(dadosabertos_bad_rows=mode)
    result = crawl(sandbox, database_url, "-a", "ano=2025")
    assert result.returncode == 0, result.stderr[-3000:]
    coleta, rows = last_coleta(database_url)
    truth = sandbox.truth("pncp-demandas", ano=2025)
    stored = as_truth(rows)
    assert coleta[3] == "success" and coleta[5]["descartes"]["total"] == 0
    # every item and every centavo is stored, only the enrichment of the broken rows is missing
    assert sorted(i for d in stored for i in d["itens"]) == sorted(i for d in truth["demandas"] for i in d["itens"])
    assert sum(Decimal(d["valor"]) for d in stored) == sum(Decimal(d["valor"]) for d in truth["demandas"])
    broken = sandbox.requests()["faults_served"][f"dadosabertos_bad_rows_{mode}"]
    anomalias = [a for a in coleta[5]["anomalias"] if a["tipo"] == "enriquecimento_invalido"]
    assert broken > 0 and len(anomalias) == broken


def test_declared_totals_of_10_to_the_8_pages_and_10_to_the_9_items_are_bounded(sandbox, database_url):
    sandbox.faults(declared_total_paginas=10**8, declared_quantidade=10**9)
    result = crawl(
        sandbox,
        database_url,
        "-a",
        "ano=2025",
        "-s",
        "DADOS_ABERTOS_MAX_PAGES=20",
        "-s",
        "PNCP_MAX_ITEMS_PER_PLAN=5000",
    )
    coleta, rows = last_coleta(database_url)
    assert result.returncode == 0 and coleta[3] == "success", result.stderr[-3000:]
    tipos = [a["tipo"] for a in coleta[5]["anomalias"]]
    assert "limite_paginas" in tipos and "quantidade_acima_do_limite" in tipos
    assert as_truth(rows) == sandbox.truth("pncp-demandas", ano=2025)["demandas"]  # the real data ends first
    assert sandbox.requests()["by_route"]["/modulo-pgc/1_consultarPgcDetalhe"] == 20


def test_a_portal_that_ignores_pagina_is_read_once_and_said(sandbox, database_url):
    sandbox.faults(ignore_pagina=True)
    result = crawl(sandbox, database_url, "-a", "ano=2025", timeout=300)
    coleta, rows = last_coleta(database_url)
    assert (result.returncode == 0) == (coleta[3] == "success")
    truth = sandbox.truth("pncp-demandas", ano=2025)
    stored = as_truth(rows)
    # PNCP honours tamanhoPagina: the one-page read of each plan gets every item
    assert sorted(i for d in stored for i in d["itens"]) == sorted(i for d in truth["demandas"] for i in d["itens"])
    tipos = [a["tipo"] for a in coleta[5]["anomalias"]]
    assert "paginacao_ignorada" in tipos and "enriquecimento_parcial" in tipos


def test_sigint_during_an_endless_crawl_closes_the_coleta(sandbox, database_url):
    sandbox.faults(ignore_pagina=True, declared_total_paginas=10**8, latency_ms=300)
    environment = project_env(SANDBOX_URL=sandbox.url, DATABASE_URL=database_url, ORGAO_CNPJ=MAIN_CNPJ)
    proc = subprocess.Popen(
        [SCRAPY, "crawl", "pncp", "-a", "ano=2025", *PAGING],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        while sandbox.requests()["total"] < 10 and proc.poll() is None:
            time.sleep(0.2)
        assert proc.poll() is None, "the crawl ended before it was interrupted"
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=120)  # a bound, not a measure: it must not hang
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode != 0, stderr[-2000:]
    coleta, _ = last_coleta(database_url)
    assert coleta[3] == "error" and coleta[5]["finish_reason"] == "shutdown"


def test_a_redirect_to_another_host_is_refused(sandbox, database_url):
    sandbox.faults(redirect_host="localhost")  # the same sandbox under another name: another host
    result = crawl(sandbox, database_url, "-a", "ano=2025")
    coleta, rows = last_coleta(database_url)
    assert result.returncode == 1 and coleta[3] == "error"
    assert rows == []
    served = sandbox.requests()["faults_served"]
    assert served["redirect"] > 0 and "redirect_followed" not in served
    assert "redirecionamento_externo" in [a["tipo"] for a in coleta[5]["anomalias"]]
