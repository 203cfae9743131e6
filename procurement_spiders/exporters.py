"""The `xlsx` feed exporter: `scrapy crawl pgc -a ano=2025 -O dfds.xlsx` like `-O dfds.csv`.

One sheet ("Demandas"), header frozen with an autofilter, money as numbers in R$ format and
dates as dates (reports/xlsx.py). Items reach feeds after validation, so `valor` is a Decimal
and dates are dates; anything else is written as text (dicts as JSON).
"""

from __future__ import annotations

from typing import Any

import xlsxwriter
from itemadapter import ItemAdapter
from scrapy.exporters import BaseItemExporter

from procurement_spiders.reports.xlsx import Col, SheetWriter, new_workbook

MONEY_FIELDS = {"valor"}
DATE_FIELDS = {"data_inicio", "data_fim", "data_desejada", "data_conclusao"}


def _kind(name: str) -> str:
    if name in MONEY_FIELDS:
        return "money"
    if name in DATE_FIELDS:
        return "date"
    return "long" if name in ("descricao", "detalhes") else "text"


class XlsxItemExporter(BaseItemExporter):
    def __init__(self, file, **kwargs: Any):
        super().__init__(dont_fail=True, **kwargs)
        self.file = file
        self.workbook: xlsxwriter.Workbook | None = None
        self.sheet: SheetWriter | None = None

    def start_exporting(self) -> None:
        self.workbook = new_workbook(self.file)

    def export_item(self, item: Any) -> None:
        adapter = ItemAdapter(item)
        if self.sheet is None:
            fields = self.fields_to_export or adapter.field_names()
            pairs = fields.items() if isinstance(fields, dict) else ((n, n) for n in fields)
            self.sheet = SheetWriter(self.workbook, "Demandas", [Col(h, k, _kind(k)) for k, h in pairs])
        self.sheet.write({c.key: adapter.get(c.key) for c in self.sheet.columns})

    def finish_exporting(self) -> None:
        if self.sheet is None:  # no item: still a valid workbook with an empty sheet
            self.sheet = SheetWriter(self.workbook, "Demandas", [Col("chave", "chave")])
        self.sheet.close()
        assert self.workbook is not None  # start_exporting made it
        self.workbook.close()
