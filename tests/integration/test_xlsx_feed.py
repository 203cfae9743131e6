"""`-O FILE.xlsx` works like `-O FILE.csv`: the registered xlsx feed exporter writes validated
demandas with real types (money numbers in R$ format, dates as dates), header frozen, autofilter."""

from __future__ import annotations

from datetime import datetime

import openpyxl

from tests.support import ROOT, project_env, run_scrapy

SPIDER = str(ROOT / "tests" / "fixtures" / "spiders" / "demandas_fixas.py")


def test_crawl_feed_to_xlsx(tmp_path):
    out = tmp_path / "dfds.xlsx"
    result = run_scrapy(["runspider", SPIDER, "-a", "n=12", "-O", str(out)], project_env(DATABASE_URL=None))
    assert result.returncode == 0, result.stderr
    ws = openpyxl.load_workbook(out)["Demandas"]
    header = [c.value for c in ws[1]]
    assert {"chave", "dfd", "valor", "data_inicio", "detalhes"} <= set(header)
    assert ws.max_row == 13 and ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
    valor = ws.cell(13, header.index("valor") + 1)  # demanda 12: "R$ 12.000,12"
    assert (valor.value, valor.number_format) == (12000.12, '"R$" #,##0.00')
    inicio = ws.cell(2, header.index("data_inicio") + 1)
    assert (inicio.value, inicio.number_format) == (datetime(2025, 2, 1), "dd/mm/yyyy")
    assert ws.cell(2, header.index("dfd") + 1).value == "1/2024"
