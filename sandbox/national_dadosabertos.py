"""Dados Abertos `GET /modulo-pgc/1_consultarPgcDetalhe` for the national population.

The PGC module covers federal UASGs only, so rows exist for the federal órgãos' plans (esfera
"F") and for no one else: an empty `resultado` there, which is normal, not an anomaly. Rows,
parameters and envelope are the single-órgão replica's (sandbox/dadosabertos.py, pgc.md §5).

Per federal plan, deterministic from the seed: about 5% of the PNCP items have no DFD row; a
contratação futura is now and then split across two DFDs (so it becomes two demandas); some
DFD items never reached PNCP (numeroItemPncp null); process dates are per DFD.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from aiohttp import web

from sandbox import catalog, paging
from sandbox.dadosabertos import catalogo_fields, detalhe_envelope, detalhe_query, detalhe_row
from sandbox.dataset import iso, number

if TYPE_CHECKING:
    from sandbox.national_population import NationalPlan, Population

UNGROUPED_DFD = 5000  # DFDs of items outside any contratação futura start here
UNGROUPED_PER_DFD = 40


def dfd_of(plan: NationalPlan, i: int) -> int | None:
    """The DFD number of item i (0-based) of a federal plan; None: the item has no DFD row."""
    if plan.h(i, 5) % 20 == 0:
        return None
    grupo = plan.grupo(i)
    if grupo is None:
        return UNGROUPED_DFD + i // UNGROUPED_PER_DFD
    first = 2 * (i // plan.group_size) + 1
    return first + 1 if plan.h(i, 6) % 7 == 0 else first


def processo(plan: NationalPlan, dfd: int) -> tuple[date, date]:
    """dataInicioProcessoCompra / dataFimProcessoCompra of a DFD's contratação."""
    h = plan.h(dfd, 9)
    inicio = date(plan.ano, 1, 1) + timedelta(days=h % 300)
    return inicio, inicio + timedelta(days=30 + (h >> 9) % 150)


def unpublished(plan: NationalPlan, dfd: int) -> int:
    """DFD items of this DFD that never reached PNCP."""
    return 1 if plan.h(dfd, 10) % 5 == 0 else 0


def rows_of(plan: NationalPlan) -> list[tuple[NationalPlan, int, int]]:
    """(plan, dfd, item index or -1 for an unpublished item), in DFD order, as the module lists them."""
    by_dfd: dict[int, list[int]] = {}
    for i in range(plan.itens):
        dfd = dfd_of(plan, i)
        if dfd is not None:
            by_dfd.setdefault(dfd, []).append(i)
    rows: list[tuple[NationalPlan, int, int]] = []
    for dfd in sorted(by_dfd):
        rows += [(plan, dfd, i) for i in by_dfd[dfd]]
        rows += [(plan, dfd, -1)] * unpublished(plan, dfd)
    return rows


def row(plan: NationalPlan, dfd: int, index: int) -> dict:
    classe = catalog.CLASSES[plan.h(dfd, 11) % len(catalog.CLASSES)]
    artigo = classe[5][0]
    centavos = plan.valor_centavos(index) if index >= 0 else 100 + plan.h(dfd, 12) % 1_000_000
    valor = number_of(centavos)
    inicio, fim = processo(plan, dfd)
    stamp = f"{plan.ano - 1}-11-10T10:00:00"
    return detalhe_row(
        uasg=plan.uasg,
        nome_uasg=f"UNIDADE {plan.uasg}",
        orgao=plan.cnpj,
        dfd_numero=dfd,
        dfd_ano=plan.ano,
        dfd_texto=f"{dfd}/{plan.ano}",
        objeto=f"DEMANDA {dfd} DA UNIDADE {plan.uasg}",
        prioridade=plan.h(dfd, 13) % 3,
        data_prevista=iso(datetime(plan.ano, 12, 31)),
        area=str(10_000 + plan.h(dfd, 14) % 90_000),
        catalogo=catalogo_fields(classe, artigo, str(100_000 + plan.h(dfd, 15) % 800_000)),
        quantidade=1.0,
        unitario=valor,
        total=valor,
        titulo=f"Contratacao {dfd}",
        ano_pca=plan.ano,
        inicio=iso(datetime.combine(inicio, datetime.min.time())),
        fim=iso(datetime.combine(fim, datetime.min.time())),
        duracao=(fim - inicio).days,
        numero_item_pncp=index + 1 if index >= 0 else None,
        publicacao=f"{stamp}.000000",
        atualizacao_artefato=stamp,
        atualizacao_projeto=stamp,
        atualizacao_dfd=stamp,
        atualizacao_item=f"{stamp}.000000",
    )


