"""The national crawl's discovery paths, each run against the national sandbox, side by side.

A discovery path turns "PCA of year X" into the full list of (órgão CNPJ, sequencialPca) pairs
whose items the crawl then reads. This bench follows each path with a small client (asyncio,
3 requests in flight: the WAF's per-IP limit, pncp.md §1.9) — a measurement of the paths, not a
spider — and prints, per path: the requests it made (per endpoint family), the plans it found
compared with the sandbox's truth, the wall time at the sandbox's latencies, and the time
projected at the reference's real latencies, with the arithmetic:

- listing (the spider's choice): `/api/search/?tipos_documento=pcaorgao` pages (500 a page),
  then `/consolidado/unidades` per listed órgão (pncp.md §3.2, §2.2);
- órgão list + unidades: the integração filter `/v1/orgaos/?razaoSocial=` (no "list all": it
  needs ≥ 3 characters, so the client searches a list of words of órgão names, page by page
  until "no rows") then `/consolidado/unidades` for every órgão found;
- órgão list + quantidade: the same list, then `/pca/{ano}/quantidade` per órgão (most answer
  "no rows") and `/consolidado/unidades` for those with plans;
- consulta windows: `/api/consulta/v1/pca/atualizacao` in windows of `--window-days` days tiled
  with an exclusive dataFim (pncp.md §1.3 point 2), every page (paging counts items, 500 a
  page), keeping the plans of the year.

The sandbox's latency per family is the real one times `--scale` (so "wall ÷ scale" is
comparable with the projection, plus the client's and server's own time).

    .venv/bin/python bench/national_discovery.py [--orgaos 5000] [--max-itens 2000] [--scale 0.01]
        [--window-days 7] [--paths listing,orgaos_unidades,orgaos_quantidade,consulta]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
ANO = 2025
IN_FLIGHT = 3  # the WAF's concurrency limit per source IP (pncp.md §1.9)
PAGE = 500
# Real latencies per request (seconds), from the reference:
REAL_S = {
    "integracao": 0.24,  # pncp.md §2.2: /{seq}/consolidado 0.24 s; /itens 0.2-0.4 s
    "search": 0.24,  # no figure in the reference: assumed like the integração (same portal)
    "consulta": 40.0,  # pncp.md §1.3 point 4: /pca/atualizacao ~40 s a page (39.3 s for 500 items); cold 40-57 s
}
CONSULTA_WARM_S = 1.0  # warm pages 0.2-3 s (pncp.md §1.3 point 4); a sweep asks each page once: all cold
# Words of Brazilian órgão names for the name filter (it has no "list all"). Against the real portal
# no such list is known to be complete; against the sandbox it covers the names by construction.
NAME_WORDS = (
    "MUNICIPIO",
    "PREFEITURA",
    "CAMARA",
    "FUNDO",
    "CONSORCIO",
    "SECRETARIA",
    "TRIBUNAL",
    "DEPARTAMENTO",
    "MINISTERIO",
    "UNIVERSIDADE",
    "INSTITUTO",
    "COMANDO",
    "FUNDACAO",
    "AGENCIA",
    "EMPRESA",
    "COMPANHIA",
    "AUTARQUIA",
    "SERVICO",
    "HOSPITAL",
    "CONSELHO",
)


class Client:
    """GETs with at most IN_FLIGHT in flight; counts requests per endpoint family."""

    def __init__(self, session: aiohttp.ClientSession, base: str):
        self.session, self.base = session, base
        self.gate = asyncio.Semaphore(IN_FLIGHT)
        self.requests: Counter[str] = Counter()
        self.no_rows = 0

    async def get(self, family: str, path: str, **params) -> object | None:
        """The JSON body, or None for "no rows" (204, an empty 200, 404)."""
        async with self.gate:
            self.requests[family] += 1
            async with self.session.get(self.base + path, params=params) as response:
                raw = await response.read()
        if response.status in (204, 404) or (response.status == 200 and not raw.strip()):
            self.no_rows += 1
            return None
        if response.status != 200:
            raise RuntimeError(f"{path} {params}: HTTP {response.status} {raw[:200]!r}")
        return json.loads(raw)


async def unidades(client: Client, cnpj: str) -> set[tuple[str, int]]:
    plans, pagina = set(), 1
    while True:
        rows = await client.get(
            "integracao",
            f"/api/pncp/v1/orgaos/{cnpj}/pca/{ANO}/consolidado/unidades",
            pagina=pagina,
            tamanhoPagina=PAGE,
        )
        rows = rows if isinstance(rows, list) else []
        plans |= {(cnpj, int(r["sequencialPca"])) for r in rows}
        if len(rows) < PAGE:
            return plans
        pagina += 1


async def union(tasks: list[Awaitable[set]]) -> set:
    found: set = set()
    for part in await asyncio.gather(*tasks):
        found |= part
    return found


async def listing(client: Client) -> set[tuple[str, int]]:
    query = {"tipos_documento": "pcaorgao", "anos": ANO, "tam_pagina": PAGE}
    first = await client.get("search", "/api/search/", pagina=1, **query)
    assert isinstance(first, dict)
    pages = [first] + await asyncio.gather(
        *(
            client.get("search", "/api/search/", pagina=p, **query)
            for p in range(2, math.ceil(first["total"] / PAGE) + 1)
        )
    )
    cnpjs = {item["orgao_cnpj"] for page in pages if isinstance(page, dict) for item in page["items"]}
    return await union([unidades(client, cnpj) for cnpj in sorted(cnpjs)])


async def orgao_list(client: Client) -> set[str]:
    async def word(term: str) -> set[str]:
        found, pagina = set(), 1
        while rows := await client.get("integracao", "/api/pncp/v1/orgaos/", razaoSocial=term, pagina=pagina):
            found |= {row["cnpj"] for row in rows}  # type: ignore[union-attr]
            pagina += 1  # the page size is undocumented: the end is the first "no rows"
        return found

    return await union([word(term) for term in NAME_WORDS])


async def orgaos_unidades(client: Client) -> set[tuple[str, int]]:
    return await union([unidades(client, cnpj) for cnpj in sorted(await orgao_list(client))])


async def orgaos_quantidade(client: Client) -> set[tuple[str, int]]:
    async def probe(cnpj: str) -> set[tuple[str, int]]:
        count = await client.get("integracao", f"/api/pncp/v1/orgaos/{cnpj}/pca/{ANO}/quantidade")
        return await unidades(client, cnpj) if count else set()

    return await union([probe(cnpj) for cnpj in sorted(await orgao_list(client))])


def windows(days: int) -> list[tuple[date, date]]:
    """[inicio, fim) tiles from January of the year before to the end of the year: a year's plans
    are published the year before and updated during the year. fim = next window's inicio."""
    start, end = date(ANO - 1, 1, 1), date(ANO + 1, 1, 1)
    tiles, inicio = [], start
    while inicio < end:
        fim = min(inicio + timedelta(days=days), end)
        tiles.append((inicio, fim))
        inicio = fim
    return tiles


