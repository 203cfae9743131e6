"""The demandas the storage benchmark writes: the shape the `pncp` spider yields (before
validation), shared by bench/storage.py and its crawl subprocess (bench/_storage_crawl.py)."""

from __future__ import annotations

from decimal import Decimal

from procurement_spiders.items import Demanda


def make_demanda(i: int) -> Demanda:
    """The shape the pncp spider yields (before validation)."""
    return Demanda(
        fonte="PNCP",
        chave=f"120645/{i // 50 + 1}|120645-{i}/2025|{i % 900 + 1}/2024",
        ano_referencia=2025,
        orgao_cnpj="00394452000103",
        uasg="120645",
        dfd=f"{i % 900 + 1}/2024",
        contratacao=f"120645-{i}/2025",
        descricao=f"AQUISIÇÃO DE MATERIAL DE EXPEDIENTE PARA O GAP-GL, LOTE {i}",
        categoria="Material",
        valor=Decimal(i % 100000) + Decimal("0.3333") * 3,
        data_desejada="2025-11-10",
        data_inicio="2025-02-10",
        data_fim="2025-08-09",
        status="PUBLICADO",
        detalhes={
            "sequencialPca": i // 50 + 1,
            "numeroControlePNCP": f"00394452000103-0-{i // 50 + 1:06d}/2025",
            "itens": [
                {
                    "numeroItem": i,
                    "descricao": "CANETA ESFEROGRÁFICA AZUL",
                    "quantidade": Decimal("3"),
                    "valorUnitario": Decimal("12300.0"),
                    "valorTotal": Decimal("36900.0"),
                    "unidadeFornecimento": "UN",
                    "dataDesejada": "2025-11-10",
                }
            ],
        },
    )
