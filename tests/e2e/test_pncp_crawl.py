"""`scrapy crawl pncp` against the sandbox stores exactly the sandbox's truth — with each fault
of the real portal switched on — and the JSON feed says the same as the table."""

from __future__ import annotations

import json
from decimal import Decimal

import psycopg
import pytest

from tests.conftest import MAIN_CNPJ, project_env, run_scrapy

# Small pages, so every plan and the Dados Abertos rows span several pages and boundaries.
PAGING = ["-s", "PNCP_PAGE_SIZE=20", "-s", "DADOS_ABERTOS_PAGE_SIZE=50", "-s", "RATE_LIMIT_BASE_DELAY=0.2"]


def crawl(sandbox, database_url, *args: str, **env: str):
    environment = project_env(SANDBOX_URL=sandbox.url, DATABASE_URL=database_url, ORGAO_CNPJ=MAIN_CNPJ, **env)
    return run_scrapy(["crawl", "pncp", *PAGING, *args], environment)


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
    keys = ("orgao_cnpj", "uasg", "sequencial_pca", "contratacao", "dfd", "descricao", "categoria", "valor",
            "data_desejada", "data_inicio", "data_fim", "status", "itens")
    out = [dict(zip(keys, row)) for row in rows]
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
        rows = conn.execute("SELECT chave, dfd, valor, data_inicio, data_fim, data_desejada, detalhes FROM demandas").fetchall()
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
        (["-a", "ano=2025", "-a", "cnpj=00394452000104"], "error: argument cnpj: CNPJ '00394452000104' has wrong check digits"),
        (["-a", "ano=2025", "-a", "fonte=xml"], "error: argument fonte='xml' must be one of: portal, pgc"),
        (["-a", "ano=2025", "-a", "anno=2025"], "error: unknown argument 'anno' for spider pncp"),
    ],
)
def test_bad_argument_one_line_no_request_no_success_coleta(sandbox, database_url, args, message):
    result = crawl(sandbox, database_url, *args)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [message] or result.stderr.strip().splitlines()[-1].startswith(message)
    assert sandbox.requests()["total"] == 0
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM coletas").fetchone() == (0,)


@pytest.mark.parametrize(
    "env, message",
    [
        ({"PNCP_BASE_URL": "htp:/pncp"}, "configuration error: PNCP_BASE_URL='htp:/pncp' is not a valid URL"),
        ({"ORGAO_CNPJ": "123"}, "configuration error: ORGAO_CNPJ: CNPJ '123' must have 14 digits"),
        ({"RETRY_COUNT": "x"}, "configuration error: RETRY_COUNT='x' is not a whole number"),
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
