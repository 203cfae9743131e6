"""Reports after real crawls of the sandbox's story (sandbox/story.py): `scrapy geral` equals the
sandbox truth row for row; the story switched a week later and crawled again, `scrapy mudancas`
equals the truth of what changed, for each source; the workbook holds what the database holds."""

from __future__ import annotations

import json
import urllib.request
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import psycopg
import pytest

from tests.pgc_support import grid_url, pgc, pgc_crawl_env  # noqa: F401
from tests.support import run_scrapy

FONTES = ("PGC", "FORMACAO", "PNCP")
SOURCE_CRAWLS = {
    "PNCP": ["pncp", "-a", "ano=2025"],
    "PGC": ["pgc", "-a", "ano=2025"],
    "FORMACAO": ["pncp", "-a", "ano=2025", "-a", "fonte=pgc"],
}


def call(url: str, path: str, body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url + path, data=data, method="POST" if data else "GET", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


@pytest.fixture
def story(sandbox, pgc):  # noqa: F811
    """The sandbox serving the story, version 1; the generated data again afterwards."""
    call(sandbox.url, "/__sandbox__/story", {"versao": 1})
    yield sandbox
    call(sandbox.url, "/__sandbox__/story", {"versao": 0})


def env(sandbox, grid_url, database_url, **extra):  # noqa: F811
    return pgc_crawl_env(sandbox.url, grid_url, database_url, **extra)


def crawl_all(sandbox, grid_url, database_url, fontes=FONTES) -> None:  # noqa: F811
    for fonte in fontes:
        result = run_scrapy(["crawl", *SOURCE_CRAWLS[fonte]], env(sandbox, grid_url, database_url))
        assert result.returncode == 0, result.stderr[-3000:]


def scrapy(sandbox, grid_url, database_url, *args):  # noqa: F811
    return run_scrapy(list(args), env(sandbox, grid_url, database_url), timeout=300)


def _norm(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


GERAL_FIELDS = (
    "chave",
    "dfd",
    "pgc_situacao",
    "pgc_valor",
    "formacao_contratacao",
    "formacao_status",
    "formacao_inicio",
    "formacao_fim",
    "formacao_valor",
    "pncp_contratacao",
    "pncp_valor",
    "pncp_inicio",
    "pncp_fim",
    "valor_referencia",
)


def test_geral_equals_the_story_truth_and_the_workbook_the_database(story, grid_url, database_url, tmp_path):  # noqa: F811
    crawl_all(story, grid_url, database_url)
    truth = call(story.url, "/__sandbox__/truth/geral?ano=2025")
    assert {code for row in truth["rows"] for code in row["achados"]} == {
        "SO_NO_PGC",
        "APROVADA_NAO_PUBLICADA",
        "PNCP_SEM_DFD_NO_PGC",
        "CANCELADO_NO_PLANO",
        "VALOR_DIVERGENTE",
        "DATAS_DIVERGENTES",
        "DFD_DUPLICADO",
    }  # every finding is planted

    out = tmp_path / "geral.json"
    result = scrapy(story, grid_url, database_url, "geral", "-a", "ano=2025", "-o", str(out))
    assert result.returncode == 0, result.stderr
    report = {row["chave"]: row for row in json.loads(out.read_text())}
    expected = {row["chave"]: row for row in truth["rows"]}
    assert sorted(report) == sorted(expected)
    for chave, row in expected.items():
        got = {f: _norm(report[chave][f]) for f in GERAL_FIELDS}
        got["pgc_valor"], got["formacao_valor"], got["pncp_valor"], got["valor_referencia"] = (
            _money(report[chave][f]) for f in ("pgc_valor", "formacao_valor", "pncp_valor", "valor_referencia")
        )
        assert got == {f: row[f] for f in GERAL_FIELDS}, chave
        assert sorted(report[chave]["achados"]) == sorted(row["achados"]), chave
    # On screen: pt-BR, the summary per finding with the truth's counts and sums.
    for code, entry in truth["resumo"].items():
        line = next(ln for ln in result.stdout.splitlines() if ln.strip().startswith(code))
        assert line.split()[-3] == str(entry["quantidade"]), line
        assert line.endswith(_brl(entry["valor"])), line

    book = tmp_path / "pca-2025.xlsx"
    result = scrapy(story, grid_url, database_url, "planilha", "-a", "ano=2025", "-O", str(book))
    assert result.returncode == 0, result.stderr
    check_workbook(book, database_url, len(expected))


def _money(value):
    return None if value is None else str(Decimal(str(value)).quantize(Decimal("0.01")))


def _brl(text: str) -> str:
    whole, cents = f"{Decimal(text):.2f}".split(".")
    return f"R$ {int(whole):,}".replace(",", ".") + f",{cents}"


def check_workbook(path, database_url, geral_rows):
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["PGC", "Formação do PCA", "PNCP", "Geral", "Mudanças", "Coletas"]
    with psycopg.connect(database_url) as conn:
        totals = dict(
            conn.execute(
                "SELECT CASE WHEN dados->'argumentos'->>'fonte_dados' = 'pgc' THEN 'FORMACAO' ELSE fonte END,"
                " (SELECT coalesce(sum(valor), 0) FROM demandas d WHERE d.coleta_id = c.id)"
                " FROM coletas c WHERE status = 'success'"
            ).fetchall()
        )
    for sheet, fonte in (("PGC", "PGC"), ("Formação do PCA", "FORMACAO"), ("PNCP", "PNCP")):
        ws = wb[sheet]
        last_column = ws.cell(1, ws.max_column).column_letter
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:{last_column}{ws.max_row}"
        header = [c.value for c in ws[1]]
        valor = header.index("Valor") + 1
        cells = [ws.cell(r, valor) for r in range(2, ws.max_row + 1)]
        assert all(c.number_format == '"R$" #,##0.00' for c in cells if c.value is not None)
        assert all(isinstance(c.value, (int, float)) for c in cells if c.value is not None)
        assert round(Decimal(str(sum(c.value or 0 for c in cells))), 2) == totals[fonte], sheet
    formacao = wb["Formação do PCA"]
    inicio = [c.value for c in formacao[1]].index("Início") + 1
    dated = [formacao.cell(r, inicio) for r in range(2, formacao.max_row + 1)]
    assert dated and all(isinstance(c.value, datetime) and c.number_format == "dd/mm/yyyy" for c in dated)
    geral = wb["Geral"]
    assert geral.max_row == geral_rows + 1 and geral["A1"].value == "DFD / chave"
    coletas = wb["Coletas"]
    assert [c.value for c in coletas[1]][:3] == ["Planilha", "Coleta", "Fonte"]
    assert {coletas.cell(r, 1).value for r in range(2, coletas.max_row + 1)} >= {"PGC", "Formação do PCA", "PNCP"}


def test_mudancas_after_the_story_moves_a_week_on(story, grid_url, database_url, tmp_path):  # noqa: F811
    crawl_all(story, grid_url, database_url)
    call(story.url, "/__sandbox__/story", {"versao": 2})
    crawl_all(story, grid_url, database_url)
    expected_sheet = []
    for fonte, name in (("PGC", "pgc"), ("FORMACAO", "formacao"), ("PNCP", "pncp")):
        truth = call(story.url, f"/__sandbox__/truth/mudancas?fonte={fonte}&de=1&para=2")["rows"]
        expected_sheet += [(t["tipo"], t["chave"], t["campo"]) for t in truth]
        out = tmp_path / f"mudancas-{name}.json"
        result = scrapy(
            story, grid_url, database_url, "mudancas", "-a", f"fonte={name}", "-a", "ano=2025", "-o", str(out)
        )
        assert result.returncode == 0, result.stderr
        report = json.loads(out.read_text())
        keys = ("tipo", "chave", "dfd", "contratacao", "campo", "antes", "depois")
        got = sorted(tuple(r[k] for k in keys) for r in report)
        assert got == sorted(tuple(t[k] for k in keys) for t in truth), fonte
        assert truth, fonte  # the story changes every source
    pgc_screen = scrapy(story, grid_url, database_url, "mudancas", "-a", "fonte=pgc", "-a", "ano=2025").stdout
    assert "incluídas: 1  removidas: 1  alteradas: 2" in pgc_screen
    assert "valor: R$ 35.000,00 → R$ 38.500,00" in pgc_screen
    # The workbook's Mudanças sheet: each source's latest two coletas, the same changes.
    book = tmp_path / "pca-2025.xlsx"
    assert scrapy(story, grid_url, database_url, "planilha", "-a", "ano=2025", "-O", str(book)).returncode == 0
    ws = openpyxl.load_workbook(book)["Mudanças"]
    header = [c.value for c in ws[1]]
    tipo, chave, campo = (header.index(h) + 1 for h in ("Tipo", "Chave", "Campo"))
    sheet = [
        (ws.cell(r, tipo).value, ws.cell(r, chave).value, ws.cell(r, campo).value) for r in range(2, ws.max_row + 1)
    ]
    assert sorted(sheet, key=str) == sorted(expected_sheet, key=str)
