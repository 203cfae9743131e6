"""`scrapy planilha -a ano=2025 [-a cnpj=…|-a uasg=…] -O pca-2025.xlsx`: the workbook with sheets PGC,
Formação do PCA, PNCP, Geral (with findings), Mudanças and Coletas; prints the Geral summary."""

from __future__ import annotations

from procurement_spiders.reports.arguments import resolve_geral
from procurement_spiders.reports.command import ReportCommand
from procurement_spiders.reports.run import geral_summary
from procurement_spiders.reports.screen import geral_header, summary_lines
from procurement_spiders.reports.workbook import write_planilha


class Command(ReportCommand):
    output_formats = ("xlsx",)
    output_required = True

    def syntax(self) -> str:
        return "-a ano=AAAA [-a cnpj=… | -a uasg=…] -O FILE.xlsx"

    def short_desc(self) -> str:
        return "Write the PCA workbook (PGC, Formação do PCA, PNCP, Geral, Mudanças, Coletas)"

    def report(self, conn, raw, config, path) -> None:
        req = resolve_geral(conn, raw, config.orgao_cnpj)
        counts = write_planilha(conn, req, path)
        print("\n".join(geral_header(req)))
        print(f"Planilha {path}: " + ", ".join(f"{sheet} {n}" for sheet, n in counts.items()))
        print()
        print("\n".join(summary_lines(geral_summary(conn, req), req)))
