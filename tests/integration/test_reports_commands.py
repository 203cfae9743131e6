"""`scrapy geral`, `mudancas` and `planilha` on hand-made coletas in a real PostgreSQL: which
coletas count, a missing source, the tolerance, SQL echo, and wrong arguments (one line, exit 2,
nothing written)."""

from __future__ import annotations

import json
from decimal import Decimal

import psycopg
import pytest
from psycopg.types.json import Jsonb

from tests.support import MAIN_CNPJ, project_env, run_scrapy

OTHER_CNPJ = "00394544000185"


def coleta(conn, fonte, rows, *, status="success", ano=2025, cnpj=MAIN_CNPJ, fonte_dados="portal", uasgs=None):
    spider = {"PGC": "pgc", "PNCP": "pncp"}[fonte]
    cid = conn.execute(
        "INSERT INTO coletas (fonte, ano_referencia, spider, orgao_cnpj, dados)"
        " VALUES (%s, %s, %s, %s, %s) RETURNING id",
        (fonte, ano, spider, cnpj, Jsonb({"argumentos": {"fonte_dados": fonte_dados}})),
    ).fetchone()[0]
    for chave, dfd, contratacao, valor, situacao, inicio, fim in rows:
        conn.execute(
            "INSERT INTO demandas (coleta_id, chave, dfd, contratacao, valor, status, data_inicio, data_fim,"
            " orgao_cnpj, uasg) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (cid, chave, dfd, contratacao, valor, situacao, inicio, fim, cnpj, (uasgs or {}).get(chave)),
        )
    conn.execute("UPDATE coletas SET status = %s WHERE id = %s", (status, cid))
    conn.commit()
    return cid


@pytest.fixture
def stored(database_url):
    """PGC, Formação (legacy: `pncp -a fonte=pgc`) and PNCP coletas of PCA 2025, plus a newer PGC
    coleta that failed (it must not count)."""
    with psycopg.connect(database_url) as conn:
        ids = {
            "pgc": coleta(
                conn,
                "PGC",
                [
                    ("1/2025", "1/2025", None, "100.00", "Consolidado", None, None),
                    ("2/2025", "2/2025", None, "50.00", "Rascunho", None, None),
                ],
            ),
            "formacao": coleta(
                conn,
                "PNCP",
                [("U-1/2025", "1/2025", "U-1/2025", "100.00", "APROVADA", "2025-02-01", "2025-03-01")],
                fonte_dados="pgc",
            ),
            "pncp": coleta(
                conn,
                "PNCP",
                [("u/1|U-1/2025|1/2025", "1/2025", "U-1/2025", "100.02", "PUBLICADO", "2025-02-01", "2025-03-01")],
            ),
        }
        ids["pgc_falhou"] = coleta(
            conn, "PGC", [("9/2025", "9/2025", None, "1.00", "Rascunho", None, None)], status="error"
        )
    return ids


def scrapy(database_url, *args, **env):
    return run_scrapy(list(args), project_env(DATABASE_URL=database_url, ORGAO_CNPJ=MAIN_CNPJ, **env), timeout=120)


def geral_json(database_url, tmp_path, *args):
    out = tmp_path / "g.json"
    result = scrapy(database_url, "geral", "-a", "ano=2025", *args, "-o", str(out))
    assert result.returncode == 0, result.stderr
    return {row["chave"]: row for row in json.loads(out.read_text())}, result


def test_latest_successful_coleta_of_each_source_and_the_tolerance(stored, database_url, tmp_path):
    rows, result = geral_json(database_url, tmp_path)
    assert sorted(rows) == ["1/2025", "2/2025"]  # 9/2025 is only in the failed coleta
    assert f"PGC: coleta {stored['pgc']} " in result.stdout
    assert f"Formação do PCA: coleta {stored['formacao']} " in result.stdout
    assert rows["1/2025"]["achados"] == ["VALOR_DIVERGENTE"]  # R$ 0,02 apart: beyond the default tolerance (R$ 0,01)
    assert rows["2/2025"]["achados"] == ["SO_NO_PGC"]
    rows, result = geral_json(database_url, tmp_path, "-a", "tolerancia=0,02")
    assert rows["1/2025"]["achados"] == []
    assert "tolerância de valor R$ 0,02" in result.stdout


def test_a_source_without_coleta_is_missing_not_everything_only_in_pgc(stored, database_url, tmp_path):
    with psycopg.connect(database_url) as conn:
        conn.execute("DELETE FROM coletas WHERE spider = 'pncp'")
        conn.commit()
    rows, result = geral_json(database_url, tmp_path)
    assert "! PNCP: nenhuma coleta com sucesso do PCA 2025" in result.stdout
    assert "! Formação do PCA: nenhuma coleta com sucesso do PCA 2025" in result.stdout
    assert all(row["achados"] == [] for row in rows.values())


def test_coletas_named_by_id(stored, database_url, tmp_path):
    rows, _ = geral_json(database_url, tmp_path, "-a", f"pgc={stored['pgc']}", "-a", f"pncp={stored['pncp']}")
    assert rows["1/2025"]["pncp_valor"] == 100.02


