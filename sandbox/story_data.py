"""The story's entries (sandbox/story.py) rendered as each replica's own data: PGC DFDs and
Formação cards (sandbox/pgc/data.py classes), and one PNCP plan whose items and Dados Abertos
rows carry the DFD numbers (sandbox/dataset.py structures, built by hand instead of generated)."""

from __future__ import annotations

from array import array
from datetime import datetime

from sandbox import catalog
from sandbox.dataset import SCALE, Dataset, Estrutura, Grupo, Plano
from sandbox.dataset import Dfd as DaDfd
from sandbox.pgc.data import Contratacao, br_date, format_brl
from sandbox.pgc.data import Dfd as PgcDfd
from sandbox.story import STORY_ANO, STORY_CNPJ, STORY_NOME_UASG, STORY_UASG, Entrada, at

BADGES = {
    "aprovadas": ("APROVADA", "Aprovada"),
    "pendentes": ("PENDENTE", "Aguardando aprovação"),
    "reprovadas": ("REPROVADA", "Reprovada"),
}


def contratacao_id(numero: int) -> str:
    return f"{STORY_UASG}-{numero}/{STORY_ANO}"


def pgc_dfds(entradas: tuple[Entrada, ...]) -> list[PgcDfd]:
    """PGC's "DFDs da minha UASG", newest first, as the generated list is."""
    rows = [e for e in entradas if e.pgc]
    rows.sort(key=lambda e: e.numero, reverse=True)
    return [
        PgcDfd(
            posicao=i,
            dfd=e.dfd,
            numero=e.numero,
            ano_dfd=STORY_ANO,
            pca=STORY_ANO,
            identificador=f"{STORY_UASG}{e.numero:06d}{STORY_ANO}",
            requisitante=e.requisitante,
            descricao=e.descricao,
            valor=format_brl(e.valor),
            situacao=e.situacao,
            data_conclusao=br_date(None),
            editor="SERVIDOR SANDBOX UM",
            prioridade="Médio",
            meu=i % 3 == 0,
            justificativa=f"Necessidade de {e.descricao.lower()}.",
            responsaveis=[],
        )
        for i, e in enumerate(rows)
    ]


def pgc_contratacoes(entradas: tuple[Entrada, ...]) -> dict[str, list[Contratacao]]:
    """Formação do PCA cards: the description starts with the DFD, as agencies write it."""
    abas: dict[str, list[Contratacao]] = {"reprovadas": [], "aprovadas": [], "pendentes": []}
    cards = sorted(((f, e) for e in entradas for f in e.formacao), key=lambda fe: fe[0].numero)
    for f, e in cards:
        status, badge = BADGES[f.aba]
        categoria = catalog.CATEGORIAS[catalog.CLASSES[e.pncp.classe if e.pncp else 0][1]]
        abas[f.aba].append(
            Contratacao(
                aba=f.aba,
                posicao=len(abas[f.aba]),
                contratacao=contratacao_id(f.numero),
                descricao=f"{e.dfd} - {e.descricao}",
                categoria=categoria,
                requisitante=e.requisitante,
                valor=format_brl(f.valor),
                inicio=br_date(f.inicio),
                fim=br_date(f.fim),
                status=status,
                badge=badge,
                dfd=e.dfd,
            )
        )
    return abas


def pncp_plano(dataset: Dataset, entradas: tuple[Entrada, ...]) -> Plano:
    """One published plan of UASG STORY_UASG: one group (contratação futura) per publication,
    one item per publication, the DFD on the item's Dados Abertos row unless `com_dfd` is False."""
    published = sorted((e for e in entradas if e.pncp), key=lambda e: e.pncp.numero)
    grupos = [Grupo(None, None, 0, "", datetime(STORY_ANO, 6, 30).date(), None, None)]
    dfds: list[DaDfd] = []
    dfd_of = array("i")
    for i, e in enumerate(published):
        p = e.pncp
        grupos.append(
            Grupo(
                contratacao_id(p.numero),
                f"{e.descricao.upper()}.",
                p.classe,
                e.requisitante,
                (p.inicio or datetime(STORY_ANO, 3, 1).date()),
                at(p.inicio),
                at(p.fim),
            )
        )
        if p.com_dfd:
            dfds.append(
                DaDfd(
                    e.numero,
                    STORY_ANO,
                    len(grupos) - 1,
                    e.descricao,
                    1,
                    datetime(STORY_ANO, 1, 15),
                    "21001",
                    datetime(STORY_ANO, 1, 10, 9),
                    0,
                    primeiro_item=i,
                )
            )
            dfd_of.append(len(dfds) - 1)
        else:
            dfd_of.append(-1)
    n = len(published)
    classes = bytes(e.pncp.classe for e in published)
    totals = array("q", (int(e.pncp.valor * SCALE) for e in published))
    estrutura = Estrutura(
        grupos=grupos,
        dfds=dfds,
        grupo_of=array("I", range(1, n + 1)),
        classe_of=classes,
        artigo_of=bytes(n),
        categoria_of=bytes(catalog.CLASSES[c][1] for c in classes),
        dfd_of=dfd_of,
        numero_of=array("I", range(1, n + 1)),
        quantidade_of=array("q", [SCALE] * n),
        unitario_of=array("q", totals),
        total_of=totals,
    )
    orgao = dataset.orgaos[STORY_CNPJ]
    publicado = datetime(STORY_ANO, 1, 20, 10, 0, 0)
    return Plano(
        orgao,
        STORY_ANO,
        STORY_UASG,
        STORY_NOME_UASG,
        "CGRL",
        1,
        n,
        20251,
        publicado,
        datetime(STORY_ANO, 2, 3, 16, 30, 0),
        _estrutura=estrutura,
    )


def apply_pncp(dataset: Dataset, entradas: tuple[Entrada, ...]) -> None:
    dataset.planos[(STORY_CNPJ, STORY_ANO)] = [pncp_plano(dataset, entradas)]
    dataset._da_rows.clear()  # noqa: SLF001  (caches of the replaced plan)
    dataset._classe_cache.clear()  # noqa: SLF001


def apply_pgc(pgc_dataset, entradas: tuple[Entrada, ...]) -> None:
    dfds = pgc_dfds(entradas)
    pgc_dataset.dfds[STORY_ANO] = dfds
    pgc_dataset.contratacoes[STORY_ANO] = pgc_contratacoes(entradas)
    pgc_dataset.dfd_counts[STORY_ANO] = len(dfds)
    pgc_dataset.ctr_counts[STORY_ANO] = sum(len(e.formacao) for e in entradas)
    pgc_dataset.by_identificador = {d.identificador: d for rows in pgc_dataset.dfds.values() for d in rows}
