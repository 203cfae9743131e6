"""PT-BR vocabulary the generator draws from: órgãos, units, CATMAT classes, CATSER groups.

Kept apart from the generator so the data model reads as logic, not as word lists.
"""

from __future__ import annotations

# categoriaItemPca domain (pncp.md §2.3).
CATEGORIAS: dict[int, str] = {
    1: "Material",
    2: "Serviço",
    3: "Obras",
    4: "Serviços de Engenharia",
    5: "Soluções de TIC",
    6: "Locação de Imóveis",
    7: "Alienação/Concessão/Permissão",
    8: "Obras e Serviços de Engenharia",
}

CLASSIFICACAO_CATALOGO: dict[int, str] = {1: "Material", 2: "Serviço"}
NOME_CATALOGO = "Catálogo do Compras.gov.br"

# (classificacaoCatalogoId, categoriaItemPcaid, alternative categoria, class/group code, class/group name,
#  items: (descricao, unidadeFornecimento, unit-price range in reais, pdm (code, name) or None))
CLASSES: tuple[tuple, ...] = (
    (
        1,
        1,
        1,
        "7510",
        "MATERIAL DE EXPEDIENTE",
        (
            ("PAPEL A4, GRAMATURA 75 G/M2, COR BRANCA", "RESMA", (18, 35), ("8235", "PAPEL A4")),
            ("CANETA ESFEROGRÁFICA, TINTA AZUL, PONTA MÉDIA", "UN", (0.5, 3), ("6070", "CANETA ESFEROGRÁFICA")),
            ("GRAMPEADOR DE MESA, CAPACIDADE 25 FOLHAS", "UN", (15, 60), None),
            ("PASTA SUSPENSA, MATERIAL KRAFT", "UN", (1, 4), None),
            ("CLIPE METÁLICO Nº 2/0, CAIXA COM 100 UNIDADES", "CX", (2, 6), None),
        ),
    ),
    (
        1,
        1,
        5,
        "7010",
        "COMPUTADORES",
        (
            (
                "MICROCOMPUTADOR, MEMÓRIA RAM SUPERIOR A 8 GB, ARMAZENAMENTO SSD 256 GB",
                "UN",
                (4500, 8000),
                ("6661", "MICROCOMPUTADOR"),
            ),
            ("NOTEBOOK, TELA 14 POL, MEMÓRIA RAM 16 GB", "UN", (5000, 9500), ("16143", "NOTEBOOK")),
            ("MONITOR LED 24 POL, RESOLUÇÃO FULL HD", "UN", (700, 1500), None),
        ),
    ),
    (
        1,
        1,
        1,
        "8910",
        "ALIMENTOS PERECÍVEIS E NÃO PERECÍVEIS",
        (
            ("CAFÉ TORRADO E MOÍDO, EMBALAGEM 500 G", "PCT", (12, 30), ("8947", "CAFÉ")),
            ("AÇÚCAR CRISTAL, PACOTE 5 KG", "PCT", (15, 28), None),
            ("LEITE EM PÓ INTEGRAL, LATA 400 G", "LATA   ", (9.9, 19.9), None),
            ("ÁGUA MINERAL SEM GÁS, GARRAFÃO 20 L", "GALÃO", (8, 18), None),
        ),
    ),
    (
        1,
        1,
        1,
        "7930",
        "MATERIAL DE LIMPEZA E PRODUTOS DE HIGIENIZAÇÃO",
        (
            ("DETERGENTE LÍQUIDO NEUTRO, FRASCO 500 ML", "FRASCO", (1.5, 4), None),
            ("ÁLCOOL ETÍLICO 70%, FRASCO 1 L", "FRASCO", (5, 12), ("5410", "ÁLCOOL ETÍLICO")),
            ("PAPEL HIGIÊNICO, FOLHA DUPLA, ROLO 30 M", "FD", (10, 30), None),
            ("SACO PARA LIXO, CAPACIDADE 100 L, PACOTE COM 100", "PCT", (20, 55), None),
        ),
    ),
    (
        1,
        1,
        1,
        "7830",
        "EQUIPAMENTO PARA GINÁSTICA E RECREAÇÃO",
        (
            (
                "APARELHO DE MUSCULAÇÃO, LEG PRESS 45 GRAUS",
                "UN",
                (9000, 15000),
                ("2640", "APARELHO / EQUIPAMENTO PARA CONDICIONAMENTO FÍSICO"),
            ),
            (
                "ESTEIRA ERGOMÉTRICA PROFISSIONAL",
                "UN",
                (12300, 25000),
                ("2640", "APARELHO / EQUIPAMENTO PARA CONDICIONAMENTO FÍSICO"),
            ),
            ("ANILHA DE FERRO FUNDIDO, 10 KG", "UN", (90, 180), None),
        ),
    ),
    (
        1,
        1,
        1,
        "6505",
        "DROGAS E MEDICAMENTOS",
        (
            ("DIPIRONA SÓDICA 500 MG, COMPRIMIDO", "COMPRIMIDO", (0.0833, 0.3333), ("9002", "DIPIRONA")),
            ("PARACETAMOL 750 MG, COMPRIMIDO", "COMPRIMIDO", (0.1, 0.45), None),
            ("SORO FISIOLÓGICO 0,9%, BOLSA 500 ML", "BOLSA", (3.2, 7.5), None),
        ),
    ),
    (
        1,
        1,
        1,
        "5120",
        "FERRAMENTAS MANUAIS",
        (
            ("ALICATE UNIVERSAL 8 POL, CABO ISOLADO", "UN", (25, 70), None),
            ("JOGO DE CHAVES DE FENDA, 6 PEÇAS", "JG", (30, 90), None),
        ),
    ),
    (
        2,
        2,
        4,
        "831",
        "SERVIÇOS DE LIMPEZA E CONSERVAÇÃO",
        (
            ("SERVIÇO DE LIMPEZA E CONSERVAÇÃO PREDIAL, COM FORNECIMENTO DE MATERIAL", "MÊS", (35000, 120000), None),
            ("SERVIÇO DE JARDINAGEM E PAISAGISMO", "MÊS", (4000, 15000), None),
        ),
    ),
    (
        2,
        2,
        2,
        "854",
        "SERVIÇOS DE VIGILÂNCIA E SEGURANÇA",
        (
            ("SERVIÇO DE VIGILÂNCIA ARMADA, POSTO 12 X 36 H DIURNO", "POSTO", (9500, 16000), None),
            ("SERVIÇO DE MONITORAMENTO ELETRÔNICO DE ALARMES", "MÊS", (1350.5, 4800), None),
        ),
    ),
    (
        2,
        5,
        5,
        "151",
        "SERVIÇOS DE TECNOLOGIA DA INFORMAÇÃO",
        (
            ("SUBSCRIÇÃO DE LICENÇA DE SOFTWARE DE ESCRITÓRIO EM NUVEM", "LICENÇA", (300, 900), None),
            ("SERVIÇO DE SUPORTE TÉCNICO EM INFORMÁTICA, POR CHAMADO", "UST", (85.75, 230), None),
            ("SERVIÇO DE HOSPEDAGEM EM NUVEM, POR HORA DE INSTÂNCIA", "HORA", (0.3333, 2.5), None),
        ),
    ),
    (
        2,
        4,
        8,
        "542",
        "SERVIÇOS DE ENGENHARIA E MANUTENÇÃO PREDIAL",
        (
            ("SERVIÇO DE MANUTENÇÃO PREVENTIVA E CORRETIVA DE AR CONDICIONADO", "MÊS", (6000, 22000), None),
            ("REFORMA DE COBERTURA E IMPERMEABILIZAÇÃO DE LAJE", "M2", (180, 420), None),
        ),
    ),
    (
        2,
        3,
        8,
        "545",
        "OBRAS DE CONSTRUÇÃO CIVIL",
        (("CONSTRUÇÃO DE GALPÃO EM ESTRUTURA METÁLICA", "M2", (1800, 3200), None),),
    ),
    (
        2,
        6,
        6,
        "720",
        "LOCAÇÃO DE IMÓVEIS",
        (("LOCAÇÃO DE IMÓVEL PARA FUNCIONAMENTO DE UNIDADE ADMINISTRATIVA", "MÊS", (18000, 60000), None),),
    ),
)