def consulta_windows(days: int) -> Callable[[Client], Awaitable[set[tuple[str, int]]]]:
    async def path(client: Client) -> set[tuple[str, int]]:
        async def window(inicio: date, fim: date) -> set[tuple[str, int]]:
            query = {"dataInicio": f"{inicio:%Y%m%d}", "dataFim": f"{fim:%Y%m%d}", "tamanhoPagina": PAGE}
            url = "/api/consulta/v1/pca/atualizacao"
            first = await client.get("consulta", url, pagina=1, **query)
            if not isinstance(first, dict):
                return set()
            rest = await asyncio.gather(
                *(client.get("consulta", url, pagina=p, **query) for p in range(2, first["totalPaginas"] + 1))
            )
            return {
                (plan["orgaoEntidadeCnpj"], int(plan["idPcaPncp"].split("-")[2].split("/")[0]))
                for page in [first, *rest]
                if isinstance(page, dict)
                for plan in page["data"]
                if plan["anoPca"] == ANO
            }

        return await union([window(i, f) for i, f in windows(days)])

    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str, method: str = "GET") -> dict:
    with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=120) as response:
        return json.load(response)


async def run_path(base: str, path: Callable[[Client], Awaitable[set]]) -> tuple[set, Client, float]:
    get_json(f"{base}/__sandbox__/requests", "DELETE")  # fresh counters, consulta pages cold again
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None)) as session:
        client = Client(session, base)
        started = time.monotonic()
        found = await path(client)
        return found, client, time.monotonic() - started


def projection(requests: Counter[str]) -> tuple[float, str]:
    """Σ requests × real latency ÷ 3 in flight on one IP, and its arithmetic."""
    terms = [f"{n} × {REAL_S[f]:g} s" for f, n in sorted(requests.items())]
    total = sum(n * REAL_S[f] for f, n in requests.items()) / IN_FLIGHT
    return total, f"({' + '.join(terms)}) ÷ {IN_FLIGHT} = {total:,.0f} s"


def hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.1f} min"


