"""Users, hashes, settings and the start guard of the web app; pt-BR formats; the login limiter."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from procurement_spiders.config import ConfigError, load_config
from procurement_spiders.parsing.web_users import hash_password, parse_users, verify_password
from procurement_spiders.web import formats
from procurement_spiders.web.security import LoginLimiter
from tests.support import ROOT

NO_ENV = Path("/nonexistent/.env")


def test_hash_verifies_only_its_password():
    digest = hash_password("correct horse")
    assert digest.startswith("scrypt$") and "correct horse" not in digest
    assert verify_password("correct horse", digest)
    assert not verify_password("correct hors", digest)
    assert not verify_password("x", "not-a-hash")
    assert hash_password("correct horse") != digest  # salted


def test_hash_command_reads_stdin_and_prints_a_users_entry():
    env = dict(os.environ, PROCUREMENT_ENV_FILE="/nonexistent/.env")
    done = subprocess.run(
        [sys.executable, "-m", "procurement_spiders.web.hash", "ana", "operador"],
        cwd=ROOT,
        input="uma-senha-longa\n",
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    entry = done.stdout.strip()
    users = parse_users(entry)
    assert users["ana"].role == "operador" and verify_password("uma-senha-longa", users["ana"].password_hash)
    assert "uma-senha-longa" not in done.stdout + done.stderr
    short = subprocess.run(
        [sys.executable, "-m", "procurement_spiders.web.hash"],
        cwd=ROOT,
        input="curta\n",
        capture_output=True,
        text=True,
        env=env,
    )
    assert short.returncode == 1 and "8 caracteres" in short.stderr


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("ana:chefe:{h}", "role must be leitura or operador"),
        ("ana:operador:abc", "the hash is not one"),
        ("ana:operador:{h} ana:leitura:{h}", "appears twice"),
        ("an!a:operador:{h}", "user name"),
    ],
)
def test_bad_web_users_stop_the_configuration_without_the_hash(raw, message):
    digest = hash_password("qualquer-coisa")
    with pytest.raises(ConfigError) as caught:
        load_config(environ={"WEB_USERS": raw.format(h=digest)}, env_file=NO_ENV)
    assert message in str(caught.value) and digest not in str(caught.value)


def test_web_settings_are_typed_and_secret():
    digest = hash_password("qualquer-coisa")
    config = load_config(
        environ={"WEB_USERS": f"ana:operador:{digest}", "WEB_SESSION_SECRET": "k" * 40, "METRICS_PUBLIC": "true"},
        env_file=NO_ENV,
    )
    assert (config.api_host, config.api_port, config.metrics_public) == ("127.0.0.1", 8000, True)
    assert digest not in repr(config) and "k" * 40 not in repr(config)
    assert digest not in str(config.public_dict()) and "k" * 40 not in str(config.public_dict())
    with pytest.raises(ConfigError, match="WEB_SESSION_SECRET"):
        load_config(environ={"WEB_SESSION_SECRET": "short"}, env_file=NO_ENV)


def test_refuses_a_public_address_without_users():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEB_", "API_"))}
    env.update(PROCUREMENT_ENV_FILE="/nonexistent/.env", API_HOST="0.0.0.0", API_PORT="1")
    done = subprocess.run(
        [sys.executable, "-m", "procurement_spiders.web"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and "WEB_USERS is empty" in done.stderr


def test_pt_br_formats():
    assert formats.brl(Decimal("1234.56")) == "R$ 1.234,56"
    assert formats.brl(Decimal("1234567")) == "R$ 1.234.567,00"
    assert formats.inteiro(100000) == "100.000"
    assert formats.data(date(2025, 3, 7)) == "07/03/2025"
    # 02:30 UTC is the previous evening in Brasília (UTC-3)
    assert formats.data_hora(datetime(2025, 3, 8, 2, 30, tzinfo=UTC)) == "07/03/2025 23:30:00"
    assert formats.duracao(3725) == "1h02min" and formats.duracao(65) == "1min05s"


def test_orgao_is_the_dotted_cnpj_or_the_uasg_a_pgc_crawl_saw():
    assert formats.orgao("00394452000103") == "00.394.452/0001-03"
    assert formats.orgao("00394452000103", "110511") == "00.394.452/0001-03"  # the CNPJ names the órgão
    assert formats.orgao(None, "110511") == "UASG 110511"
    assert formats.orgao(None, None) == "—" and formats.orgao("", "      ") == "—"


def test_login_limiter_window():
    now = [0.0]
    limiter = LoginLimiter(attempts=3, window=60, clock=lambda: now[0])
    for _ in range(3):
        assert limiter.retry_after("ip:a") == 0
        limiter.failed("ip:a")
    assert limiter.retry_after("ip:a") == 61
    assert limiter.retry_after("ip:b") == 0  # another address is not held back
    now[0] = 60.5
    assert limiter.retry_after("ip:a") == 0
