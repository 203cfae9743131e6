"""Deterministic, realistic content of the PGC replica: DFDs per PCA year and Formação do PCA cards.

Everything is generated from a seed, so the ground truth served at `/__sandbox__/truth/pgc-*` is
exactly what the app shows. Screen formats follow the real app: DFD `N/AAAA` (not zero-padded, its
year may differ from the PCA year), values `R$ 1.234,56` or empty, dates `dd/mm/aaaa`.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal

UASG = "110511"
NOME_UASG = "COORDENAÇÃO-GERAL DE RECURSOS LOGÍSTICOS (SANDBOX)"
ORGAO_CNPJ = "00394544000185"  # the sandbox's main órgão (matches the PNCP replica's)
MAIN_PCA = 2025
DEFAULT_DFDS = {2025: 237, 2026: 42, 2024: 18}
DEFAULT_CONTRATACOES = {2025: 57, 2026: 12, 2024: 5}
MAX_DFDS = 10_000
MAX_CONTRATACOES = 10_000

SITUACOES = (
    ("Rascunho", 18),
    ("Aguardando Análise", 22),
    ("Devolvido", 8),
    ("Aprovado pela Autoridade Competente", 14),
    ("Consolidado", 16),
    ("Aguardando Aprovação", 10),
    ("Cancelado", 3),
    ("Enviado para Contratação", 9),
)
REQUISITANTES = (
    "COORDENAÇÃO DE TECNOLOGIA DA INFORMAÇÃO",
    "DIVISÃO DE ADMINISTRAÇÃO PREDIAL",
    "SERVIÇO DE GESTÃO DE PESSOAS",
    "COORDENAÇÃO DE LOGÍSTICA",
    "DIVISÃO DE TRANSPORTES",
    "ASSESSORIA DE COMUNICAÇÃO SOCIAL",
    "SERVIÇO DE SAÚDE OCUPACIONAL",
    "BIBLIOTECA CENTRAL",
)
OBJETOS = (
    ("Aquisição de microcomputadores e monitores", "Material"),
    ("Contratação de serviço de limpeza e conservação predial", "Serviço"),
    ("Aquisição de material de expediente", "Material"),
    ("Manutenção preventiva e corretiva de aparelhos de ar-condicionado", "Serviço"),
    ("Aquisição de licenças de software de escritório", "Soluções de TIC"),
    ("Reforma da cobertura do bloco administrativo", "Obras"),
    ("Fornecimento de água mineral em garrafões de 20 litros", "Material"),
    ("Serviço de vigilância patrimonial armada e desarmada", "Serviço"),
    ("Aquisição de mobiliário: cadeiras giratórias e mesas", "Material"),
    ("Contratação de link de internet dedicado 1 Gbps", "Soluções de TIC"),
    ("Projeto executivo de adequação elétrica — subestação", "Serviços de Engenharia"),
    ("Aquisição de EPIs (luvas, máscaras, óculos de proteção)", "Material"),
    ("Locação de veículos com motorista", "Serviço"),
    ("Aquisição de gêneros alimentícios para copa", "Material"),
    ("Treinamento em gestão de contratos — turma fechada", "Serviço"),
)
EDITORES = ("SERVIDOR SANDBOX UM", "SERVIDORA SANDBOX DOIS", "SERVIDOR SANDBOX TRÊS")
BADGES_PENDENTES = ("Aguardando aprovação", "Em análise pela autoridade", "Devolvida para ajustes")


def format_brl(value: Decimal | None) -> str:
    if value is None:
        return ""
    whole, _, cents = f"{value:.2f}".partition(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"R$ {'.'.join(groups)},{cents}"


def br_date(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else ""


@dataclass
class Dfd:
    posicao: int  # order in the list (0-based), stable
    dfd: str  # N/AAAA
    numero: int
    ano_dfd: int
    pca: int
    identificador: str  # <UASG6><NNNNNN><AAAA>
    requisitante: str
    descricao: str
    valor: str  # as on screen: "R$ 1.234,56" or ""
    situacao: str
    data_conclusao: str  # dd/mm/aaaa (detail modal only)
    editor: str
    prioridade: str
    meu: bool  # also listed in "Meus DFDs"
    justificativa: str
    responsaveis: list[str] = field(default_factory=list)

    def row(self) -> dict:
        return asdict(self)


@dataclass
class Contratacao:
    aba: str  # reprovadas | aprovadas | pendentes
    posicao: int
    contratacao: str  # UASG-N/AAAA
    descricao: str
    categoria: str
    requisitante: str
    valor: str
    inicio: str
    fim: str
    status: str  # APROVADA / REPROVADA / PENDENTE
    badge: str  # text of the card's badge / situação
    dfd: str | None  # DFD the agency wrote at the start of the description, if any

    def row(self) -> dict:
        return asdict(self)


def _weighted(rng: random.Random, pairs) -> str:
    names = [p[0] for p in pairs]
    weights = [p[1] for p in pairs]
    return rng.choices(names, weights)[0]


def _money(rng: random.Random, empty_ratio: float = 0.07) -> Decimal | None:
    if rng.random() < empty_ratio:
        return None
    magnitude = rng.choice((2, 3, 3, 4, 4, 5, 5, 6, 7))
    cents = rng.randrange(100, 10 ** (magnitude + 2))
    return Decimal(cents) / 100


def generate_dfds(pca: int, count: int, seed: int, counters: dict[int, int] | None = None) -> list[Dfd]:
    """`counters` (creation year -> last DFD number) is shared by all PCA years of the UASG: DFD
    numbers are per calendar year of creation, whatever PCA the DFD belongs to."""
    rng = random.Random(f"dfd-{seed}-{pca}")
    out: list[Dfd] = []
    # Most of a PCA's DFDs are created the year before (30/2024 belongs to PCA 2025), some in the
    # PCA year itself.
    counters = {} if counters is None else counters
    counters.setdefault(pca - 1, rng.randint(3, 40))
    counters.setdefault(pca, rng.randint(1, 9))
    for i in range(count):
        ano_dfd = pca - 1 if rng.random() < 0.75 else pca
        counters[ano_dfd] += rng.choice((1, 1, 1, 2, 3))
        numero = counters[ano_dfd]
        objeto, _cat = rng.choice(OBJETOS)
        detail = rng.choice(("", " para o exercício", " — lote único", " conforme termo de referência", ""))
        conclusao = date(pca, 1, 1) + timedelta(days=rng.randrange(0, 360))
        out.append(
            Dfd(
                posicao=i,
                dfd=f"{numero}/{ano_dfd}",
                numero=numero,
                ano_dfd=ano_dfd,
                pca=pca,
                identificador=f"{UASG}{numero:06d}{ano_dfd}",
                requisitante=rng.choice(REQUISITANTES),
                descricao=f"{objeto}{detail}",
                valor=format_brl(_money(rng)),
                situacao=_weighted(rng, SITUACOES),
                data_conclusao=br_date(conclusao),
                editor=rng.choice(EDITORES),
                prioridade=rng.choice(("Baixo", "Médio", "Alto")),
                meu=rng.random() < 0.3,
                justificativa=f"Necessidade de {objeto.lower()} para a continuidade das atividades da unidade.",
                responsaveis=rng.sample(EDITORES, rng.randint(0, 2)),
            )
        )
    # The list shows the newest DFDs first.
    out.sort(key=lambda d: (d.ano_dfd, d.numero), reverse=True)
    for i, d in enumerate(out):
        d.posicao = i
    return out


def generate_contratacoes(pca: int, count: int, seed: int, dfds: list[Dfd]) -> dict[str, list[Contratacao]]:
    rng = random.Random(f"ctr-{seed}-{pca}")
    abas: dict[str, list[Contratacao]] = {"reprovadas": [], "aprovadas": [], "pendentes": []}
    for i in range(count):
        r = rng.random()
        aba = "aprovadas" if r < 0.55 else ("pendentes" if r < 0.9 else "reprovadas")
        objeto, categoria = rng.choice(OBJETOS)
        dfd = rng.choice(dfds).dfd if dfds and rng.random() < 0.8 else None
        descricao = f"{dfd} - {objeto}" if dfd else objeto
        inicio = date(pca, 1, 1) + timedelta(days=rng.randrange(0, 300))
        fim = inicio + timedelta(days=rng.choice((30, 60, 90, 120, 180)))
        if aba == "aprovadas":
            status, badge = "APROVADA", "Aprovada"
        elif aba == "reprovadas":
            status, badge = "REPROVADA", "Reprovada"
        else:
            status, badge = "PENDENTE", rng.choice(BADGES_PENDENTES)
        abas[aba].append(
            Contratacao(
                aba=aba,
                posicao=len(abas[aba]),
                contratacao=f"{UASG}-{i + 1}/{pca}",
                descricao=descricao,
                categoria=categoria,
                requisitante=rng.choice(REQUISITANTES),
                valor=format_brl(_money(rng, 0.04)),
                inicio=br_date(inicio),
                fim=br_date(fim),
                status=status,
                badge=badge,
                dfd=dfd,
            )
        )
    return abas


class Dataset:
    """All PCA years of the sandbox UASG; `resize()` is the scale knob."""

    def __init__(
        self, seed: int = 20250, dfds: dict[int, int] | None = None, contratacoes: dict[int, int] | None = None
    ):
        self.seed = seed
        self.dfd_counts = dict(DEFAULT_DFDS)
        self.ctr_counts = dict(DEFAULT_CONTRATACOES)
        self.dfd_counts.update(dfds or {})
        self.ctr_counts.update(contratacoes or {})
        self._build()

    def _build(self) -> None:
        self.dfds: dict[int, list[Dfd]] = {}
        self.contratacoes: dict[int, dict[str, list[Contratacao]]] = {}
        counters: dict[int, int] = {}
        for pca in sorted(set(self.dfd_counts) | set(self.ctr_counts)):
            self.dfds[pca] = generate_dfds(pca, self.dfd_counts.get(pca, 0), self.seed, counters)
            self.contratacoes[pca] = generate_contratacoes(pca, self.ctr_counts.get(pca, 0), self.seed, self.dfds[pca])
        self.by_identificador = {d.identificador: d for rows in self.dfds.values() for d in rows}
        assert len(self.by_identificador) == sum(len(rows) for rows in self.dfds.values()), "DFD numbers collide"

    def resize(
        self, pca: int, dfds: int | None = None, contratacoes: int | None = None, seed: int | None = None
    ) -> None:
        if dfds is not None:
            if not 0 <= dfds <= MAX_DFDS:
                raise ValueError(f"dfds must be between 0 and {MAX_DFDS}")
            self.dfd_counts[pca] = dfds
        if contratacoes is not None:
            if not 0 <= contratacoes <= MAX_CONTRATACOES:
                raise ValueError(f"contratacoes must be between 0 and {MAX_CONTRATACOES}")
            self.ctr_counts[pca] = contratacoes
        if seed is not None:
            self.seed = seed
        self._build()

    def pcas(self) -> list[dict]:
        status = {MAIN_PCA: "Em elaboração", MAIN_PCA - 1: "Publicado", MAIN_PCA + 1: "Em elaboração"}
        return [
            {"ano": pca, "label": f"PCA {pca} - {status.get(pca, 'Em elaboração')}"}
            for pca in sorted(self.dfds, reverse=True)
        ]

    def list_dfds(self, pca: int, escopo: str) -> list[Dfd]:
        rows = self.dfds.get(pca, [])
        return [d for d in rows if d.meu] if escopo == "meus" else rows

    def truth_dfds(self, pca: int, escopo: str = "uasg") -> list[dict]:
        return [d.row() for d in self.list_dfds(pca, escopo)]

    def truth_contratacoes(self, pca: int) -> list[dict]:
        abas = self.contratacoes.get(pca, {})
        return [c.row() for aba in ("reprovadas", "aprovadas", "pendentes") for c in abas.get(aba, [])]
