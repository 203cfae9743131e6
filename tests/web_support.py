"""Helpers of the web app tests: users with real hashes, a config, logging in through the form,
coletas written the way the pipeline writes them (running, demandas, then finished), and a real
scrapyd with the project's egg deployed, its crawls pointed at the sandbox."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import psycopg
import requests
from psycopg.types.json import Jsonb

from procurement_spiders.config import load_config
from procurement_spiders.parsing.web_users import hash_password
from tests.ops_support import Scrapyd, build_egg
from tests.pgc_support import DEMO_CPF, DEMO_SENHA
from tests.support import MAIN_CNPJ

PASSWORDS = {"ana": "operadora-secreta", "leo": "leitor-secreto"}
USERS = f"ana:operador:{hash_password(PASSWORDS['ana'])} leo:leitura:{hash_password(PASSWORDS['leo'])}"
SESSION_SECRET = "s" * 40
PROJECT = "procurement_spiders"
NOVNC = "http://127.0.0.1:7900/?autoconnect=1&resize=scale"


def web_config(database_url: str | None, **extra: str):
    env = {"WEB_USERS": USERS, "WEB_SESSION_SECRET": SESSION_SECRET, "ORGAO_CNPJ": "00394452000103"}
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(extra)
    return load_config(environ=env, env_file=Path("/nonexistent/.env"))


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field in the page"
    return match.group(1)


def login(client, user: str) -> None:
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login", data={"usuario": user, "senha": PASSWORDS[user], "csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303, response.text


def add_coleta(
    database_url: str,
    *,
    fonte: str = "PNCP",
    ano: int = 2025,
    status: str = "success",
    demandas: list[dict] | None = None,
    dados: dict | None = None,
    spider: str = "pncp",
    job_id: str | None = None,
) -> int:
    with psycopg.connect(database_url, autocommit=True) as conn:
        coleta_id = conn.execute(
            "INSERT INTO coletas (fonte, ano_referencia, spider, status, orgao_cnpj, dados, job_id) "
            "VALUES (%s, %s, %s, 'running', '00394452000103', %s, %s) RETURNING id",
            (fonte, ano, spider, Jsonb(dados or {}), job_id),
        ).fetchone()[0]
        for n, d in enumerate(demandas or []):
            conn.execute(
                "INSERT INTO demandas (coleta_id, chave, dfd, descricao, valor, status, data_inicio) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (
                    coleta_id,
                    d.get("chave", f"k{n}"),
                    d.get("dfd"),
                    d.get("descricao"),
                    Decimal(str(d["valor"])) if d.get("valor") is not None else None,
                    d.get("status"),
                    d.get("data_inicio"),
                ),
            )
        if status != "running":
            conn.execute("UPDATE coletas SET status = %s WHERE id = %s", (status, coleta_id))
    return coleta_id


def crawl_env(sandbox, grid_url: str, database_url: str, **extra: str) -> dict[str, str]:
    """What scrapyd's crawls run with: the sandbox, the Grid, the test database."""
    return {
        "DATABASE_URL": database_url,
        "SANDBOX_URL": sandbox.url,
        "PNCP_REAL_ENABLED": "false",
        "PGC_REAL_ENABLED": "false",
        "ORGAO_CNPJ": MAIN_CNPJ,
        "SELENIUM_URL": grid_url,
        "POLL_TIME": "0.05",
        "SELENIUM_TIMEOUT": "20",
        "PROGRESS_INTERVAL": "1",
        "PGC_NOVNC_URL": NOVNC,
        "PGC_CPF": DEMO_CPF,
        "PGC_SENHA": DEMO_SENHA,
        **extra,
    }


def deployed_scrapyd(base: Path, password: str, env: dict[str, str]) -> Scrapyd:
    """A real scrapyd (user `ops`) with the egg built from this tree deployed; the caller stops it."""
    sd = Scrapyd(base, username="ops", password=password, poll_interval=0.5, env=env).start()
    try:
        egg = build_egg(base / "egg")
        with open(egg, "rb") as fh:
            answer = requests.post(
                f"{sd.url}/addversion.json",
                auth=sd.auth,
                timeout=120,
                data={"project": PROJECT, "version": "1"},
                files={"egg": fh},
            ).json()
        assert answer["status"] == "ok", answer
    except BaseException:
        sd.stop()
        raise
    return sd
