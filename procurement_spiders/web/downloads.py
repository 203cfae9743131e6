"""Streamed downloads: CSV or JSON rows written as they are read (server-side cursor), and the
workbook written by the reports library to a temporary file, streamed, then removed."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping

from fastapi.responses import FileResponse, StreamingResponse
from sqlalchemy import Connection, Engine
from starlette.background import BackgroundTask

from procurement_spiders.reports.output import _plain
from procurement_spiders.reports.xlsx import Col
from procurement_spiders.storage.coletas import dumps_json

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _csv_chunks(columns: list[Col], rows: Iterator[Mapping]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.key for c in columns])
    for n, row in enumerate(rows, start=1):
        writer.writerow([_plain(row.get(c.key)) for c in columns])
        if n % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _json_chunks(columns: list[Col], rows: Iterator[Mapping]) -> Iterator[str]:
    yield "["
    for n, row in enumerate(rows):
        yield ("," if n else "") + "\n" + dumps_json({c.key: row.get(c.key) for c in columns})
    yield "\n]\n"


def stream_table(
    engine: Engine, fmt: str, filename: str, columns: list[Col], rows: Callable[[Connection], Iterator[Mapping]]
) -> StreamingResponse:
    """`fmt` is csv or json (dot decimals, ISO dates); the connection lives as long as the stream."""

    def body() -> Iterator[bytes]:
        with engine.connect() as conn:
            chunks = _csv_chunks(columns, rows(conn)) if fmt == "csv" else _json_chunks(columns, rows(conn))
            for chunk in chunks:
                yield chunk.encode("utf-8")

    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
    return StreamingResponse(
        body(), media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}.{fmt}"'}
    )


def workbook_response(write: Callable[[str], object], filename: str) -> FileResponse:
    fd, path = tempfile.mkstemp(prefix="planilha-", suffix=".xlsx")
    os.close(fd)
    try:
        write(path)
    except BaseException:
        os.unlink(path)
        raise
    return FileResponse(path, media_type=XLSX, filename=f"{filename}.xlsx", background=BackgroundTask(os.unlink, path))
