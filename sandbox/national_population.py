"""The national sandbox's population: órgãos (esfera, razão social), their PCAs, each plan's items.

Everything derives from the seed through integer hashing, so the app, its truth and the Dados
Abertos rows (sandbox/national_dadosabertos.py) agree without storing anything.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cached_property

from sandbox.dataset import mix64

GONE_PER_MILLE = 30  # search entries whose órgão has no plan any more (stale index)
NAMES = {  # the first words of the razão social, per esfera (what the integração name filter searches)
    "F": ("MINISTERIO DA", "UNIVERSIDADE FEDERAL DE", "INSTITUTO FEDERAL DE", "COMANDO DA", "FUNDACAO NACIONAL DE"),
    "E": ("SECRETARIA DE ESTADO DE", "TRIBUNAL DE JUSTICA DO ESTADO", "FUNDO ESTADUAL DE", "DEPARTAMENTO ESTADUAL DE"),
    "M": (
        "MUNICIPIO DE",
        "PREFEITURA MUNICIPAL DE",
        "CAMARA MUNICIPAL DE",
        "FUNDO MUNICIPAL DE SAUDE DE",
        "CONSORCIO INTERMUNICIPAL",
    ),
}


def _cnpj(root: int) -> str:
    """A valid 14-digit CNPJ (root, branch 0001, check digits)."""
    base = f"{root % 100_000_000:08d}0001"
    for weights in ((5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2), (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)):
        rest = sum(int(d) * w for d, w in zip(base, weights, strict=True)) % 11
        base += str(0 if rest < 2 else 11 - rest)
    return base


@dataclass(frozen=True)
class NationalPlan:
    cnpj: str
    ano: int
    sequencial: int
    uasg: str
    itens: int
    seed: int

    @property
    def numero_controle(self) -> str:
        return f"{self.cnpj}-0-{self.sequencial:06d}/{self.ano}"

    def h(self, i: int, salt: int) -> int:
        return mix64((self.seed * 1_000_003 + int(self.cnpj[:8])) * 7919 + self.sequencial * 131 + i * 17 + salt)

    @cached_property
    def data_atualizacao(self) -> datetime:
        """When the plan was last updated (its consulta `/pca/atualizacao` day): October of the
        year before to November of the year."""
        return datetime(self.ano - 1, 10, 1) + timedelta(days=self.h(0, 7) % 420, seconds=self.h(0, 8) % 86_400)

    @cached_property
    def group_size(self) -> int:
        return 1 + self.h(0, 1) % 25

    def grupo(self, i: int) -> str | None:
        if self.h(i, 2) % 11 == 0:
            return None  # an item outside any contratação futura
        return f"{self.uasg}-{i // self.group_size + 1}/{self.ano}"

    def valor_centavos(self, i: int) -> int:
        return 100 + self.h(i, 3) % 50_000_000

    def item(self, i: int) -> dict:
        valor = float(Decimal(self.valor_centavos(i)).scaleb(-2))
        grupo = self.grupo(i)
        return {
            "numeroItem": i + 1,
            "descricao": f"ITEM {i + 1} DO PLANO {self.sequencial}",
            "quantidade": 1.0,
            "valorUnitario": valor,
            "valorTotal": valor,
            "valorOrcamentoExercicio": 0.0,
            "unidadeFornecimento": "UN",
            "dataDesejada": f"{self.ano}-{1 + self.h(i, 4) % 12:02d}-15",
            "unidadeRequisitante": None,
            "grupoContratacaoCodigo": grupo,
            "grupoContratacaoNome": f"CONTRATACAO {grupo}" if grupo else None,
            "classificacaoSuperiorCodigo": "7830",
            "classificacaoSuperiorNome": "EQUIPAMENTOS",
            "pdmCodigo": None,
            "pdmDescricao": None,
            "codigoItem": None,
            "catalogoId": 1,
            "nomeCatalogo": "Catálogo do Compras.gov.br",
            "classificacaoCatalogoId": 1,
            "nomeClassificacao": "Material",
            "categoriaItemPcaid": 1,
            "categoriaItemPcaNome": "Material",
            "cnpj": self.cnpj,
            "codigoUnidade": self.uasg,
            "nomeUnidade": f"UNIDADE {self.uasg}",
            "anoPca": self.ano,
            "sequencialPca": self.sequencial,
            "dataInclusao": f"{self.ano - 1}-11-10T10:00:00",
            "dataAtualizacao": self.data_atualizacao.isoformat(),
            "dataPublicacaoPncp": f"{self.ano - 1}-11-10T10:00:00",
        }


@dataclass
class NationalOrgao:
    cnpj: str
    razao_social: str
    esfera: str
    planos: dict[int, list[NationalPlan]] = field(default_factory=dict)  # ano -> plans
    listed_without_plan: bool = False


class Population:
    """`orgaos` órgãos (1 in 40 federal, esfera "F"); every federal órgão and `com_pca_per_mille`
    of the others publish a PCA for `ano`, of 1 to 3 plans whose sizes run from 1 to `max_itens`
    items (heavy tail: most small, a few huge)."""

    def __init__(
        self, orgaos: int = 5000, ano: int = 2025, seed: int = 12, com_pca_per_mille: int = 120, max_itens: int = 20_000
    ):
        self.ano, self.seed, self.max_itens = ano, seed, max_itens
        self.orgaos: list[NationalOrgao] = []
        for n in range(orgaos):
            h = mix64(seed * 100_003 + n)
            esfera = "F" if n % 40 == 0 else "E" if n % 7 == 0 else "M"
            kinds = NAMES[esfera]
            orgao = NationalOrgao(_cnpj(90_000_000 + n * 3 + 1), f"{kinds[(h >> 30) % len(kinds)]} {n:05d}", esfera)
            if esfera == "F" or h % 1000 < com_pca_per_mille:
                count = 1 + (h >> 12) % 3 if (h >> 10) % 4 == 0 else 1
                orgao.planos[ano] = [self._plan(orgao, n, s, mix64(h + s)) for s in range(1, count + 1)]
            elif (h >> 20) % 1000 < GONE_PER_MILLE:
                orgao.listed_without_plan = True
            self.orgaos.append(orgao)
        self.by_cnpj = {o.cnpj: o for o in self.orgaos}

    def _plan(self, orgao: NationalOrgao, n: int, sequencial: int, h: int) -> NationalPlan:
        u = (h % 1_000_000) / 1_000_000
        itens = max(1, min(self.max_itens, round(math.exp(u**4 * math.log(self.max_itens)))))
        uasg = f"{(n * 7 + sequencial) % 1_000_000:06d}"
        return NationalPlan(orgao.cnpj, self.ano, sequencial, uasg, itens, self.seed)

    def planos(self, cnpj: str, ano: int) -> list[NationalPlan]:
        orgao = self.by_cnpj.get(cnpj)
        return orgao.planos.get(ano, []) if orgao else []

    def all_planos(self, ano: int) -> list[NationalPlan]:
        return [plan for orgao in self.orgaos for plan in orgao.planos.get(ano, [])]

    def listed(self, ano: int) -> list[NationalOrgao]:
        """The search index's pcaorgao entries for `ano` (stale ones included)."""
        return [o for o in self.orgaos if o.planos.get(ano) or (o.listed_without_plan and ano == self.ano)]
