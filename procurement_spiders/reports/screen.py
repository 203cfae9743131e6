"""The reports for people: pt-BR money (R$ 1.234,56) and dates (dd/mm/aaaa), Brasília time."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from procurement_spiders.parsing.values import format_br_date, format_brl
from procurement_spiders.reports.arguments import GeralRequest, MudancasRequest
from procurement_spiders.reports.fontes import FONTE_LABELS, Coleta
from procurement_spiders.reports.run import local_time

SCREEN_ROWS = 60
DATE_FIELDS = {"data_inicio", "data_fim", "data_desejada", "data_conclusao"}


def _brl(value) -> str:
    return format_brl(Decimal(value)) if value is not None else "-"


def _cut(text: str | None, width: int) -> str:
    text = text or "-"
    return text if len(text) <= width else text[: width - 1] + "…"


def coleta_text(coleta: Coleta) -> str:
    return f"coleta {coleta.id} de {local_time(coleta.data_coleta):%d/%m/%Y %H:%M}"


def geral_header(req: GeralRequest) -> list[str]:
    alvo = f"órgão {req.cnpj}" if req.cnpj else "todos os órgãos"
    lines = [f"Geral — PCA {req.ano} — {alvo}" + (f" — UASG {req.uasg}" if req.uasg else "")]
    for fonte, coleta in req.coletas.items():
        if coleta is None:
            lines.append(
                f"  ! {FONTE_LABELS[fonte]}: nenhuma coleta com sucesso do PCA {req.ano} "
                "(fonte ausente: os achados que dependem dela não foram calculados)"
            )
        else:
            lines.append(f"  {FONTE_LABELS[fonte]}: {coleta_text(coleta)}")
    return lines


def geral_lines(rows: Iterable[dict], limit: int = SCREEN_ROWS) -> list[str]:
    lines = [
        f"  {'DFD':<22} {'PGC situação':<24} {'PGC valor':>17}  {'Formação':<17} {'status':<10} "
        f"{'PNCP':<17} {'PNCP valor':>17}  achados"
    ]
    total = 0
    for row in rows:
        total += 1
        if total > limit:
            continue
        lines.append(
            f"  {_cut(row['chave'], 22):<22} {_cut(row['pgc_situacao'], 24):<24} {_brl(row['pgc_valor']):>17}  "
            f"{_cut(row['formacao_contratacao'], 17):<17} {_cut(row['formacao_status'], 10):<10} "
            f"{_cut(row['pncp_contratacao'], 17):<17} {_brl(row['pncp_valor']):>17}  "
            f"{', '.join(row['achados']) or '-'}"
        )
    if total > limit:
        lines.append(f"  … e mais {total - limit} linhas (a lista inteira: -o arquivo.xlsx|.csv|.json)")
    lines.insert(0, f"  {total} linhas")
    return lines


def summary_lines(summary: list[dict], req: GeralRequest) -> list[str]:
    lines = [f"Resumo dos achados (tolerância de valor {format_brl(req.tolerance)}):"]
    for item in summary:
        lines.append(f"  {item['codigo']:<24} {item['achado']:<62} {item['quantidade']:>6}  {_brl(item['valor']):>20}")
    return lines


def _field(campo: str | None, value: str | None) -> str:
    if value is None:
        return "-"
    if campo == "valor":
        return format_brl(Decimal(value))
    if campo in DATE_FIELDS:
        return format_br_date(date.fromisoformat(value))
    return value


def mudancas_lines(
    req: MudancasRequest, counts: dict[str, int], rows: Iterable[dict], limit: int = SCREEN_ROWS
) -> list[str]:
    lines = [
        f"Mudanças — {FONTE_LABELS[req.fonte]} — PCA {req.ano}: {coleta_text(req.de)} → {coleta_text(req.para)}",
        f"  incluídas: {counts['incluida']}  removidas: {counts['removida']}  alteradas: {counts['alterada']}",
    ]
    marks = {"incluida": "+", "removida": "-", "alterada": "~"}
    shown = 0
    for row in rows:
        shown += 1
        if shown > limit:
            continue
        head = f"  {marks[row['tipo']]} {_cut(row['chave'], 40):<40}"
        if row["tipo"] == "alterada":
            lines.append(
                f"{head} {row['campo']}: {_field(row['campo'], row['antes'])} → {_field(row['campo'], row['depois'])}"
            )
        else:
            lines.append(f"{head} {_cut(row['descricao'], 50):<50} {_brl(row['valor']):>17}")
    if shown > limit:
        lines.append(f"  … e mais {shown - limit} linhas (a lista inteira: -o arquivo.xlsx|.csv|.json)")
    return lines
