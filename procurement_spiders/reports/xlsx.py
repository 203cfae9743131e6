"""Sheets with real spreadsheet types, written row by row (XlsxWriter constant-memory mode).

Money is a number formatted `"R$" #,##0.00` (Excel in pt-BR shows it as R$ #.##0,00), dates are
dates formatted dd/mm/yyyy, the header row is frozen and carries an autofilter, columns have
fixed widths by kind. One table per sheet, starting at A1. Constant-memory mode writes each row
as it comes (bounded memory for 100,000 rows), so Excel "tables" (add_table) are not used.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import xlsxwriter

MONEY_FORMAT = '"R$" #,##0.00'
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm:ss"
WIDTHS = {"text": 28, "long": 60, "money": 18, "date": 12, "datetime": 19, "int": 10, "short": 14}
EXCEL_MAX_ROWS = 1_048_576


@dataclass(frozen=True)
class Col:
    header: str
    key: str
    kind: str = "text"  # text | long | short | money | date | datetime | int


def new_workbook(target) -> xlsxwriter.Workbook:
    """`target`: a path or a seekable binary file."""
    workbook = xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            "remove_timezone": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    return workbook


class SheetWriter:
    """One sheet: header at row 0, then `write(row)` for each row (a mapping by Col.key)."""

    def __init__(self, workbook: xlsxwriter.Workbook, name: str, columns: list[Col]):
        self.sheet = workbook.add_worksheet(name)
        self.columns = columns
        self.formats = {
            "money": workbook.add_format({"num_format": MONEY_FORMAT}),
            "date": workbook.add_format({"num_format": DATE_FORMAT}),
            "datetime": workbook.add_format({"num_format": DATETIME_FORMAT}),
        }
        header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "bottom": 1})
        for c, col in enumerate(columns):
            self.sheet.set_column(c, c, WIDTHS.get(col.kind, WIDTHS["text"]))
            self.sheet.write_string(0, c, col.header, header)
        self.sheet.freeze_panes(1, 0)
        self.rows = 0

    def write(self, row: Any) -> None:
        if self.rows + 1 >= EXCEL_MAX_ROWS:
            raise OverflowError(f"sheet {self.sheet.name}: more rows than Excel holds ({EXCEL_MAX_ROWS})")
        self.rows += 1
        r = self.rows
        get = row.get if isinstance(row, Mapping) else row._mapping.get
        for c, col in enumerate(self.columns):
            value = get(col.key)
            if value is None:
                continue
            if col.kind == "money" or isinstance(value, (Decimal, int, float)) and not isinstance(value, bool):
                self.sheet.write_number(r, c, float(value), self.formats.get(col.kind))
            elif isinstance(value, datetime):
                self.sheet.write_datetime(r, c, value, self.formats["datetime"])
            elif isinstance(value, date):
                self.sheet.write_datetime(r, c, value, self.formats["date"])
            elif isinstance(value, (list, tuple)):
                self.sheet.write_string(r, c, "; ".join(str(v) for v in value))
            elif isinstance(value, dict):
                self.sheet.write_string(r, c, json.dumps(value, ensure_ascii=False, default=str))
            else:
                self.sheet.write_string(r, c, str(value))

    def close(self) -> None:
        """The autofilter covers the header and every row written."""
        self.sheet.autofilter(0, 0, max(self.rows, 1), len(self.columns) - 1)


def write_sheet(workbook: xlsxwriter.Workbook, name: str, columns: list[Col], rows: Iterable[Any]) -> int:
    sheet = SheetWriter(workbook, name, columns)
    for row in rows:
        sheet.write(row)
    sheet.close()
    return sheet.rows
