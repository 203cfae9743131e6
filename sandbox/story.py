"""One story across the three replicas, for the demo órgão and PCA 2025 (switched on on demand).

Off by default, so every other test keeps its data. `POST /__sandbox__/story {"versao": 1}`
replaces, for órgão STORY_CNPJ and year STORY_ANO, the PGC replica's DFD list and Formação do PCA
and the PNCP replica's plan (its items and the Dados Abertos rows carrying their DFD numbers)
with the entries below; `{"versao": 2}` is the same story a week later (one DFD added, one
removed, a value and a status changed); `{"versao": 0}` restores the generated data sets.
The truths (`/__sandbox__/truth/geral`, `/__sandbox__/truth/mudancas`) are computed by
sandbox/story_truth.py; the routes are in sandbox/story_routes.py.

The planted findings of version 1 (codes of the `geral` report):
- consistent in all three sources: 1/2025, 2/2025, 3/2025, 4/2025
- VALOR_DIVERGENTE: 5/2025 (PNCP published R$ 118.500,00, PGC and Formação say R$ 120.000,00)
- DATAS_DIVERGENTES: 6/2025 (PNCP's process dates are a month later than the Formação's)
- APROVADA_NAO_PUBLICADA: 8/2025 (approved in the Formação, absent from PNCP)
- CANCELADO_NO_PLANO: 9/2025 (cancelled in PGC, approved and published), 10/2025 (returned in
  PGC, pending in the Formação)
- DFD_DUPLICADO: 11/2025 in two contratações of the Formação (its sums then differ from PNCP's,
  so it is also VALOR_DIVERGENTE)
- SO_NO_PGC: 7/2025 (no value in PGC), 12/2025
- none: 13/2025 (rejected in the Formação: rejected DFDs are not expected in PNCP)
- PNCP_SEM_DFD_NO_PGC: 40/2025 (a DFD PGC does not list) and contratação 110511-13/2025 (no DFD
  in Dados Abertos)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time
from decimal import Decimal

STORY_CNPJ = "00394452000103"  # the PNCP replica's main órgão: the demo's ORGAO_CNPJ
STORY_UASG = "110511"  # the PGC replica's UASG
STORY_NOME_UASG = "COORDENAÇÃO-GERAL DE RECURSOS LOGÍSTICOS (SANDBOX)"
STORY_ANO = 2025
VERSOES = (0, 1, 2)


@dataclass(frozen=True)
class Formacao:
    aba: str  # aprovadas | pendentes | reprovadas
    numero: int  # contratação 110511-<numero>/2025
    valor: Decimal
    inicio: date
    fim: date


@dataclass(frozen=True)
class Publicacao:
    numero: int  # the contratação futura (PNCP group) 110511-<numero>/2025
    valor: Decimal
    inicio: date | None
    fim: date | None
    com_dfd: bool = True  # False: no Dados Abertos row, PNCP shows the contratação without a DFD
    classe: int = 0  # sandbox.catalog.CLASSES index


@dataclass(frozen=True)
class Entrada:
    """One DFD of the story and where it shows up; `pgc` False: PGC does not list it."""

    numero: int
    descricao: str
    valor: Decimal | None
    situacao: str
    requisitante: str = "COORDENAÇÃO DE LOGÍSTICA"
    pgc: bool = True
    formacao: tuple[Formacao, ...] = ()
    pncp: Publicacao | None = None

    @property
    def dfd(self) -> str:
        return f"{self.numero}/{STORY_ANO}"


def _d(text: str) -> date:
    return date.fromisoformat(text)


def _m(text: str) -> Decimal:
    return Decimal(text)


def _ok(numero, ctr, descricao, valor, situacao, inicio, fim, classe, requisitante="COORDENAÇÃO DE LOGÍSTICA"):
    """A DFD consistent in the three sources."""
    return Entrada(
        numero,
        descricao,
        _m(valor),
        situacao,
        requisitante,
        formacao=(Formacao("aprovadas", ctr, _m(valor), _d(inicio), _d(fim)),),
        pncp=Publicacao(ctr, _m(valor), _d(inicio), _d(fim), classe=classe),
    )


APROVADO = "Aprovado pela Autoridade Competente"

VERSAO_1: tuple[Entrada, ...] = (
    _ok(
        1,
        1,
        "Aquisição de microcomputadores e monitores",
        "250000.00",
        APROVADO,
        "2025-02-03",
        "2025-05-04",
        1,
        "COORDENAÇÃO DE TECNOLOGIA DA INFORMAÇÃO",
    ),
    _ok(
        2,
        2,
        "Contratação de serviço de limpeza e conservação predial",
        "480000.00",
        "Consolidado",
        "2025-03-10",
        "2025-07-08",
        7,
        "DIVISÃO DE ADMINISTRAÇÃO PREDIAL",
    ),
    _ok(
        3,
        3,
        "Aquisição de material de expediente",
        "35000.00",
        "Enviado para Contratação",
        "2025-04-01",
        "2025-05-31",
        0,
    ),
    _ok(
        4,
        14,
        "Projeto executivo de adequação elétrica — subestação",
        "300000.00",
        APROVADO,
        "2025-05-05",
        "2025-09-02",
        10,
        "DIVISÃO DE ADMINISTRAÇÃO PREDIAL",
    ),
    Entrada(
        5,
        "Manutenção preventiva e corretiva de aparelhos de ar-condicionado",
        _m("120000.00"),
        APROVADO,
        formacao=(Formacao("aprovadas", 4, _m("120000.00"), _d("2025-02-17"), _d("2025-06-17")),),
        pncp=Publicacao(4, _m("118500.00"), _d("2025-02-17"), _d("2025-06-17"), classe=10),
    ),
    Entrada(
        6,
        "Aquisição de licenças de software de escritório",
        _m("90000.00"),
        "Consolidado",
        "COORDENAÇÃO DE TECNOLOGIA DA INFORMAÇÃO",
        formacao=(Formacao("aprovadas", 5, _m("90000.00"), _d("2025-03-01"), _d("2025-06-29")),),
        pncp=Publicacao(5, _m("90000.00"), _d("2025-04-01"), _d("2025-07-30"), classe=9),
    ),
    Entrada(7, "Aquisição de gêneros alimentícios para copa", None, "Aguardando Análise"),
    Entrada(
        8,
        "Reforma da cobertura do bloco administrativo",
        _m("600000.00"),
        APROVADO,
        "DIVISÃO DE ADMINISTRAÇÃO PREDIAL",
        formacao=(Formacao("aprovadas", 6, _m("600000.00"), _d("2025-06-02"), _d("2025-11-29")),),
    ),
    Entrada(
        9,
        "Serviço de vigilância patrimonial armada e desarmada",
        _m("900000.00"),
        "Cancelado",
        formacao=(Formacao("aprovadas", 7, _m("900000.00"), _d("2025-01-20"), _d("2025-05-20")),),
        pncp=Publicacao(7, _m("900000.00"), _d("2025-01-20"), _d("2025-05-20"), classe=8),
    ),
    Entrada(
        10,
        "Fornecimento de água mineral em garrafões de 20 litros",
        _m("12000.00"),
        "Devolvido",
        formacao=(Formacao("pendentes", 8, _m("12000.00"), _d("2025-03-03"), _d("2025-04-02")),),
    ),
    Entrada(
        11,
        "Aquisição de mobiliário: cadeiras giratórias e mesas",
        _m("75000.00"),
        APROVADO,
        formacao=(
            Formacao("aprovadas", 9, _m("40000.00"), _d("2025-04-14"), _d("2025-07-13")),
            Formacao("pendentes", 10, _m("35000.00"), _d("2025-04-14"), _d("2025-07-13")),
        ),
        pncp=Publicacao(9, _m("40000.00"), _d("2025-04-14"), _d("2025-07-13"), classe=6),
    ),
    Entrada(
        12,
        "Contratação de link de internet dedicado 1 Gbps",
        _m("48000.00"),
        "Rascunho",
        "COORDENAÇÃO DE TECNOLOGIA DA INFORMAÇÃO",
    ),
    Entrada(
        13,
        "Treinamento em gestão de contratos — turma fechada",
        _m("18000.00"),
        "Aguardando Aprovação",
        "SERVIÇO DE GESTÃO DE PESSOAS",
        formacao=(Formacao("reprovadas", 11, _m("18000.00"), _d("2025-09-01"), _d("2025-09-30")),),
    ),
    Entrada(
        40,
        "Locação de veículos com motorista",
        None,
        "",
        pgc=False,
        pncp=Publicacao(12, _m("210000.00"), _d("2025-02-10"), _d("2025-06-10"), classe=12),
    ),
    Entrada(
        0,
        "Aquisição de material de limpeza",
        None,
        "",
        pgc=False,
        pncp=Publicacao(13, _m("27500.50"), None, None, com_dfd=False, classe=3),
    ),
)


def _versao_2() -> tuple[Entrada, ...]:
    """A week later: 14/2025 added, 12/2025 removed, 3/2025 worth more and consolidated (in all
    three sources), 10/2025 back in analysis in PGC and approved in the Formação."""
    out = []
    for e in VERSAO_1:
        if e.numero == 12:
            continue
        if e.numero == 3:
            f = e.formacao[0]
            e = replace(
                e,
                valor=_m("38500.00"),
                situacao="Consolidado",
                formacao=(replace(f, valor=_m("38500.00")),),
                pncp=replace(e.pncp, valor=_m("38500.00")),
            )
        elif e.numero == 10:
            e = replace(e, situacao="Aguardando Análise", formacao=(replace(e.formacao[0], aba="aprovadas"),))
        out.append(e)
    out.insert(
        4,
        Entrada(
            14,
            "Aquisição de EPIs (luvas, máscaras, óculos de proteção)",
            _m("22000.00"),
            "Rascunho",
            "SERVIÇO DE SAÚDE OCUPACIONAL",
        ),
    )
    return tuple(out)


def entradas(versao: int) -> tuple[Entrada, ...]:
    if versao == 1:
        return VERSAO_1
    if versao == 2:
        return _versao_2()
    raise ValueError(f"versao must be one of {VERSOES}")


def at(day: date | None) -> datetime | None:
    return datetime.combine(day, time(0, 0)) if day else None