def report(label: str, found: set, expected: set, client: Client, served: dict, wall: float, args) -> bool:
    real, arithmetic = projection(client.requests)
    families = ", ".join(f"{f} {n}" for f, n in sorted(client.requests.items()))
    rate_limited = sum(ip["429"] for ip in served["by_ip"].values())
    same = found == expected
    verdict = "the same set" if same else f"DIFFERENT (missing {len(expected - found)}, extra {len(found - expected)})"
    print(f"\n{label}:")
    total = sum(client.requests.values())
    print(f"  requests {total} ({families}), {client.no_rows} answered 'no rows'; 429s {rate_limited}")
    print(f"  plans found {len(found)} of {len(expected)} in the truth: {verdict}")
    print(f"  wall at the sandbox's latency {wall:.1f} s (÷ scale = {wall / args.scale:,.0f} s)")
    print(f"  projected at the real latencies: {arithmetic} ({hours(real)})")
    return same


def reference_volumes() -> None:
    """The chosen path and the consulta sweep at the reference's real volumes."""
    print(
        "\nat the reference's volumes (pncp.md §3.2: 3,948 órgãos in the pcaorgao index for 2026; "
        "§1.3 point 5: ~53,000 items per 10-day window):"
    )
    listed, integracao = 3948, REAL_S["integracao"]
    chosen = (math.ceil(listed / PAGE) + listed) * integracao / IN_FLIGHT
    print(
        f"  listing + unidades: ({math.ceil(listed / PAGE)} + {listed}) × {integracao:g} s ÷ {IN_FLIGHT} "
        f"= {chosen:,.0f} s ({hours(chosen)}) on one IP"
    )
    pages = math.ceil(53_000 * 7 / 10 / PAGE)
    sweep = len(windows(7)) * pages * REAL_S["consulta"] / IN_FLIGHT
    print(
        f"  consulta, 7-day windows over 2 years: {len(windows(7))} windows × {pages} pages × "
        f"{REAL_S['consulta']:g} s ÷ {IN_FLIGHT} = {sweep:,.0f} s ({hours(sweep)}) on one IP"
    )
    print(
        "  órgão list: the number of órgãos in PNCP is not in the reference; per 10,000 órgãos probed, "
        f"10,000 × {integracao:g} s ÷ {IN_FLIGHT} = {10_000 * integracao / IN_FLIGHT:,.0f} s, "
        "and no word list is known to reach every órgão"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orgaos", type=int, default=5000)
    parser.add_argument("--max-itens", type=int, default=2000)
    parser.add_argument("--scale", type=float, default=0.01, help="sandbox latency = real latency × scale")
    parser.add_argument("--window-days", type=int, default=7, help="consulta window (BdD's 7 days, pncp.md §1.3)")
    parser.add_argument("--paths", default="listing,orgaos_unidades,orgaos_quantidade,consulta")
    args = parser.parse_args()
    paths = {
        "listing": ("pcaorgao listing + unidades (chosen)", listing),
        "orgaos_unidades": ("órgão list + unidades", orgaos_unidades),
        "orgaos_quantidade": ("órgão list + quantidade + unidades", orgaos_quantidade),
        "consulta": (f"consulta /pca/atualizacao, {args.window_days}-day windows", consulta_windows(args.window_days)),
    }
    ms = {f: round(s * 1000 * args.scale) for f, s in REAL_S.items()}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [
        sys.executable,
        "-m",
        "sandbox.national",
        "--port",
        str(port),
        "--orgaos",
        str(args.orgaos),
        "--max-itens",
        str(args.max_itens),
        "--per-ip-limit",
        str(IN_FLIGHT),
        "--latency",
        f"search={ms['search']}",
        "--latency",
        f"integracao={ms['integracao']}",
        "--latency",
        f"consulta={round(CONSULTA_WARM_S * 1000 * args.scale)}",
        "--consulta-cold-ms",
        str(ms["consulta"]),
    ]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    failed = False
    try:
        for _ in range(300):
            try:
                get_json(f"{base}/__sandbox__/health")
                break
            except OSError:
                time.sleep(0.1)
        truth = get_json(f"{base}/__sandbox__/truth/pncp-demandas?ano={ANO}&orgaos=todos")
        expected = {(cnpj, int(seq)) for cnpj, o in truth["orgaos"].items() for seq in o["por_plano"]}
        print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(
            f"population: {truth['total_orgaos']} órgãos, {truth['orgaos_com_pca']} with a PCA {ANO}, "
            f"{truth['planos']} plans, {truth['itens']} items; {IN_FLIGHT} in flight (one IP)"
        )
        print(
            f"sandbox latency = real × {args.scale:g}: search {ms['search']} ms, integração {ms['integracao']} ms, "
            f"consulta cold {ms['consulta']} ms (real: {', '.join(f'{f} {s:g} s' for f, s in REAL_S.items())})"
        )
        for key in args.paths.split(","):
            label, path = paths[key]
            found, client, wall = asyncio.run(run_path(base, path))
            failed |= not report(label, found, expected, client, get_json(f"{base}/__sandbox__/requests"), wall, args)
        reference_volumes()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