# Opening words of a contratação name, per classificacaoCatalogoId (1 material, 2 serviço).
GRUPO_VERBOS: dict[int, tuple[str, ...]] = {
    1: ("AQUISIÇÃO DE", "REGISTRO DE PREÇOS PARA AQUISIÇÃO DE", "FORNECIMENTO DE"),
    2: ("CONTRATAÇÃO DE", "PRESTAÇÃO DE", "CONTRATAÇÃO EMERGENCIAL DE"),
}

REQUISITANTES = (
    "SEÇÃO DE MATERIAL",
    "DIVISÃO DE ADMINISTRAÇÃO",
    "SEÇÃO DE SAÚDE",
    "SETOR DE TECNOLOGIA DA INFORMAÇÃO",
    "DIVISÃO DE INFRAESTRUTURA",
)

# (cnpj, razaoSocial, units (codigoUnidade, nomeUnidade, sigla)); the first is the main/demo órgão.
ORGAOS: tuple[tuple, ...] = (
    (
        "00394452000103",
        "COMANDO DA AERONAUTICA",
        (
            ("120645", "GRUPAMENTO DE APOIO DO GALEÃO", "GAP-GL"),
            ("120071", "GRUPAMENTO DE APOIO DE BRASÍLIA", "GAP-BR"),
            ("120632", "BASE AÉREA DE ANÁPOLIS", "BAAN"),
            ("120015", "HOSPITAL DE FORÇA AÉREA DO GALEÃO", "HFAG"),
        ),
    ),
    (
        "00394544000185",
        "MINISTERIO DA SAUDE",
        (
            ("250110", "COORDENAÇÃO-GERAL DE MATERIAL E PATRIMÔNIO", "CGMAP"),
            ("250005", "FUNDAÇÃO OSWALDO CRUZ - DIRETORIA REGIONAL", "FIOCRUZ"),
        ),
    ),
    (
        "00394411000109",
        "MINISTERIO DA FAZENDA",
        (
            ("170013", "SUPERINTENDÊNCIA DE ADMINISTRAÇÃO NO DISTRITO FEDERAL", "SAMF-DF"),
            ("170074", "SUPERINTENDÊNCIA DE ADMINISTRAÇÃO NO RIO DE JANEIRO", "SAMF-RJ"),
        ),
    ),
)
