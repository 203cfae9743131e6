"""`-o FILE` of the report commands: CSV, JSON or XLSX chosen by the file's extension.

Written to a temporary file beside the target and renamed at the end, so a failure leaves no
half-written report (and an existing file untouched). Files use dot decimals and ISO dates
(CSV, JSON) or real spreadsheet types (XLSX); the screen is where pt-BR formats are used.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from procurement_spiders.reports.arguments import ReportArgumentError
from procurement_spiders.reports.xlsx import Col, new_workbook, write_sheet
from procurement_spiders.storage.coletas import dumps_json

FORMATS = ("csv", "json", "xlsx")


def output_format(path: str | os.PathLike, allowed: tuple[str, ...] = FORMATS) -> str:
    """The format named by the extension; checked before anything is read."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in allowed:
        extensions = ", ".join("." + f for f in allowed)
        raise ReportArgumentError(f"arquivo {str(path)[:80]!r}: a extensão deve ser {extensions}")
    if not Path(path).resolve().parent.is_dir():
        raise ReportArgumentError(f"arquivo {str(path)[:80]!r}: a pasta não existe")
    return suffix


@contextmanager
def atomic_path(path: str | os.PathLike):
    """A temporary path beside `path`, renamed over it when the block succeeds."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.resolve().parent)
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def write_report(path: str | os.PathLike, columns: list[Col], rows: Iterable[Any], sheet: str) -> int:
    fmt = output_format(path)
    count = 0
    with atomic_path(path) as tmp:
        if fmt == "xlsx":
            workbook = new_workbook(tmp)
            count = write_sheet(workbook, sheet, columns, rows)
            workbook.close()
        elif fmt == "csv":
            with open(tmp, "w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh)
                writer.writerow([c.key for c in columns])
                for row in rows:
                    writer.writerow([_plain(_get(row, c.key)) for c in columns])
                    count += 1
        else:
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write("[")
                for row in rows:
                    obj = {c.key: _get(row, c.key) for c in columns}
                    fh.write(("," if count else "") + "\n" + dumps_json(obj))
                    count += 1
                fh.write("\n]\n")
    return count


def _get(row: Any, key: str) -> Any:
    return row.get(key) if isinstance(row, Mapping) else row._mapping.get(key)
