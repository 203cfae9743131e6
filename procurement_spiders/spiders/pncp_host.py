"""What PncpSpider's mixins (items paging, Dados Abertos enrichment) use of the spider they are
mixed into, declared for the type checker only: at run time the class is empty, so nothing here
shadows ColetaSpider's or PncpSpider's own definitions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.utils.log import SpiderLoggerAdapter

    from procurement_spiders.config import Config
    from procurement_spiders.items import Demanda
    from procurement_spiders.spiders.pncp_rows import Plan


class PncpSpiderHost:
    if TYPE_CHECKING:
        crawler: Crawler
        config: Config
        fonte: str
        ano: int
        cnpj: str
        uasg: str | None
        plans: dict[int, Plan]
        enrichment_done: bool
        parked: list[Any]

        @property
        def logger(self) -> SpiderLoggerAdapter: ...

        @property
        def page_size(self) -> int: ...

        def record_anomaly(self, tipo: str, message: str, *, incompleta: bool = False, **details: Any) -> None: ...

        def row_anomaly(self, tipo: str, message: str, **details: Any) -> None: ...

        @staticmethod
        def json_body(response: Response) -> Any | None: ...

        @classmethod
        def json_rows(cls, response: Response, envelope_key: str | None = None) -> list[dict[str, Any]]: ...

        def pca_url(self, path: str, **query: Any) -> str: ...

        def demandas_of(self, plan: Plan) -> Iterator[Demanda]: ...
