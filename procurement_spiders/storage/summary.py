"""What a coleta stored, for people: pt-BR money and dates.

Only a `success` coleta's demandas are data: for a coleta still running, failed or interrupted
the summary says so and how many rows it left, and counts none of them (no total, no sample).
"""

from __future__ import annotations

import psycopg

from procurement_spiders.parsing.values import format_br_date, format_brl


def coleta_summary(conninfo: str, coleta_id: int, sample: int = 5) -> str:
    with psycopg.connect(conninfo) as conn:
        row = conn.execute(
            """SELECT c.id, c.fonte, c.spider, c.ano_referencia, c.status, c.orgao_cnpj,
                      c.data_coleta AT TIME ZONE 'America/Sao_Paulo',
                      c.finished_at AT TIME ZONE 'America/Sao_Paulo', c.dados,
                      count(d.id), coalesce(sum(d.valor), 0), count(d.dfd)
                 FROM coletas c LEFT JOIN demandas d ON d.coleta_id = c.id
                WHERE c.id = %s GROUP BY c.id""",
            (coleta_id,),
        ).fetchone()
        if row is None:
            return f"coleta {coleta_id}: not found"
        demandas = conn.execute(
            """SELECT coalesce(dfd, '-'), coalesce(contratacao, '-'), left(coalesce(descricao, ''), 48),
                      valor, data_inicio, data_fim, status
                 FROM demandas WHERE coleta_id = %s ORDER BY valor DESC NULLS LAST, id LIMIT %s""",
            (coleta_id, sample),
        ).fetchall()
    (cid, fonte, spider, ano, status, cnpj, started, finished, dados, total, soma, com_dfd) = row
    dados = dados or {}
    drops = (dados.get("descartes") or {}).get("total", 0)
    anomalias = dados.get("anomalias") or []
    lines = [
        f"coleta {cid}  {fonte} ({spider})  PCA {ano}  órgão {cnpj or '-'}  status: {status.upper()}",
        f"  início {started:%d/%m/%Y %H:%M:%S}  fim {finished:%d/%m/%Y %H:%M:%S} (horário de Brasília)"
        if finished
        else f"  início {started:%d/%m/%Y %H:%M:%S} (horário de Brasília), em andamento",
    ]
    if status != "success":
        motivo = (dados.get("interrupcao") or {}).get("motivo") or dados.get("finish_reason") or "em andamento"
        lines.append(
            f"  não contada: {total} demandas gravadas não valem como dados ({motivo}); "
            f"descartadas: {drops}  anomalias: {len(anomalias)}"
        )
        demandas = []
    else:
        lines.append(
            f"  demandas: {total}  (com DFD: {com_dfd})  valor total: {format_brl(soma)}  "
            f"descartadas: {drops}  anomalias: {len(anomalias)}"
        )
    for anomalia in anomalias[:3]:
        lines.append(f"  ! {anomalia.get('tipo')}: {anomalia.get('mensagem')}")
    for dfd, contratacao, descricao, valor, inicio, fim, situacao in demandas:
        valor_txt = format_brl(valor) if valor is not None else "-"
        lines.append(
            f"  {dfd:>10}  {contratacao:<16} {descricao:<48} {valor_txt:>18}  "
            f"{format_br_date(inicio)} a {format_br_date(fim)}  {situacao}"
        )
    return "\n".join(lines)


def last_coleta_ids(conninfo: str, count: int) -> list[int]:
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute("SELECT id FROM coletas ORDER BY id DESC LIMIT %s", (count,)).fetchall()
    return [r[0] for r in reversed(rows)]
