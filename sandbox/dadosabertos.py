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


def _catalogo_fields(classe: tuple, artigo: tuple, artigo_codigo: str) -> dict:
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
    return {
        "codigoUasg": plano.codigo_unidade,
        "nomeUasg": plano.nome_unidade,
        "orgao": plano.orgao.cnpj,
        "numeroArtefato": dfd.numero,
        "anoArtefato": dfd.ano,
        "codigoEstadoArtefato": 9,
        "codigoCategoriaArtefato": 3,
        "descricaoArtefato": dfd.texto,
        "codigoTipoArtefato": 5,
        "ordemDfd": None,
        "descricaoObjetoDfd": dfd.descricao_objeto,
        "nivelPrioridadeDfd": dfd.prioridade,
        "dataPrevistaFormalizacaoDemanda": iso(dfd.data_prevista),
        "codigoAreaDfd": dfd.codigo_area,
        **_catalogo_fields(classe, artigo, codigo),
        "quantidadeItem": number(quantidade),
        "valorUnitarioItem": number(unitario),
        "valorTotalItem": number(total),
        "tituloProjetoCompra": grupo.nome.rstrip(".").title() if grupo.codigo else None,
        "descricaoProjetoCompra": None,
        "anoPcaProjetoCompra": plano.ano,
        "dataInicioProcessoCompra": iso(grupo.data_inicio),
        "dataFimProcessoCompra": iso(grupo.data_fim),
        "duracaoProcessoCompra": grupo.duracao,
        "numeroItemPncp": numero_pncp,
        "statusContratacaoExecucao": None,
        "dataHoraPublicacaoPncp": publicacao.isoformat(timespec="microseconds"),
        "dataHoraAtualizacaoArtefato": iso(dfd.atualizacao),
        "dataHoraAtualizacaoProjetoCompra": iso(dfd.atualizacao + timedelta(days=3)),
        "dataHoraAtualizacaoDfd": iso(publicacao),
        "dataHoraAtualizacaoItem": atualizacao_item.isoformat(timespec="microseconds"),
    }


async def consultar_pgc_detalhe(request: web.Request) -> web.Response:
    state = get_state(request.app)
    orgao = str_param(request, "orgao", required=True)
    ano = int_param(request, "anoPcaProjetoCompra", required=True)
    codigo_uasg = request.query.get("codigoUasg") or None
    pagina = int_param(request, "pagina", required=False, default=1, minimum=1)
    tamanho = int_param(request, "tamanhoPagina", required=False, default=DEFAULT_TAMANHO, minimum=1)
    if tamanho > MAX_TAMANHO:
        raise ParamError(bad_request(request, f"tamanhoPagina: Limite máx. de {MAX_TAMANHO}"))
    rows = state.dataset.da_rows(orgao, ano, codigo_uasg)
    faults = state.faults
    positions = paging.page_indices(len(rows), page_asked(pagina, faults, state.stats), tamanho)
    total_paginas = faults["declared_total_paginas"] or paging.page_count(len(rows), tamanho)
    resultado = [row(*rows[p]) for p in positions]
    if faults["dadosabertos_bad_rows"]:
        published = [r for r in resultado if r["numeroItemPncp"] is not None and r["dataInicioProcessoCompra"]]
        if published:
            broken_da_row(published[0], faults["dadosabertos_bad_rows"], state.stats)
    return json_response(
        {
            "resultado": resultado,
            "totalRegistros": len(rows),
            "totalPaginas": total_paginas,
            "paginasRestantes": max(total_paginas - pagina, 0),
            "dataHoraConsulta": _consulta_stamp(),
            "timeZoneAtual": "GMT-03:00",
            "obs": OBS,
        }
    )


def setup(app: web.Application) -> None:
    app.router.add_get("/modulo-pgc/1_consultarPgcDetalhe", consultar_pgc_detalhe)
