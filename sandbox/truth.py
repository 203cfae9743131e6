"""What a correct `pncp` crawl must store, computed straight from the data model.

Never calls the HTTP handlers: the truth is independent of how the replicas render pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from sandbox.dataset import Dataset, ItemView, scaled

CENTS = Decimal("0.01")


@dataclass
class _Demanda:
    orgao_cnpj: str
    uasg: str
    sequencial_pca: int
    contratacao: str | None
    dfd: str | None
    descricao: str | None = None
    categorias: set[str] = field(default_factory=set)
    valor_scaled: int = 0
    data_desejada: date | None = None
    data_inicio: datetime | None = None
    data_fim: datetime | None = None
    itens: list[int] = field(default_factory=list)

    def as_json(self) -> dict:
        valor = scaled(self.valor_scaled).quantize(CENTS, rounding=ROUND_HALF_UP)
        return {
            "orgao_cnpj": self.orgao_cnpj,
            "uasg": self.uasg,
            "sequencial_pca": self.sequencial_pca,
            "contratacao": self.contratacao,
            "dfd": self.dfd,
            "descricao": self.descricao,
            "categoria": ", ".join(sorted(self.categorias)),
            "valor": str(valor),
            "data_desejada": self.data_desejada.isoformat() if self.data_desejada else None,
            "data_inicio": self.data_inicio.date().isoformat() if self.data_inicio else None,
            "data_fim": self.data_fim.date().isoformat() if self.data_fim else None,
            "status": "PUBLICADO",
            "itens": sorted(self.itens),
        }


def pncp_demandas(dataset: Dataset, ano: int, cnpj: str, uasg: str | None = None, enriquecimento: bool = True) -> dict:
    """One demanda per (plan, contratação group, DFD); DFD None when unmatched or not enriched.

    data_inicio/data_fim are the min/max of the process dates over the item's matched Dados
    Abertos rows; rows with numeroItemPncp null never join. Items outside any group match a DFD
    whose rows carry no process dates, so their dates are null even when the DFD is known.
    """
    demandas: dict[tuple, _Demanda] = {}
    for plano in dataset.planos_of(cnpj, ano):
        if uasg is not None and plano.codigo_unidade != uasg or not plano.quantidade:
            continue
        est = plano.estrutura
        for i in range(plano.quantidade):
            grupo = est.grupos[est.grupo_of[i]]
            d = est.dfd_of[i] if enriquecimento else -1
            dfd = est.dfds[d] if d >= 0 else None
            key = (plano.sequencial, grupo.codigo, dfd.texto if dfd else None)
            dem = demandas.get(key)
            if dem is None:
                dem = demandas[key] = _Demanda(cnpj, plano.codigo_unidade, plano.sequencial, *key[1:])
            view = ItemView(plano, i)
            numero = est.numero_of[i]
            if not dem.itens:  # items come in numeroItem order: the first is the lowest
                dem.descricao = grupo.nome if grupo.codigo is not None else view.descricao
            dem.itens.append(numero)
            dem.valor_scaled += est.total_of[i]
            dem.categorias.add(view.categoria_nome)
            desejada = view.data_desejada
            if dem.data_desejada is None or desejada < dem.data_desejada:
                dem.data_desejada = desejada
            if dfd is not None and grupo.data_inicio is not None:
                if dem.data_inicio is None or grupo.data_inicio < dem.data_inicio:
                    dem.data_inicio = grupo.data_inicio
                if dem.data_fim is None or grupo.data_fim > dem.data_fim:
                    dem.data_fim = grupo.data_fim
    ordered = sorted(demandas.values(), key=lambda d: (d.sequencial_pca, d.contratacao or "", d.dfd or ""))
    return {
        "dataset": "pncp-demandas",
        "ano": ano,
        "cnpj": cnpj,
        "uasg": uasg,
        "enriquecimento": enriquecimento,
        "count": len(ordered),
        "demandas": [d.as_json() for d in ordered],
    }
