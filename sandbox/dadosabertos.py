"""Dados Abertos replica: `GET /modulo-pgc/1_consultarPgcDetalhe`, one row per DFD item (pgc.md §5).

Rows exist only for items whose DFD was published; about 5% of PNCP items have none, and some
DFD items never reached PNCP (numeroItemPncp null).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from aiohttp import web

from sandbox import paging
from sandbox.dataset import ItemView, Plano, iso, mix64, number
from sandbox.hostile import broken_da_row, page_asked
from sandbox.responses import BRT, ParamError, bad_request, int_param, json_response, str_param
from sandbox.state import get_state

MAX_TAMANHO = 500
DEFAULT_TAMANHO = 10
OBS = "Os valores disponiveis estão sujeitos a alterações"


def _consulta_stamp() -> str:
    now = datetime.now(BRT).replace(tzinfo=None)
    return now.isoformat(timespec="microseconds") + "123"  # the API prints nanoseconds


def catalogo_fields(classe: tuple, artigo: tuple, artigo_codigo: str) -> dict:
    material = classe[0] == 1
    pdm = artigo[3]
    return {
        "tipoItem": "M" if material else "S",
        "itemSustentavel": False,
        "codigoGrupoNaterial": int(classe[3][:2]) if material else None,  # sic, as the API spells it
        "nomeGrupoMaterial": classe[4] if material else None,
        "codigoClasseMaterial": int(classe[3]) if material else None,
        "nomeClasseMaterial": classe[4] if material else None,
        "codigoPdmMaterial": int(pdm[0]) if material and pdm else None,
        "nomePdmMaterial": pdm[1] if material and pdm else None,
        "codigoSecaoServico": None if material else 8,
        "nomeSecaoServico": None if material else "SERVIÇOS DE SUPORTE",
        "codigoDivisaoServico": None if material else int(classe[3][:2]),
        "nomeDivisaoServico": None if material else classe[4],
        "codigoGrupoServico": None if material else int(classe[3]),
        "nomeGrupoServico": None if material else classe[4],
        "codigoClasseServico": None if material else int(classe[3]) * 10 + 1,
        "nomeClasseServico": None if material else classe[4],
        "codigoSubclasseServico": None,
        "nomeSubclasseServico": None,
        "codigoItemCatalogo": artigo_codigo,
        "descricaoItemCatalogo": artigo[0],
        "siglaUnidadeFornecimento": None,
        "nomeUnidadeFornecimento": None,
    }


def row(plano: Plano, dfd_index: int, item: int) -> dict:
    """One `1_consultarPgcDetalhe` row; item < 0 is the (-item-1)th unpublished row of the DFD."""
    est = plano.estrutura
    dfd = est.dfds[dfd_index]
    grupo = est.grupos[dfd.grupo]
    if item >= 0:
        view = ItemView(plano, item)
        classe, artigo, codigo = view.classe, view.artigo, view.artigo_codigo
        quantidade, unitario, total = est.quantidade_of[item], est.unitario_of[item], est.total_of[item]
        numero_pncp = est.numero_of[item]
        atualizacao_item = view.data_atualizacao
    else:
        # A DFD item never published to PNCP: plausible values, no numeroItemPncp.
        h = mix64(plano.seed ^ (dfd_index << 20) ^ (-item))
        any_item = max(dfd.primeiro_item, 0)
        view = ItemView(plano, any_item)
        classe, artigo, codigo = view.classe, view.artigo, view.artigo_codigo
        quantidade = (h % 50 + 1) * 10_000
        unitario = est.unitario_of[any_item]
        total = quantidade * unitario // 10_000
        numero_pncp = None
        atualizacao_item = dfd.atualizacao
    publicacao = plano.data_publicacao
    return detalhe_row(
        uasg=plano.codigo_unidade,
        nome_uasg=plano.nome_unidade,
        orgao=plano.orgao.cnpj,
        dfd_numero=dfd.numero,
        dfd_ano=dfd.ano,
        dfd_texto=dfd.texto,
        objeto=dfd.descricao_objeto,
        prioridade=dfd.prioridade,
        data_prevista=iso(dfd.data_prevista),
        area=dfd.codigo_area,
        catalogo=catalogo_fields(classe, artigo, codigo),
        quantidade=number(quantidade),
        unitario=number(unitario),
        total=number(total),
        titulo=grupo.nome.rstrip(".").title() if grupo.codigo else None,
        ano_pca=plano.ano,
        inicio=iso(grupo.data_inicio),
        fim=iso(grupo.data_fim),
        duracao=grupo.duracao,
        numero_item_pncp=numero_pncp,
        publicacao=publicacao.isoformat(timespec="microseconds"),
        atualizacao_artefato=iso(dfd.atualizacao),
        atualizacao_projeto=iso(dfd.atualizacao + timedelta(days=3)),
        atualizacao_dfd=iso(publicacao),
        atualizacao_item=atualizacao_item.isoformat(timespec="microseconds"),
    )


def detalhe_row(
    *,
    uasg: str,
    nome_uasg: str,
    orgao: str,
    dfd_numero: int,
    dfd_ano: int,
    dfd_texto: str,
    objeto: str | None,
    prioridade: int | None,
    data_prevista: str | None,
    area: str | None,
    catalogo: dict,
    quantidade: float,
    unitario: float,
    total: float,
    titulo: str | None,
    ano_pca: int,
    inicio: str | None,
    fim: str | None,
    duracao: int | None,
    numero_item_pncp: int | None,
    publicacao: str,
    atualizacao_artefato: str | None,
    atualizacao_projeto: str | None,
    atualizacao_dfd: str | None,
    atualizacao_item: str | None,
) -> dict:
    """A `1_consultarPgcDetalhe` row from its values (pgc.md §5.3): the one place its field names
    live, shared by this replica and the national one (sandbox/national_dadosabertos.py)."""
    return {
        "codigoUasg": uasg,
        "nomeUasg": nome_uasg,
        "orgao": orgao,
        "numeroArtefato": dfd_numero,
        "anoArtefato": dfd_ano,
        "codigoEstadoArtefato": 9,
        "codigoCategoriaArtefato": 3,
        "descricaoArtefato": dfd_texto,
        "codigoTipoArtefato": 5,
        "ordemDfd": None,
        "descricaoObjetoDfd": objeto,
        "nivelPrioridadeDfd": prioridade,
        "dataPrevistaFormalizacaoDemanda": data_prevista,
        "codigoAreaDfd": area,
        **catalogo,
        "quantidadeItem": quantidade,
        "valorUnitarioItem": unitario,
        "valorTotalItem": total,
        "tituloProjetoCompra": titulo,
        "descricaoProjetoCompra": None,
        "anoPcaProjetoCompra": ano_pca,
        "dataInicioProcessoCompra": inicio,
        "dataFimProcessoCompra": fim,
        "duracaoProcessoCompra": duracao,
        "numeroItemPncp": numero_item_pncp,
        "statusContratacaoExecucao": None,
        "dataHoraPublicacaoPncp": publicacao,
        "dataHoraAtualizacaoArtefato": atualizacao_artefato,
        "dataHoraAtualizacaoProjetoCompra": atualizacao_projeto,
        "dataHoraAtualizacaoDfd": atualizacao_dfd,
        "dataHoraAtualizacaoItem": atualizacao_item,
    }


def detalhe_query(request: web.Request) -> tuple[str, int, str | None, int, int]:
    """(orgao, anoPcaProjetoCompra, codigoUasg, pagina, tamanhoPagina) as the module reads them;
    ParamError for what it rejects."""
    orgao = str_param(request, "orgao", required=True)
    ano = int_param(request, "anoPcaProjetoCompra", required=True)
    codigo_uasg = request.query.get("codigoUasg") or None
    pagina = int_param(request, "pagina", required=False, default=1, minimum=1)
    tamanho = int_param(request, "tamanhoPagina", required=False, default=DEFAULT_TAMANHO, minimum=1)
    if tamanho > MAX_TAMANHO:
        raise ParamError(bad_request(request, f"tamanhoPagina: Limite máx. de {MAX_TAMANHO}"))
    assert orgao is not None and ano is not None and pagina is not None and tamanho is not None
    return orgao, ano, codigo_uasg, pagina, tamanho


def detalhe_envelope(resultado: list[dict], total_registros: int, total_paginas: int, pagina: int) -> web.Response:
    """The module's envelope (pgc.md §5.2)."""
    return json_response(
        {
            "resultado": resultado,
            "totalRegistros": total_registros,
            "totalPaginas": total_paginas,
            "paginasRestantes": max(total_paginas - pagina, 0),
            "dataHoraConsulta": _consulta_stamp(),
            "timeZoneAtual": "GMT-03:00",
            "obs": OBS,
        }
    )


async def consultar_pgc_detalhe(request: web.Request) -> web.Response:
    state = get_state(request.app)
    orgao, ano, codigo_uasg, pagina, tamanho = detalhe_query(request)
    rows = state.dataset.da_rows(orgao, ano, codigo_uasg)
    faults = state.faults
    positions = paging.page_indices(len(rows), page_asked(pagina, faults, state.stats), tamanho)
    total_paginas = faults["declared_total_paginas"] or paging.page_count(len(rows), tamanho)
    resultado = [row(*rows[p]) for p in positions]
    if faults["dadosabertos_bad_rows"]:
        published = [r for r in resultado if r["numeroItemPncp"] is not None and r["dataInicioProcessoCompra"]]
        if published:
            broken_da_row(published[0], faults["dadosabertos_bad_rows"], state.stats)
    return detalhe_envelope(resultado, len(rows), total_paginas, pagina)


def setup(app: web.Application) -> None:
    app.router.add_get("/modulo-pgc/1_consultarPgcDetalhe", consultar_pgc_detalhe)
