"""Iniciar coleta: one execução (PGC → Formação do PCA → PNCP, one scrapyd job at a time), driven
from the web process; its state for the page; cancel.

The execução lives in this process (a restart forgets the queue of sources not yet started; jobs
already in scrapyd go on). A start is refused while an execução runs, or while scrapyd already has
the same run pending or running (the scheduler's overlap rule, `find_active`).
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

import requests

from procurement_spiders.reports.fontes import FONTE_LABELS, FONTES
from procurement_spiders.scheduler.runner import ScrapydClient, ScrapydError, find_active, job_id
from procurement_spiders.scheduler.schedule import DEFAULT_PROJECT, run_key
from procurement_spiders.web.formats import BRASILIA

logger = logging.getLogger(__name__)
ESTADOS = {
    "aguardando": "aguardando a vez",
    "pending": "na fila do scrapyd",
    "running": "em execução",
    "finished": "terminado",
    "cancelado": "cancelado",
    "erro": "não iniciado (erro)",
}
PROGRESS_MARKERS = ("progress:", "coleta ", "attended login", "Spider closed", "ERROR", "CRITICAL")


class Recusa(Exception):
    """A start or cancel the page refuses; the message is shown as is (pt-BR)."""


@dataclass
class Passo:
    fonte: str
    spider: str
    args: dict[str, str]
    job_id: str | None = None
    estado: str = "aguardando"
    erro: str | None = None

    @property
    def concluido(self) -> bool:
        return self.estado in ("finished", "cancelado", "erro")


@dataclass
class Execucao:
    ano: int
    usuario: str
    passos: list[Passo]
    iniciada_em: datetime = field(default_factory=lambda: datetime.now(UTC))
    cancelada: bool = False

    @property
    def ativa(self) -> bool:
        return not all(p.concluido for p in self.passos)


def spider_for(fonte: str, ano: int, cnpj: str | None, uasg: str | None, spiders: list[str]) -> tuple[str, dict]:
    args = {"ano": str(ano)}
    if fonte == "PGC":
        return "pgc", args
    if fonte == "FORMACAO":
        if "pgc_formacao" in spiders:
            return "pgc_formacao", args
        return "pncp", {**args, "fonte": "pgc"}
    if cnpj:
        args["cnpj"] = cnpj
    if uasg:
        args["uasg"] = uasg
    return "pncp", args


class Coletor:
    def __init__(self, client: ScrapydClient, project: str = DEFAULT_PROJECT):
        self.client = client
        self.project = project
        self.execucao: Execucao | None = None
        self.lock = asyncio.Lock()

    async def iniciar(self, ano: int, cnpj: str | None, uasg: str | None, fontes: list[str], usuario: str) -> Execucao:
        async with self.lock:
            if self.execucao is not None and self.execucao.ativa:
                raise Recusa(
                    "Já há uma coleta em andamento (iniciada por "
                    f"{self.execucao.usuario}). Aguarde o fim ou cancele-a antes de iniciar outra."
                )
            fontes = [f for f in FONTES if f in fontes]
            if not fontes:
                raise Recusa("Escolha ao menos uma fonte.")
            try:
                spiders = await asyncio.to_thread(self.client.spiders, self.project)
                jobs = await asyncio.to_thread(self.client.jobs, self.project)
            except ScrapydError as exc:
                raise Recusa(f"O scrapyd não respondeu: {exc}") from None
            passos = []
            for fonte in fontes:
                spider, args = spider_for(fonte, ano, cnpj, uasg, spiders)
                if spider not in spiders:
                    raise Recusa(f"O projeto no scrapyd não tem o spider {spider}: faça o deploy (make deploy).")
                active = find_active(jobs, spider, run_key(spider, args, {}), args)
                if active is not None:
                    raise Recusa(
                        f"{FONTE_LABELS[fonte]} de {ano} já está em andamento no scrapyd "
                        f"(job {active.get('id')}, {ESTADOS.get(active['state'], active['state'])})."
                    )
                passos.append(Passo(fonte, spider, args))
            self.execucao = Execucao(ano, usuario, passos)
        await self.avancar()
        return self.execucao

    async def cancelar(self) -> None:
        async with self.lock:
            execucao = self.execucao
            if execucao is None or not execucao.ativa:
                raise Recusa("Não há coleta em andamento para cancelar.")
            execucao.cancelada = True
            for passo in execucao.passos:
                if passo.concluido:
                    continue
                if passo.job_id is None:
                    passo.estado = "cancelado"
                    continue
                try:
                    await asyncio.to_thread(self.client.cancel, self.project, passo.job_id)
                except ScrapydError as exc:
                    raise Recusa(f"O scrapyd não cancelou o job {passo.job_id}: {exc}") from None

    async def avancar(self) -> None:
        """Read the jobs' states from scrapyd; when the current source is done, queue the next."""
        async with self.lock:
            execucao = self.execucao
            if execucao is None or not execucao.ativa:
                return
            try:
                jobs = await asyncio.to_thread(self.client.jobs, self.project)
            except ScrapydError as exc:
                logger.warning("scrapyd unreachable while following the execução: %s", exc)
                return
            states = {
                str(j.get("id")): state for state in ("pending", "running", "finished") for j in jobs.get(state, [])
            }
            for passo in execucao.passos:
                if passo.job_id is not None and not passo.concluido:
                    passo.estado = states.get(passo.job_id, passo.estado)
                    if execucao.cancelada and passo.estado == "finished":
                        passo.estado = "cancelado"
            current = next((p for p in execucao.passos if not p.concluido), None)
            if current is None or current.job_id is not None:
                return
            if execucao.cancelada:
                current.estado = "cancelado"
                return
            try:
                jid = job_id(current.spider, run_key(current.spider, current.args, {}))
                params = [("jobid", jid), *sorted(current.args.items())]
                current.job_id = await asyncio.to_thread(self.client.schedule, self.project, current.spider, params)
                current.estado = "pending"
            except ScrapydError as exc:
                current.estado, current.erro = "erro", str(exc)

    async def run_forever(self, interval: float) -> None:
        while True:
            try:
                await self.avancar()
            except Exception:  # noqa: BLE001 - the driver must outlive one bad poll
                logger.exception("execução driver: poll failed")
            await asyncio.sleep(interval)

    def log_tail(self, passo: Passo, lines: int = 6, max_bytes: int = 16384) -> list[str]:
        """The last progress lines of a job's log (scrapyd serves logs at /logs/…; a Range read)."""
        if passo.job_id is None:
            return []
        url = f"{self.client.url.rstrip('/')}/logs/{self.project}/{passo.spider}/{passo.job_id}.log"
        try:
            # scrapyd's file server fails on a suffix range longer than the file: ask for the size first
            head = requests.head(url, auth=self.client.auth, timeout=5)
            size = int(head.headers.get("Content-Length") or 0) if head.ok else 0
            headers = {"Range": f"bytes={size - max_bytes}-"} if size > max_bytes else {}
            resp = requests.get(url, auth=self.client.auth, headers=headers, timeout=5)
        except (requests.RequestException, ValueError):
            return []
        if not resp.ok:
            return []
        text = resp.content[-max_bytes:].decode("utf-8", "replace")
        found = [_short(line) for line in text.splitlines() if any(m in line for m in PROGRESS_MARKERS)]
        return [line[:300] for line in found[-lines:]]


_LOG_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) \[[^\]]*\] (\w+): (.*)$")


def _short(line: str) -> str:
    """`2026-12-01 23:58:11 [logger] INFO: text` -> `20:58:11 text`: Brasília time, as on the rest of
    the page (Scrapy logs the host's local time, which scrapyd and this app share); level kept when
    not INFO."""
    match = _LOG_LINE.match(line.strip())
    if not match:
        return line.strip()
    stamp, level, message = match.groups()
    clock = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S").astimezone().astimezone(BRASILIA).strftime("%H:%M:%S")
    return f"{clock} {'' if level == 'INFO' else level + ' '}{message}"