def number_of(centavos: int) -> float:
    return number(centavos * 100)  # the replica's numbers carry 4 decimals


def detalhe_rows(population: Population, orgao: str, ano: int, uasg: str | None) -> list:
    found = population.by_cnpj.get(orgao)
    if found is None or found.esfera != "F":
        return []
    rows: list = []
    for plan in found.planos.get(ano, []):
        if uasg is None or plan.uasg == uasg:
            rows += rows_of(plan)
    return rows


def handler(population_of):
    """The route handler, reading the population through `population_of(request)`."""

    async def consultar_pgc_detalhe(request: web.Request) -> web.Response:
        orgao, ano, uasg, pagina, tamanho = detalhe_query(request)
        rows = detalhe_rows(population_of(request), orgao, ano, uasg)
        positions = paging.page_indices(len(rows), pagina, tamanho)
        resultado = [row(*rows[p]) for p in positions]
        return detalhe_envelope(resultado, len(rows), paging.page_count(len(rows), tamanho), pagina)

    return consultar_pgc_detalhe


# -- truth: the demandas the spider must store, enrichment included ----------------------------


def plan_demandas(plan: NationalPlan, federal: bool) -> dict[tuple[str | None, str | None], list]:
    """(contratação, DFD) → [valor in centavos, data_inicio, data_fim], grouped as the pncp spider
    groups: one demanda per (plan, contratação futura, DFD); the DFD only where a row joins."""
    demandas: dict[tuple[str | None, str | None], list] = {}
    for i in range(plan.itens):
        dfd = dfd_of(plan, i) if federal else None
        key = (plan.grupo(i), f"{dfd}/{plan.ano}" if dfd is not None else None)
        entry = demandas.setdefault(key, [0, None, None])
        entry[0] += plan.valor_centavos(i)
        if dfd is not None:
            inicio, fim = processo(plan, dfd)
            entry[1] = inicio if entry[1] is None else min(entry[1], inicio)
            entry[2] = fim if entry[2] is None else max(entry[2], fim)
    return demandas


def enrichment_line(sequencial: int, contratacao: str | None, dfd: str, inicio, fim) -> str:
    """One enriched demanda as the truth's digest reads it (the e2e test builds the same from the rows)."""
    return f"{sequencial}|{contratacao or ''}|{dfd}|{inicio or ''}|{fim or ''}"


def enrichment_digest(lines: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()


def enrichment_truth(per_plan: dict[int, dict]) -> dict:
    """Per órgão: enriched demandas (those with a DFD), their valor, and a digest of what
    enrichment wrote on each (sequencialPca, contratação, DFD, data_inicio, data_fim)."""
    lines, count, valor = [], 0, Decimal(0)
    for sequencial, demandas in per_plan.items():
        for (contratacao, dfd), (centavos, inicio, fim) in demandas.items():
            if dfd is None:
                continue
            count += 1
            valor += Decimal(centavos).scaleb(-2)
            lines.append(enrichment_line(sequencial, contratacao, dfd, inicio, fim))
    return {"demandas": count, "valor": str(valor), "digest": enrichment_digest(lines)}
