"""The seeded data model both replicas (PNCP and Dados Abertos) and the truth endpoint read.

Plans are cheap headers; each plan's item structure (groups, DFDs, numbers, values) is built
lazily into compact arrays the first time it is needed, so 100,000 items per year stay fast and
page slicing only renders the requested items. Everything derives from `random.Random(seed)`
and integer hashing, never from Python's salted `hash()`, so the same seed gives the same data.
"""

from __future__ import annotations

import random
import threading
from array import array
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sandbox import catalog

DEFAULT_SEED = 2025
DEFAULT_ITENS = 300
YEARS: tuple[int, ...] = tuple(range(2021, 2027))
MAIN_CNPJ = catalog.ORGAOS[0][0]
# Fixed "today" of the data set, so generated dates never depend on the wall clock.
REFERENCE_NOW = datetime(2026, 10, 31, 18, 0, 0)
PNCP_START = datetime(2021, 4, 5, 9, 0, 0)
SMALL_ORGAO_ITENS = (18, 60)
SCALE = 10_000  # money and quantities are stored as integers in units of 1/10,000
_MASK64 = (1 << 64) - 1


def mix64(x: int) -> int:
    """splitmix64 finaliser: a cheap, platform-independent per-item hash."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


def iso(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat()
    return value.isoformat()


def scaled(value: int) -> Decimal:
    """A stored 1/10,000 integer as an exact Decimal."""
    return Decimal(value).scaleb(-4)


def number(value: int) -> float:
    """JSON number as PNCP writes it (12300.0, 1350.5, 0.3333): float of the exact decimal."""
    return float(scaled(value))


@dataclass(frozen=True)
class Orgao:
    cnpj: str
    razao_social: str
    unidades: tuple[tuple[str, str, str], ...]
    esfera: str = "F"
    poder: str = "E"


@dataclass
class Grupo:
    """A contratação futura (PGC projeto de compra); codigo None for items outside any group."""

    codigo: str | None
    nome: str | None
    classe: int
    requisitante: str
    data_desejada: date
    data_inicio: datetime | None
    data_fim: datetime | None

    @property
    def duracao(self) -> int | None:
        if self.data_inicio is None or self.data_fim is None:
            return None
        return (self.data_fim - self.data_inicio).days


@dataclass
class Dfd:
    numero: int
    ano: int
    grupo: int
    descricao_objeto: str
    prioridade: int
    data_prevista: datetime
    codigo_area: str
    atualizacao: datetime
    unpublished_rows: int  # DA rows of this DFD with numeroItemPncp null
    primeiro_item: int = -1  # a matched item position, used to model the unpublished rows

    @property
    def texto(self) -> str:
        return f"{self.numero}/{self.ano}"


@dataclass
class Estrutura:
    """Per-item arrays of one plan (index i = position in the plan, ordered by numeroItem)."""

    grupos: list[Grupo]
    dfds: list[Dfd]
    grupo_of: array
    classe_of: bytes
    artigo_of: bytes
    categoria_of: bytes
    dfd_of: array  # -1: no Dados Abertos row
    numero_of: array
    quantidade_of: array  # scaled
    unitario_of: array  # scaled
    total_of: array  # scaled

    def total(self, indices=None) -> Decimal:
        values = self.total_of if indices is None else (self.total_of[i] for i in indices)
        return scaled(sum(values))


@dataclass
class Plano:
    orgao: Orgao
    ano: int
    codigo_unidade: str
    nome_unidade: str
    sigla: str
    sequencial: int
    quantidade: int
    seed: int
    data_publicacao: datetime
    data_atualizacao_global: datetime
    _estrutura: Estrutura | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def numero_controle(self) -> str:
        return f"{self.orgao.cnpj}-0-{self.sequencial:06d}/{self.ano}"

    @property
    def estrutura(self) -> Estrutura:
        if self._estrutura is None:
            with self._lock:
                if self._estrutura is None:
                    self._estrutura = build_estrutura(self)
        return self._estrutura

    @property
    def valor_total(self) -> Decimal:
        return self.estrutura.total() if self.quantidade else Decimal("0")


class Dataset:
    """All órgãos, plans and DFDs for one (itens, seed)."""

    def __init__(self, itens: int = DEFAULT_ITENS, seed: int = DEFAULT_SEED):
        if itens < 0:
            raise ValueError("itens must be >= 0")
        self.itens = itens
        self.seed = seed
        rng = random.Random(seed)
        self.orgaos: dict[str, Orgao] = {}
        for cnpj, razao, unidades in catalog.ORGAOS:
            self.orgaos[cnpj] = Orgao(cnpj, razao, unidades)
        self.planos: dict[tuple[str, int], list[Plano]] = {}
        for orgao in self.orgaos.values():
            for ano in YEARS:
                total = itens if orgao.cnpj == MAIN_CNPJ else rng.randint(*SMALL_ORGAO_ITENS)
                self.planos[(orgao.cnpj, ano)] = _plan_headers(rng, orgao, ano, total)
        self._da_rows: dict[tuple, list] = {}
        self._da_lock = threading.Lock()
        self._classe_cache: dict[tuple, list[int]] = {}

    @property
    def main_cnpj(self) -> str:
        return MAIN_CNPJ

    def planos_of(self, cnpj: str, ano: int) -> list[Plano]:
        return self.planos.get((cnpj, ano), [])

    def plano(self, cnpj: str, ano: int, sequencial: int) -> Plano | None:
        for plano in self.planos_of(cnpj, ano):
            if plano.sequencial == sequencial:
                return plano
        return None

    def all_planos(self):
        for key in sorted(self.planos):
            yield from self.planos[key]

    def indices_of_classe(self, plano: Plano, codigo: str) -> list[int]:
        """Item positions of a plan whose classificacaoSuperiorCodigo is `codigo` (cached)."""
        key = (plano.orgao.cnpj, plano.ano, plano.sequencial, codigo)
        cached = self._classe_cache.get(key)
        if cached is None:
            wanted = {k for k, cls in enumerate(catalog.CLASSES) if cls[3] == codigo}
            classes = plano.estrutura.classe_of if wanted and plano.quantidade else b""
            cached = self._classe_cache[key] = [i for i, c in enumerate(classes) if c in wanted]
        return cached

    def da_rows(self, cnpj: str, ano: int, uasg: str | None) -> list[tuple[Plano, int, int]]:
        """Dados Abertos rows as (plano, dfd index, item index or -k-1 for unpublished row k)."""
        key = (cnpj, ano, uasg)
        with self._da_lock:
            cached = self._da_rows.get(key)
        if cached is not None:
            return cached
        rows: list[tuple[Plano, int, int]] = []
        for plano in self.planos_of(cnpj, ano):
            if uasg is not None and plano.codigo_unidade != uasg or not plano.quantidade:
                continue
            est = plano.estrutura
            by_dfd: dict[int, list[int]] = {}
            for i, d in enumerate(est.dfd_of):
                if d >= 0:
                    by_dfd.setdefault(d, []).append(i)
            for d in sorted(by_dfd):
                rows.extend((plano, d, i) for i in by_dfd[d])
                rows.extend((plano, d, -k - 1) for k in range(est.dfds[d].unpublished_rows))
        with self._da_lock:
            self._da_rows[key] = rows
        return rows


def _plan_headers(rng: random.Random, orgao: Orgao, ano: int, total: int) -> list[Plano]:
    """One plan per UASG, random weights; the last UASG sometimes has an empty plan."""
    unidades = list(orgao.unidades)
    rng.shuffle(unidades)
    weights = [rng.uniform(0.5, 3.0) for _ in unidades]
    if len(unidades) > 1 and rng.random() < 0.4:
        weights[-1] = 0.0  # a published plan with no items
    counts = _partition(total, weights)
    planos = []
    sequencial = 0
    for (codigo, nome, sigla), count in zip(unidades, counts, strict=True):
        sequencial += 1 + (1 if rng.random() < 0.1 else 0)  # a deleted plan leaves a gap
        start = max(datetime(ano - 1, 3, 1, 8), PNCP_START)
        publicacao = start + timedelta(seconds=rng.randrange(200 * 86400))
        publicacao = min(publicacao, REFERENCE_NOW - timedelta(days=30))
        atualizacao = min(publicacao + timedelta(seconds=rng.randrange(1, 400 * 86400)), REFERENCE_NOW)
        planos.append(
            Plano(orgao, ano, codigo, nome, sigla, sequencial, count, rng.getrandbits(64), publicacao, atualizacao)
        )
    return planos


def _partition(total: int, weights: list[float]) -> list[int]:
    weight_sum = sum(weights) or 1.0
    counts = [int(total * w / weight_sum) for w in weights]
    rest = total - sum(counts)
    for k in range(rest):
        nonzero = [j for j, w in enumerate(weights) if w > 0] or [0]
        counts[nonzero[k % len(nonzero)]] += 1
    return counts


def _classe_index(rng: random.Random) -> int:
    return rng.randrange(len(catalog.CLASSES))


def build_estrutura(plano: Plano) -> Estrutura:
    """Groups, DFDs and per-item arrays of one plan; O(items) with a few RNG calls per item."""
    rng = random.Random(plano.seed)
    ano, n = plano.ano, plano.quantidade
    n_null = 0 if n < 3 else max(1, round(n * 0.03)) if rng.random() < 0.8 else 0
    grupos: list[Grupo] = [Grupo(None, None, 0, "", date(ano, 6, 30), None, None)]
    sizes: list[int] = []
    remaining = n - n_null
    numero_grupo = rng.randint(1, 60)
    while remaining > 0:
        size = min(remaining, rng.choice((1, 2, 3, 3, 4, 5, 6, 8, 10, 14)))
        sizes.append(size)
        remaining -= size
        classe = _classe_index(rng)
        cls = catalog.CLASSES[classe]
        verbo = rng.choice(catalog.GRUPO_VERBOS[cls[0]])
        nome = f"{verbo} {cls[4]} PARA O {plano.sigla}."
        inicio = datetime(ano - 1, 9, 1) + timedelta(seconds=rng.randrange(300 * 86400))
        fim = inicio + timedelta(days=rng.randint(30, 240))
        desejada = date(ano, 1, 15) + timedelta(days=rng.randrange(330))
        grupos.append(
            Grupo(
                f"{plano.codigo_unidade}-{numero_grupo}/{ano}",
                nome,
                classe,
                rng.choice(catalog.REQUISITANTES),
                desejada,
                inicio,
                fim,
            )
        )
        numero_grupo += 1 + (rng.randrange(1, 4) if rng.random() < 0.1 else 0)

    # Items of a group are mostly adjacent but interleave a little, as in real plans; the
    # items outside any group are scattered over the whole plan.
    slots = [0] * n_null
    for g, size in enumerate(sizes, start=1):
        slots.extend([g] * size)
    keys = [rng.random() * n for _ in range(n_null)]
    keys.extend(pos + rng.random() * 6 for pos in range(n_null, len(slots)))
    order = sorted(range(len(slots)), key=keys.__getitem__)
    grupo_of = array("I", (slots[k] for k in order))

    # DFDs: one per group mostly, some groups split in two; null-group items share one DFD.
    dfds: list[Dfd] = []
    counter = 0
    group_dfds: dict[int, tuple[int, ...]] = {}
    for g, grupo in enumerate(grupos):
        if g == 0 and not n_null:
            continue
        ids = []
        for _ in range(2 if g and sizes[g - 1] >= 2 and rng.random() < 0.15 else 1):
            dfd_ano = ano - 1 if rng.random() < 0.2 else ano
            # odd numbers: DFDs of the PCA's own year; even: DFDs from the previous year,
            # so a UASG never reuses an N/AAAA across PCA years.
            numero = 2 * counter + (1 if dfd_ano == ano else 2)
            counter += 1
            base_nome = grupo.nome or "DEMANDAS AVULSAS DA UNIDADE"
            descricao = base_nome.rstrip(".").capitalize()
            prevista = datetime(ano, 1, 1) + timedelta(days=rng.randrange(300))
            atualizacao = min(plano.data_publicacao - timedelta(seconds=rng.randrange(1, 60 * 86400)), REFERENCE_NOW)
            ids.append(len(dfds))
            dfds.append(
                Dfd(
                    numero,
                    dfd_ano,
                    g,
                    descricao,
                    rng.choice((0, 1, 2, 3)),
                    prevista,
                    str(rng.randint(20000, 23999)),
                    atualizacao,
                    rng.choice((0, 0, 0, 0, 1, 2)),
                )
            )
        group_dfds[g] = tuple(ids)

    classe_of = bytearray(n)
    artigo_of = bytearray(n)
    categoria_of = bytearray(n)
    dfd_of = array("i", [-1]) * n
    numero_of = array("I", [0]) * n
    quantidade_of = array("q", [0]) * n
    unitario_of = array("q", [0]) * n
    total_of = array("q", [0]) * n
    numero = 0
    random_ = rng.random
    for i in range(n):
        g = grupo_of[i]
        classe = grupos[g].classe if g else _classe_index(rng)
        cls = catalog.CLASSES[classe]
        artigo = int(random_() * len(cls[5]))
        classe_of[i] = classe
        artigo_of[i] = artigo
        categoria_of[i] = cls[1] if random_() < 0.9 else cls[2]
        numero += 1 + (int(random_() * 3) + 1 if random_() < 0.02 else 0)
        numero_of[i] = numero
        ids = group_dfds.get(g, ())
        if ids and random_() >= 0.05:
            d = dfd_of[i] = ids[0] if len(ids) == 1 else ids[int(random_() * 2)]
            if dfds[d].primeiro_item < 0:
                dfds[d].primeiro_item = i
        lo, hi = cls[5][artigo][2]
        if hi < 3:  # fractional unit prices with 4 decimals (0.3333), integer quantities
            unitario = int((lo + random_() * (hi - lo)) * SCALE)
            quantidade = (int(random_() * 5000) + 1) * SCALE
        else:
            cents = int((lo + random_() * (hi - lo)) * 100)
            if random_() < 0.3:
                cents -= cents % 100  # round prices like 12300.0
            unitario = cents * 100
            if random_() < 0.1:  # fractional quantities like 2.5
                quantidade = (int(random_() * 200) + 5) * 1000
            else:
                quantidade = (int(random_() * (400 if hi < 100 else 24)) + 1) * SCALE
        quantidade_of[i] = quantidade
        unitario_of[i] = unitario
        product = quantidade * unitario
        assert product % SCALE == 0
        total_of[i] = product // SCALE
    return Estrutura(
        grupos,
        dfds,
        grupo_of,
        bytes(classe_of),
        bytes(artigo_of),
        bytes(categoria_of),
        dfd_of,
        numero_of,
        quantidade_of,
        unitario_of,
        total_of,
    )


# ---- per-item attributes that need no stored state -------------------------------------------


@dataclass(frozen=True)
class ItemView:
    """Everything one item shows, computed from the plan arrays plus a per-item hash."""

    plano: Plano
    index: int

    @property
    def _est(self) -> Estrutura:
        return self.plano.estrutura

    @property
    def _hash(self) -> int:
        return mix64(self.plano.seed ^ (self.index * 0x9E3779B97F4A7C15 & _MASK64))

    @property
    def grupo(self) -> Grupo:
        return self._est.grupos[self._est.grupo_of[self.index]]

    @property
    def dfd(self) -> Dfd | None:
        d = self._est.dfd_of[self.index]
        return self._est.dfds[d] if d >= 0 else None

    @property
    def classe(self) -> tuple:
        return catalog.CLASSES[self._est.classe_of[self.index]]

    @property
    def artigo(self) -> tuple:
        return self.classe[5][self._est.artigo_of[self.index]]

    @property
    def artigo_codigo(self) -> str:
        code = (int(self.classe[3]) * 131 + self._est.artigo_of[self.index] * 7919) % 800000 + 100000
        return str(code)

    @property
    def numero(self) -> int:
        return self._est.numero_of[self.index]

    @property
    def categoria_id(self) -> int:
        return self._est.categoria_of[self.index]

    @property
    def categoria_nome(self) -> str:
        return catalog.CATEGORIAS[self.categoria_id]

    @property
    def valor_total(self) -> Decimal:
        return scaled(self._est.total_of[self.index])

    @property
    def data_desejada(self) -> date:
        base = self.grupo.data_desejada
        shifted = base + timedelta(days=(self._hash >> 8) % 21)
        return min(shifted, date(self.plano.ano, 12, 31))

    @property
    def descricao(self) -> str:
        return self.artigo[0]

    @property
    def data_inclusao(self) -> datetime:
        plano = self.plano
        span = int((plano.data_atualizacao_global - plano.data_publicacao).total_seconds())
        return plano.data_publicacao + timedelta(seconds=(self._hash >> 16) % max(span // 2, 1))

    @property
    def data_atualizacao(self) -> datetime:
        inclusao = self.data_inclusao
        if (self._hash >> 40) % 3:
            return inclusao
        span = int((self.plano.data_atualizacao_global - inclusao).total_seconds())
        return inclusao + timedelta(seconds=(self._hash >> 24) % max(span, 1))

    def integracao(self) -> dict:
        """`IRecuperarPlanoItemDTO` of GET /v1/orgaos/{cnpj}/pca/{ano}/{seq}/itens."""
        est, i, h, plano = self._est, self.index, self._hash, self.plano
        cls, artigo, grupo = self.classe, self.artigo, self.grupo
        pdm = artigo[3] if artigo[3] is not None and h % 5 < 3 else None
        total = est.total_of[i]
        return {
            "numeroItem": est.numero_of[i],
            "descricao": artigo[0],
            "quantidade": number(est.quantidade_of[i]),
            "valorUnitario": number(est.unitario_of[i]),
            "valorTotal": number(total),
            "valorOrcamentoExercicio": 0.0 if (h >> 4) % 10 < 3 else number(total),
            "unidadeFornecimento": artigo[1],
            "dataDesejada": iso(self.data_desejada),
            "unidadeRequisitante": grupo.requisitante if (h >> 12) % 10 < 3 and grupo.requisitante else None,
            "grupoContratacaoCodigo": grupo.codigo,
            "grupoContratacaoNome": grupo.nome,
            "classificacaoSuperiorCodigo": cls[3],
            "classificacaoSuperiorNome": cls[4],
            "pdmCodigo": pdm[0] if pdm else None,
            "pdmDescricao": pdm[1] if pdm else None,
            "codigoItem": self.artigo_codigo if (h >> 20) % 10 < 6 else None,
            "catalogoId": 1,
            "nomeCatalogo": catalog.NOME_CATALOGO,
            "classificacaoCatalogoId": cls[0],
            "nomeClassificacao": catalog.CLASSIFICACAO_CATALOGO[cls[0]],
            "categoriaItemPcaid": self.categoria_id,
            "categoriaItemPcaNome": self.categoria_nome,
            "cnpj": plano.orgao.cnpj,
            "codigoUnidade": plano.codigo_unidade,
            "nomeUnidade": plano.nome_unidade,
            "anoPca": plano.ano,
            "sequencialPca": plano.sequencial,
            "dataInclusao": iso(self.data_inclusao),
            "dataAtualizacao": iso(self.data_atualizacao),
            "dataPublicacaoPncp": iso(self.data_inclusao),
        }

    def consulta(self) -> dict:
        """`PlanoContratacaoItemDTO` of the consulta /v1/pca* endpoints (renamed fields)."""
        return consulta_item(self.integracao())


def consulta_item(full: dict) -> dict:
    """An integração item as the consulta /v1/pca* endpoints write it (`PlanoContratacaoItemDTO`,
    renamed fields, pncp.md §2.3)."""
    return {
        "numeroItem": full["numeroItem"],
        "categoriaItemPcaNome": full["categoriaItemPcaNome"],
        "classificacaoCatalogoId": full["classificacaoCatalogoId"],
        "nomeClassificacaoCatalogo": full["nomeClassificacao"],
        "classificacaoSuperiorCodigo": full["classificacaoSuperiorCodigo"],
        "classificacaoSuperiorNome": full["classificacaoSuperiorNome"],
        "pdmCodigo": full["pdmCodigo"],
        "pdmDescricao": full["pdmDescricao"],
        "codigoItem": full["codigoItem"],
        "descricaoItem": full["descricao"],
        "unidadeFornecimento": full["unidadeFornecimento"],
        "quantidadeEstimada": full["quantidade"],
        "valorUnitario": full["valorUnitario"],
        "valorTotal": full["valorTotal"],
        "valorOrcamentoExercicio": full["valorOrcamentoExercicio"],
        "dataDesejada": full["dataDesejada"],
        "unidadeRequisitante": full["unidadeRequisitante"],
        "grupoContratacaoCodigo": full["grupoContratacaoCodigo"],
        "grupoContratacaoNome": full["grupoContratacaoNome"],
        "dataInclusao": full["dataInclusao"],
        "dataAtualizacao": full["dataAtualizacao"],
    }