def test_uasg_keeps_that_unit_and_the_pgc_dfds_without_one(stored, database_url, tmp_path):
    with psycopg.connect(database_url) as conn:
        coleta(
            conn,
            "PNCP",
            [
                ("a", "1/2025", "U-1/2025", "100.00", "PUBLICADO", "2025-02-01", "2025-03-01"),
                ("b", "7/2025", "U-7/2025", "5.00", "PUBLICADO", None, None),
            ],
            uasgs={"a": "120645", "b": "170013"},
        )
    rows, _ = geral_json(database_url, tmp_path, "-a", "uasg=120645")
    assert sorted(rows) == ["1/2025", "2/2025"]  # 7/2025 is another unit's; PGC's DFDs carry no UASG: kept
    assert rows["1/2025"]["pncp_valor"] == 100.0
    rows, _ = geral_json(database_url, tmp_path)
    assert sorted(rows) == ["1/2025", "2/2025", "7/2025"]


def test_mudancas_between_two_coletas_in_sql(stored, database_url, tmp_path):
    with psycopg.connect(database_url) as conn:
        newer = coleta(
            conn,
            "PGC",
            [
                ("1/2025", "1/2025", None, "120.00", "Aprovado", None, None),
                ("3/2025", "3/2025", None, "7.00", "Rascunho", None, None),
            ],
        )
    out = tmp_path / "m.csv"
    result = scrapy(database_url, "mudancas", "-a", "fonte=pgc", "-a", "ano=2025", "-o", str(out))
    assert result.returncode == 0, result.stderr
    lines = out.read_text().splitlines()
    assert lines[0] == "fonte,tipo,chave,dfd,contratacao,descricao,valor,campo,antes,depois"
    assert sorted(lines[1:]) == sorted(
        [
            "PGC,alterada,1/2025,1/2025,,,120.00,status,Consolidado,Aprovado",
            "PGC,alterada,1/2025,1/2025,,,120.00,valor,100.00,120.00",
            "PGC,removida,2/2025,2/2025,,,50.00,,,",
            "PGC,incluida,3/2025,3/2025,,,7.00,,,",
        ]
    )
    assert f"coleta {stored['pgc']} de" in result.stdout and f"coleta {newer} de" in result.stdout
    assert "valor: R$ 100,00 → R$ 120,00" in result.stdout


def test_sqlalchemy_echo_logs_the_report_sql(stored, database_url):
    result = scrapy(database_url, "geral", "-a", "ano=2025", SQLALCHEMY_ECHO="true")
    assert result.returncode == 0, result.stderr
    assert "FULL OUTER JOIN" in result.stdout + result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["geral", "-a", "ano=2024"], "nenhuma coleta com sucesso do PCA 2024"),
        (["geral", "-a", "ano=1999"], "ano=1999 is out of range"),
        (["geral", "-a", "ano=2025", "-a", f"cnpj={OTHER_CNPJ}"], f"órgão {OTHER_CNPJ}"),
        (["geral", "-a", "ano=2025", "-a", "cnpj=123"], "argument cnpj"),
        (["geral", "-a", "ano=2025", "-a", "pgc=999999"], "coleta 999999 (pgc) não existe"),
        (["geral", "-a", "ano=2025", "-a", "anno=2025"], "argumento desconhecido 'anno'"),
        (["geral", "-a", "ano=2025", "-a", "tolerancia=abc"], "tolerancia"),
        (["mudancas", "-a", "fonte=pgc", "-a", "ano=2025"], "são precisas duas"),
        (["mudancas", "-a", "fonte=xyz", "-a", "ano=2025"], "argumento fonte='xyz'"),
        (["mudancas", "-a", "fonte=pgc", "-a", "ano=2025", "-a", "de=1"], "de e para"),
        (["planilha", "-a", "ano=2025"], "diga o arquivo"),
    ],
)
def test_wrong_argument_one_line_exit_2_nothing_written(stored, database_url, tmp_path, args, message):
    out = tmp_path / "relatorio.xlsx"
    out_args = [] if args[0] == "planilha" and "diga" in message else ["-o", str(out)]
    result = scrapy(database_url, *args, *out_args)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("erro: ") and message in lines[0], result.stderr
    assert list(tmp_path.iterdir()) == []


def test_de_para_of_different_sources(stored, database_url, tmp_path):
    out = tmp_path / "m.json"
    out.write_text("kept")
    result = scrapy(
        database_url,
        "mudancas",
        "-a",
        "fonte=pgc",
        "-a",
        "ano=2025",
        "-a",
        f"de={stored['pgc']}",
        "-a",
        f"para={stored['formacao']}",
        "-o",
        str(out),
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"erro: as coletas {stored['pgc']} (PGC) e {stored['formacao']} (Formação do PCA) são de fontes diferentes"
    )
    assert out.read_text() == "kept"  # an existing file is left as it was
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json"]


def test_bad_output_extension_before_any_read(stored, database_url, tmp_path):
    result = scrapy(database_url, "geral", "-a", "ano=2025", "-o", str(tmp_path / "g.txt"))
    assert result.returncode == 2 and "a extensão deve ser .csv, .json, .xlsx" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_planilha_totals_equal_the_database(stored, database_url, tmp_path):
    import openpyxl

    book = tmp_path / "pca.xlsx"
    result = scrapy(database_url, "planilha", "-a", "ano=2025", "-O", str(book))
    assert result.returncode == 0, result.stderr
    wb = openpyxl.load_workbook(book)
    pgc = wb["PGC"]
    valor = [c.value for c in pgc[1]].index("Valor") + 1
    total = sum(Decimal(str(pgc.cell(r, valor).value)) for r in range(2, pgc.max_row + 1))
    assert total == Decimal("150.00")
    sheet = wb["Coletas"]
    coletas = {sheet.cell(r, 1).value: sheet.cell(r, 2).value for r in range(2, sheet.max_row + 1)}
    assert coletas["PGC"] == stored["pgc"] and coletas["PNCP"] == stored["pncp"]
