"""The tasks of a national run: their requests, and the parsing of the discovery pages.

Three kinds of task travel through the shared queue (national/queue.py), each written to the
ledger before its request is queued: a page of the portal's PCA listing (`busca`), an órgão's
page of plans (`orgao`, `/consolidado/unidades`) and a plan (`plano`, its `/itens/quantidade`,
then read by a PlanReader as the `pncp` spider reads it). A task is done when its children are
in the ledger (listing, órgão) or its demandas are stored (plan). Mixed into PncpNacionalSpider.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from procurement_spiders.national import ledger
from procurement_spiders.national import queue as rq
from procurement_spiders.shims import wake_engine
from procurement_spiders.spiders.base import InvalidPortalResponse, failed_request
from procurement_spiders.spiders.pncp_plan_reader import PlanReader

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from procurement_spiders.config import Config

SEARCH_PAGE = 500
MAX_SEARCH_PAGES = 200  # 100,000 órgãos: far above the ~4,000 with a PCA (pncp.md §3.2)
ORGAO_PAGE = 500
MAX_ORGAO_PAGES = 20
NO_ROWS_META = {"handle_httpstatus_list": [404]}
SEED = ("busca:1", "busca", {"pagina": 1})
PRIORITY = {"busca": 30, "orgao": 20, "plano": 10}


class NationalTasks:
    if TYPE_CHECKING:  # what the mixin uses of PncpNacionalSpider, for the type checker only
        crawler: Crawler
        config: Config
        ano: int
        worker: str
        redis: Any
        redis_keys: dict[str, str]
        coleta_id: int | None
        reading: set[str]

        def record_anomaly(self, tipo: str, message: str, *, incompleta: bool = False, **details: Any) -> None: ...
        def json_rows(self, response: Response, envelope_key: str | None = None) -> list[dict[str, Any]]: ...
        def json_body(self, response: Response) -> Any | None: ...
        def db_sync(self, fn, *args: Any) -> Any: ...
        async def db(self, fn, *args: Any) -> Any: ...

    def task_request(self, chave: str, tipo: str, dados: dict[str, Any], *, requeued: bool = False) -> scrapy.Request:
        base = self.config.pncp_base_url
        if tipo == "busca":
            query = {
                "tipos_documento": "pcaorgao",
                "anos": self.ano,
                "pagina": dados["pagina"],
                "tam_pagina": SEARCH_PAGE,
            }
            url, callback = f"{base}/api/search/?{urlencode(query)}", self.parse_busca
        elif tipo == "orgao":
            query = {"pagina": dados["pagina"], "tamanhoPagina": ORGAO_PAGE}
            url = f"{base}/api/pncp/v1/orgaos/{dados['cnpj']}/pca/{self.ano}/consolidado/unidades?{urlencode(query)}"
            callback = self.parse_orgao
        else:
            url = f"{base}/api/pncp/v1/orgaos/{dados['cnpj']}/pca/{self.ano}/{dados['sequencial']}/itens/quantidade"
            callback = self.parse_plano
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.task_failed,
            dont_filter=requeued,
            cb_kwargs={"chave": chave, "dados": dados},
            priority=PRIORITY[tipo],
            meta={**NO_ROWS_META, "tarefa": chave},
        )

    async def finish(self, chave: str, children: list[tuple[str, str, dict[str, Any]]]):
        """The task done and its new children in the ledger; the children's requests to queue (with
        Redis they go to the shared queue here, all at once, and the callback yields nothing)."""
        new = set(await self.db(ledger.finish_task, self.coleta_id, chave, self.worker, children))
        self.task_stored(chave)
        requests = [self.task_request(c, t, d) for c, t, d in children if c in new]
        if self.redis and requests:
            scheduler = self.crawler.engine.scheduler
            assert isinstance(scheduler, rq.NationalScheduler)
            scheduler.enqueue_tasks(requests)
            wake_engine(self.crawler)
            return []
        return requests

    def task_stored(self, chave: str) -> None:
        self.reading.discard(chave)
        self.crawler.stats.inc_value(f"nacional/tarefas_feitas/{chave.split(':', 1)[0]}")
        if self.redis:
            rq.release(self.redis, self.redis_keys, chave, self.worker)

    def rows_or_anomaly(self, response: Response, envelope: str | None = None) -> list[dict[str, Any]] | None:
        try:
            return self.json_rows(response, envelope)
        except InvalidPortalResponse as exc:
            self.record_anomaly("resposta_invalida", str(exc), incompleta=True, url=response.url)
            return None

    async def parse_busca(self, response: Response, chave: str, dados: dict[str, Any]):
        rows = self.rows_or_anomaly(response, "items") or []
        children: list[tuple[str, str, dict[str, Any]]] = []
        if dados["pagina"] == 1:
            body = self.json_body(response) or {}
            total = body.get("total") if isinstance(body, dict) else None
            pages = min(-(-int(total or 0) // SEARCH_PAGE), MAX_SEARCH_PAGES)
            if int(total or 0) > SEARCH_PAGE * MAX_SEARCH_PAGES:
                self.record_anomaly(
                    "limite_busca", f"{total} órgãos listed; only {MAX_SEARCH_PAGES} pages read", incompleta=True
                )
            children += [(f"busca:{p}", "busca", {"pagina": p}) for p in range(2, pages + 1)]
        for row in rows:
            cnpj = str(row.get("orgao_cnpj") or "") if isinstance(row, dict) else ""
            if not re.fullmatch(r"[0-9]{14}", cnpj):
                self.record_anomaly("linha_invalida", f"{response.url}: listing row without a CNPJ: {str(row)[:200]}")
                continue
            children.append((f"orgao:{cnpj}:1", "orgao", {"cnpj": cnpj, "pagina": 1}))
        self.crawler.stats.inc_value("nacional/orgaos_listados", len(rows))
        for request in await self.finish(chave, children):
            yield request

    async def parse_orgao(self, response: Response, chave: str, dados: dict[str, Any]):
        rows = self.rows_or_anomaly(response) or []
        cnpj, children = dados["cnpj"], []
        for row in rows:
            try:
                sequencial = int(row["sequencialPca"])
                uasg = str(row.get("codigoUnidade") or "").zfill(6)
            except (KeyError, TypeError, ValueError, AttributeError):
                self.record_anomaly("linha_invalida", f"{response.url}: plan row {str(row)[:200]}", incompleta=True)
                continue
            children.append(
                (
                    f"plano:{cnpj}:{sequencial}",
                    "plano",
                    {
                        "cnpj": cnpj,
                        "sequencial": sequencial,
                        "uasg": uasg,
                        "numero_controle": row.get("numeroControlePNCP"),
                        "esfera": row.get("esfera"),
                    },
                )
            )
        if len(rows) >= ORGAO_PAGE and dados["pagina"] < MAX_ORGAO_PAGES:
            page = dados["pagina"] + 1
            children.append((f"orgao:{cnpj}:{page}", "orgao", {"cnpj": cnpj, "pagina": page}))
        self.crawler.stats.inc_value("nacional/orgaos_com_pca" if rows else "nacional/orgaos_sem_pca")
        self.crawler.stats.inc_value("nacional/planos_descobertos", len(rows))
        for request in await self.finish(chave, children):
            yield request

    def parse_plano(self, response: Response, chave: str, dados: dict[str, Any]) -> Iterator[Any]:
        if chave in self.reading:
            return  # already being read here (queued twice)
        self.reading.add(chave)
        reader = PlanReader(self, chave, dados["cnpj"], dados["uasg"], dados.get("esfera"))
        plan = reader.start_plan(int(dados["sequencial"]), dados.get("numero_controle"))
        yield from reader.start_enrichment()
        yield from reader.parse_quantidade(response, plan)

    def task_failed(self, failure: Failure) -> Iterator[Any]:
        request = failed_request(failure)
        chave, dados = request.cb_kwargs["chave"], request.cb_kwargs["dados"]
        if chave.startswith("plano:"):  # read the plan without its total, as the pncp spider does
            self.reading.add(chave)
            reader = PlanReader(self, chave, dados["cnpj"], dados["uasg"], dados.get("esfera"))
            request.cb_kwargs["plan"] = reader.start_plan(int(dados["sequencial"]), dados.get("numero_controle"))
            yield from reader.start_enrichment()
            yield from reader.quantidade_failed(failure)
            return
        self.record_anomaly(
            "tarefa_perdida", f"{chave}: {request.url}: {failure.getErrorMessage()}", incompleta=True, tarefa=chave
        )
        self.db_sync(ledger.finish_task, self.coleta_id, chave, self.worker, [])
        self.task_stored(chave)
