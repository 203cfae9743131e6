"""`scrapy crawl pgc_formacao -a ano=2025`: PGC's "Formação do PCA" (coleta fonte 'FORMACAO').

`scrapy crawl pncp -a ano=2025 -a fonte=pgc` is an alias of it (the crawl command redirects it).
Same login as the `pgc` spider, then "Formação do PCA", the PCA year, and each tab (Reprovadas,
Aprovadas, Pendentes) scrolled to its end and checked against the tab's total label (an empty tab
may show only a "no records" message). One Demanda per contratação card (de-duplicated on the
contratação), status APROVADA / REPROVADA / PENDENTE with the card's badge text kept in
`detalhes`; the DFD is taken from the start of the description when the agency writes it there.
"""

from __future__ import annotations

import re
from typing import Any

from procurement_spiders.config import Config
from procurement_spiders.items import Demanda
from procurement_spiders.pages.pgc import ABAS, STATUS_DA_ABA
from procurement_spiders.parsing.identifiers import InvalidIdentifier, normalize_dfd
from procurement_spiders.spiders.base import parse_ano
from procurement_spiders.spiders.pgc_browser import PgcBrowserSpider

_DFD_AT_START = re.compile(r"^\s*(?:DFD\s*(?:n[º°o.]*)?\s*)?(\d{1,6}\s*/\s*\d{4})(?!\d)", re.IGNORECASE)
_UASG_PREFIX = re.compile(r"^(\d{6})-")


def dfd_from_descricao(descricao: str | None) -> str | None:
    """`157/2025 - Aquisição…` -> `157/2025`; None when the agency did not write a DFD there."""
    match = _DFD_AT_START.match(descricao or "")
    if not match:
        return None
    try:
        return normalize_dfd(match.group(1))
    except InvalidIdentifier:
        return None


class PgcFormacaoSpider(PgcBrowserSpider):
    name = "pgc_formacao"
    fonte = "FORMACAO"
    argument_names = ("ano",)

    formacao_tab_budget: float = 180.0  # seconds of scrolling per tab (the macro's budget)

    @classmethod
    def parse_arguments(cls, config: Config, raw: dict[str, Any]) -> dict[str, Any]:
        typed = {"ano": parse_ano(raw.get("ano"))}
        cls.check_pgc_login_config(config)
        return typed

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.formacao_seen: set[str] = set()
        self.formacao_totals: dict[str, int | None] = {}
        self.formacao_counts: dict[str, int] = {}

    async def start(self):
        self.pgc_init()
        self.logger.info(
            "collecting the contratações of PCA %s from PGC 'Formação do PCA' at %s (login %s)",
            self.ano,
            self.config.pgc_base_url,
            self.config.pgc_login_mode,
        )
        yield self.formacao_login_request(ABAS[0], new_session=False)

    def formacao_login_request(self, aba: str, *, new_session: bool):
        return self.pgc_request(
            self.pgc_actions.login_and_formacao(self.ano),
            self.formacao_ready,
            navigate=True,
            label=f"login-formacao-{aba}",
            new_session=new_session,
            cb_kwargs={"aba": aba},
        )

    def formacao_tab_request(self, aba: str):
        return self.pgc_request(
            self.pgc_actions.tab(aba, budget=self.formacao_tab_budget),
            self.formacao_tab,
            navigate=False,
            label=f"formacao-{aba}",
            cb_kwargs={"aba": aba},
        )

    def pgc_resume(self, failed_request, *, new_session: bool):
        yield self.formacao_login_request(failed_request.cb_kwargs.get("aba", ABAS[0]), new_session=new_session)

    def formacao_ready(self, response, aba: str):
        if self.pgc_result(response) is None:
            self.pgc_relogin_allowed("the session expired while opening Formação do PCA")
            yield self.formacao_login_request(aba, new_session=False)
            return
        yield self.formacao_tab_request(aba)

    def formacao_tab(self, response, aba: str):
        result = self.pgc_result(response)
        if result is None:
            # The tab is read again from its start after the new login; cards already stored are skipped.
            self.pgc_relogin_allowed(f"the session expired while reading tab {aba}")
            yield self.formacao_login_request(aba, new_session=False)
            return
        stats = self.crawler.stats
        total = result.get("total")
        cards = result.get("cards") or []
        self.formacao_totals[aba] = total
        stats.set_value(f"pgc/formacao/{aba}/total", total)
        stats.set_value(f"pgc/formacao/{aba}/cards", len(cards))
        stats.inc_value("pgc/formacao/scrolls", result.get("rounds", 0))
        if not result.get("complete"):
            self.record_anomaly(
                "pgc_aba_incompleta",
                f"tab {aba}: {len(cards)} cards rendered, its label says {total}",
                incompleta=True,
                aba=aba,
                lidos=len(cards),
                total=total,
            )
        for card in cards:
            contratacao = card.get("contratacao")
            if not contratacao or contratacao in self.formacao_seen:
                continue
            self.formacao_seen.add(contratacao)
            self.formacao_counts[aba] = self.formacao_counts.get(aba, 0) + 1
            yield self.formacao_demanda(aba, card)
        following = ABAS.index(aba) + 1
        if following < len(ABAS):
            yield self.formacao_tab_request(ABAS[following])
        else:
            per_tab = ", ".join(f"{a} {self.formacao_counts.get(a, 0)}/{self.formacao_totals.get(a)}" for a in ABAS)
            self.logger.info("PGC Formação do PCA: %d contratações (%s)", len(self.formacao_seen), per_tab)

    def formacao_demanda(self, aba: str, card: dict[str, Any]) -> Demanda:
        contratacao = card["contratacao"]
        badge = card.get("badge") or card.get("situacao")
        uasg = _UASG_PREFIX.match(contratacao)
        self.unidade_from_data(uasg.group(1) if uasg else None)
        unidade = self.unidade or {}
        return Demanda(
            fonte=self.fonte,
            chave=contratacao,
            ano_referencia=self.ano,
            orgao_cnpj=self.demanda_orgao_cnpj(),
            uasg=uasg.group(1) if uasg else unidade.get("uasg"),
            contratacao=contratacao,
            dfd=dfd_from_descricao(card.get("descricao")),
            descricao=card.get("descricao"),
            categoria=card.get("categoria"),
            requisitante=card.get("requisitante"),
            valor=card.get("valor") or None,
            data_inicio=card.get("inicio") or None,
            data_fim=card.get("fim") or None,
            status=STATUS_DA_ABA[aba],
            detalhes={"origem": "PGC Formação do PCA", "aba": aba, "situacao_card": badge},
        )
