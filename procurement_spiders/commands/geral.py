"""`scrapy geral -a ano=2025 [-a cnpj=…|-a uasg=…] [-a tolerancia=0.01] [-a pgc=ID -a formacao=ID
-a pncp=ID] [-o FILE]`: every DFD lined up across PGC, the Formação do PCA and PNCP, with findings."""

from __future__ import annotations

from procurement_spiders.reports import columns
from procurement_spiders.reports.arguments import resolve_geral
from procurement_spiders.reports.command import ReportCommand
from procurement_spiders.reports.output import write_report
from procurement_spiders.reports.run import geral_rows, geral_summary
from procurement_spiders.reports.screen import geral_header, geral_lines, summary_lines


class Command(ReportCommand):
    def syntax(self) -> str:
        return "-a ano=AAAA [-a cnpj=… | -a uasg=…] [-a pgc=ID -a formacao=ID -a pncp=ID] [-o FILE]"

    def short_desc(self) -> str:
        return "Reconcile PGC, Formação do PCA and PNCP for a PCA year (findings per DFD)"

    def report(self, conn, raw, config, path) -> None:
        req = resolve_geral(conn, raw, config.orgao_cnpj)
        print("\n".join(geral_header(req)))
        print()
        print("\n".join(geral_lines(geral_rows(conn, req))))
        print()
        print("\n".join(summary_lines(geral_summary(conn, req), req)))
        if path:
            count = write_report(path, columns.GERAL, geral_rows(conn, req), "Geral")
            print(f"\n{count} linhas gravadas em {path}")
