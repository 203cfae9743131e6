"""Iniciar coleta: one execução (PGC → Formação do PCA → PNCP, one scrapyd job at a time), driven
from the web app; its state for the page; cancel.

The execução lives in PostgreSQL (web/execucoes.py): any web process, and the next one after a
restart, advances the same queue, and the database keeps one active execução at a time. A start is
also refused while scrapyd already has the same run pending or running (the scheduler's overlap
rule, `find_active`).
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import datetime

import requests
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from procurement_spiders.reports.fontes import FONTE_LABELS, FONTES
from procurement_spiders.scheduler.runner import ScrapydClient, ScrapydError, find_active, job_id
from procurement_spiders.scheduler.schedule import DEFAULT_PROJECT, run_key
from procurement_spiders.web import execucoes as store
from procurement_spiders.web.execucoes import Execucao, Passo
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
SEM_BANCO = "O banco de dados não respondeu; nada foi feito. Tente de novo em instantes."
PROGRESS_MARKERS = ("progress:", "coleta ", "attended login", "Spider closed", "ERROR", "CRITICAL")


class Recusa(Exception):
    """A start or cancel the page refuses; the message is shown as is (pt-BR)."""


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


def _ocupado(execucao: Execucao | None) -> Recusa:
    quem = f" (iniciada por {execucao.usuario})" if execucao is not None else ""
    return Recusa(f"Já há uma coleta em andamento{quem}. Aguarde o fim ou cancele-a antes de iniciar outra.")


class Coletor:
    """Starts, advances and cancels the execução in the database; scrapyd runs the jobs. The
    methods run their blocking work (PostgreSQL, scrapyd) in a thread."""

    def __init__(self, client: ScrapydClient, engine: Engine | None, project: str = DEFAULT_PROJECT):
        self.client = client
        self.engine = engine
        self.project = project

    async def atual(self) -> Execucao | None:
        """The latest execução (active or not), for the page."""
        if self.engine is None:
            return None
        return await asyncio.to_thread(self._read, store.ultima)

    def _read(self, what):
        assert self.engine is not None
        with self.engine.connect() as conn:
            return what(conn)

    async def iniciar(self, ano: int, cnpj: str | None, uasg: str | None, fontes: list[str], usuario: str) -> Execucao:
        if self.engine is None:
            raise Recusa("O aplicativo não tem banco de dados (DATABASE_URL): não há onde registrar a coleta.")
        try:
            new_id = await asyncio.to_thread(self._iniciar, ano, cnpj, uasg, fontes, usuario)
        except DBAPIError:
            raise Recusa(SEM_BANCO) from None
        await self.avancar()
        found = await asyncio.to_thread(self._read, store.ultima)
        assert found is not None and found.id == new_id
        return found

    def _iniciar(self, ano: int, cnpj: str | None, uasg: str | None, fontes: list[str], usuario: str) -> int:
        assert self.engine is not None
        ativa = self._read(store.ativa)
        if ativa is not None:
            raise _ocupado(ativa)
        fontes = [f for f in FONTES if f in fontes]
        if not fontes:
            raise Recusa("Escolha ao menos uma fonte.")
        try:
            spiders = self.client.spiders(self.project)
            jobs = self.client.jobs(self.project)
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
        try:
            with self.engine.begin() as conn:
                return store.criar(conn, ano, cnpj, uasg, usuario, passos)
        except store.OutraAtiva:
            raise _ocupado(self._read(store.ativa)) from None

    async def cancelar(self, usuario: str) -> None:
        if self.engine is None:
            raise Recusa("Não há coleta em andamento para cancelar.")
        try:
            await asyncio.to_thread(self._cancelar, usuario)
        except DBAPIError:
            raise Recusa(SEM_BANCO) from None

    def _cancelar(self, usuario: str) -> None:
        """Record the cancel; passos not started are cancelled, the running job gets scrapyd's
        cancel (a graceful stop: Scrapy closes the spider and its coleta). One cancel per execução:
        a second one would make Scrapy stop at once."""
        assert self.engine is not None
        with self.engine.begin() as conn:  # a scrapyd refusal rolls the whole cancel back
            execucao = store.ativa(conn, lock="wait")
            if execucao is None:
                raise Recusa("Não há coleta em andamento para cancelar.")
            if execucao.cancelada:
                raise Recusa(f"O cancelamento já foi pedido por {execucao.cancelada_por}; aguarde o job terminar.")
            store.cancelar(conn, execucao.id, usuario)
            for passo in execucao.passos:
                if passo.concluido:
                    continue
                if passo.job_id is not None:
                    try:
                        answer = self.client.cancel(self.project, passo.job_id)
                    except ScrapydError as exc:
                        raise Recusa(f"O scrapyd não cancelou o job {passo.job_id}: {exc}") from None
                    if answer.get("prevstate") == "running":
                        continue  # it stops on its own; `avancar` sees it finish
                passo.estado = "cancelado"  # never started, or taken out of scrapyd's queue
                store.gravar_passo(conn, execucao.id, passo)
            _terminar_se_concluida(conn, execucao)

    async def avancar(self) -> None:
        """Read the jobs' states from scrapyd; when the current source is done, queue the next."""
        if self.engine is not None:
            await asyncio.to_thread(self._avancar)

    def _avancar(self) -> None:
        assert self.engine is not None
        with self.engine.begin() as conn:
            execucao = store.ativa(conn, lock="skip")  # None too while another process advances it
            if execucao is None:
                return
            try:
                jobs = self.client.jobs(self.project)
            except ScrapydError as exc:
                logger.warning("scrapyd unreachable while following the execução: %s", exc)
                return
            states = {
                str(j.get("id")): state for state in ("pending", "running", "finished") for j in jobs.get(state, [])
            }
            for passo in execucao.passos:
                if passo.job_id is not None and not passo.concluido:
                    estado = states.get(passo.job_id, passo.estado)
                    if execucao.cancelada and estado == "finished":
                        estado = "cancelado"
                    if estado != passo.estado:
                        passo.estado = estado
                        store.gravar_passo(conn, execucao.id, passo)
            current = next((p for p in execucao.passos if not p.concluido), None)
            if current is not None and current.job_id is None:
                if execucao.cancelada:
                    current.estado = "cancelado"
                else:
                    self._lancar(current, jobs)
                store.gravar_passo(conn, execucao.id, current)
            _terminar_se_concluida(conn, execucao)

    def _lancar(self, passo: Passo, jobs: dict) -> None:
        """Schedule the passo's job. A job of the same run already in scrapyd is adopted: one this
        execução scheduled before a crash kept its id from reaching the database."""
        key = run_key(passo.spider, passo.args, {})
        active = find_active(jobs, passo.spider, key, passo.args)
        if active is not None:
            passo.job_id, passo.estado = str(active["id"]), active["state"]
            return
        try:
            params = [("jobid", job_id(passo.spider, key)), *sorted(passo.args.items())]
            passo.job_id = self.client.schedule(self.project, passo.spider, params)
            passo.estado = "pending"
        except ScrapydError as exc:
            passo.estado, passo.erro = "erro", str(exc)

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


def _terminar_se_concluida(conn, execucao: Execucao) -> None:
    if all(p.concluido for p in execucao.passos):
        store.terminar(conn, execucao.id)
