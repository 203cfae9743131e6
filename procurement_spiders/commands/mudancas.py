"""`scrapy mudancas -a fonte=pgc|formacao|pncp -a ano=2025 [-a cnpj=…] [-a de=ID -a para=ID] [-o FILE]`:
what was added, removed and changed between two successful coletas of one source (default: the
latest two)."""

from __future__ import annotations

from procurement_spiders.reports import columns
from procurement_spiders.reports.arguments import resolve_mudancas
from procurement_spiders.reports.command import ReportCommand
from procurement_spiders.reports.output import write_report
from procurement_spiders.reports.run import mudancas_rows, mudancas_summary
from procurement_spiders.reports.screen import mudancas_lines


class Command(ReportCommand):
    def syntax(self) -> str:
        return "-a fonte=pgc|formacao|pncp -a ano=AAAA [-a cnpj=…] [-a de=ID -a para=ID] [-o FILE]"

    def short_desc(self) -> str:
        return "Compare two coletas of one source: demandas added, removed and changed (field by field)"

    def report(self, conn, raw, config, path) -> None:
        req = resolve_mudancas(conn, raw, config.orgao_cnpj)
        print("\n".join(mudancas_lines(req, mudancas_summary(conn, req), mudancas_rows(conn, req))))
        if path:
            count = write_report(path, columns.MUDANCAS, mudancas_rows(conn, req), "Mudanças")
            print(f"\n{count} linhas gravadas em {path}")
