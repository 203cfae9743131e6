"""Columns of each report and sheet: (header in pt-BR, result key, kind for the spreadsheet)."""

from __future__ import annotations

from procurement_spiders.reports.xlsx import Col

GERAL = [
    Col("DFD / chave", "chave", "short"),
    Col("DFD", "dfd", "short"),
    Col("PGC: situação", "pgc_situacao"),
    Col("PGC: valor", "pgc_valor", "money"),
    Col("PGC: descrição", "pgc_descricao", "long"),
    Col("Formação: contratação", "formacao_contratacao"),
    Col("Formação: status", "formacao_status", "short"),
    Col("Formação: início", "formacao_inicio", "date"),
    Col("Formação: fim", "formacao_fim", "date"),
    Col("Formação: valor", "formacao_valor", "money"),
    Col("PNCP: contratação futura", "pncp_contratacao"),
    Col("PNCP: valor", "pncp_valor", "money"),
    Col("PNCP: início", "pncp_inicio", "date"),
    Col("PNCP: fim", "pncp_fim", "date"),
    Col("PNCP: data desejada", "pncp_data_desejada", "date"),
    Col("Valor de referência", "valor_referencia", "money"),
    Col("Achados", "achados_texto", "long"),
    Col("Códigos", "achados", "text"),
]
RESUMO = [
    Col("Código", "codigo"),
    Col("Achado", "achado", "long"),
    Col("Quantidade", "quantidade", "int"),
    Col("Valor", "valor", "money"),
]
MUDANCAS = [
    Col("Fonte", "fonte", "short"),
    Col("Tipo", "tipo", "short"),
    Col("Chave", "chave"),
    Col("DFD", "dfd", "short"),
    Col("Contratação", "contratacao"),
    Col("Descrição", "descricao", "long"),
    Col("Valor", "valor", "money"),
    Col("Campo", "campo", "short"),
    Col("Antes", "antes"),
    Col("Depois", "depois"),
]
DEMANDAS = {
    "PGC": [
        Col("DFD", "dfd", "short"),
        Col("Descrição", "descricao", "long"),
        Col("Requisitante", "requisitante"),
        Col("Situação", "status"),
        Col("Valor", "valor", "money"),
        Col("Conclusão", "data_conclusao", "date"),
        Col("UASG", "uasg", "short"),
    ],
    "FORMACAO": [
        Col("Contratação", "contratacao"),
        Col("DFD", "dfd", "short"),
        Col("Descrição", "descricao", "long"),
        Col("Categoria", "categoria"),
        Col("Requisitante", "requisitante"),
        Col("Status", "status", "short"),
        Col("Valor", "valor", "money"),
        Col("Início", "data_inicio", "date"),
        Col("Fim", "data_fim", "date"),
    ],
    "PNCP": [
        Col("UASG", "uasg", "short"),
        Col("Contratação futura", "contratacao"),
        Col("DFD", "dfd", "short"),
        Col("Descrição", "descricao", "long"),
        Col("Categoria", "categoria"),
        Col("Valor", "valor", "money"),
        Col("Data desejada", "data_desejada", "date"),
        Col("Início", "data_inicio", "date"),
        Col("Fim", "data_fim", "date"),
        Col("Situação", "status", "short"),
    ],
}
COLETAS = [
    Col("Planilha", "planilha", "short"),
    Col("Coleta", "id", "int"),
    Col("Fonte", "fonte", "short"),
    Col("Spider", "spider", "short"),
    Col("PCA", "ano", "int"),
    Col("Órgão", "orgao_cnpj", "short"),
    Col("Início", "data_coleta", "datetime"),
    Col("Fim", "finished_at", "datetime"),
    Col("Status", "status", "short"),
    Col("Demandas", "demandas", "int"),
]
