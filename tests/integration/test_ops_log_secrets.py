"""Issue 8 defect 11: no secret in any log, at any level. A real PGC crawl (sandbox replica, a real
Grid with Chromium) at LOG_LEVEL=DEBUG, text and JSON, to stderr and to LOG_FILE: the CPF and the
password typed into the login form never appear. Before the fix Selenium's remote_connection
logger printed `{'text': '<CPF>'}` and `{'text': '<senha>'}` of each send_keys."""

from __future__ import annotations

import json
import logging
import re

import pytest

from procurement_spiders import log_secrets
from tests.pgc_support import DEMO_CPF, DEMO_SENHA, grid_url, pgc, pgc_crawl_env  # noqa: F401
from tests.support import run_scrapy

# The demo CPF is all nines: a float such as 7.199999999999999 in the stats is not a leak.
CPF_LEAK = re.compile(r"(?<![\d.])" + DEMO_CPF + r"(?!\d)")
DOTTED_CPF = f"{DEMO_CPF[:3]}.{DEMO_CPF[3:6]}.{DEMO_CPF[6:9]}-{DEMO_CPF[9:]}"


def assert_clean(text: str) -> None:
    assert DEMO_SENHA not in text
    assert not CPF_LEAK.search(text) and DOTTED_CPF not in text


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_debug_pgc_crawl_logs_no_secret(pgc, grid_url, database_url, tmp_path, log_format):  # noqa: F811
    pgc.dataset(ano=2025, dfds=30)
    log_file = tmp_path / "crawl.log"
    env = pgc_crawl_env(
        pgc.url,
        grid_url,
        database_url,
        SELENIUM_DEBUG_DIR=str(tmp_path / "debug"),
        LOG_LEVEL="DEBUG",
        LOG_FORMAT=log_format,
    )
    # One run to stderr (as a terminal or cron sees it), one to LOG_FILE (as scrapyd's job log).
    to_stderr = run_scrapy(["crawl", "pgc", "-a", "ano=2025"], env, timeout=600)
    assert to_stderr.returncode == 0, to_stderr.stderr[-3000:]
    to_file = run_scrapy(["crawl", "pgc", "-a", "ano=2025", "-s", f"LOG_FILE={log_file}"], env, timeout=600)
    assert to_file.returncode == 0, to_file.stderr[-3000:]
    logged = log_file.read_text(encoding="utf-8")

    for text in (to_stderr.stdout + to_stderr.stderr, to_file.stdout + to_file.stderr, logged):
        assert_clean(text)
    # The runs really were at DEBUG, with the browser driven (the form was filled in).
    assert "DEBUG" in to_stderr.stderr and "DEBUG" in logged
    assert pgc.stats()["logins"] >= 2
    if log_format == "json":
        assert all(json.loads(line)["level"] for line in logged.splitlines() if line.strip())


def test_masking_covers_every_logger_level_and_exception(caplog):
    """The second layer: a secret that reaches any logger is masked before a handler sees it."""
    log_secrets.install_masking(["S3nh@-Secreta", "12345678909"])
    try:
        logger = logging.getLogger("some.third.party")
        with caplog.at_level(logging.DEBUG):
            logger.debug("payload {'text': '%s'}", "S3nh@-Secreta")
            logger.debug("cpf %s formatted", "12345678909")
            logger.debug("a float 1.123456789099 stays as it is")
            try:
                raise RuntimeError("login failed for S3nh@-Secreta")
            except RuntimeError:
                logger.exception("boom")
        text = caplog.text
        assert "S3nh@-Secreta" not in text and not re.search(r"(?<![\d.])12345678909(?!\d)", text)
        assert "payload {'text': '***'}" in text and "cpf *** formatted" in text and "1.123456789099" in text
        assert "RuntimeError: login failed for ***" in text
    finally:
        log_secrets.install_masking([])


def test_selenium_payload_logger_is_held_at_info():
    class Settings(dict):
        def get(self, name, default=None):
            return super().get(name, default)

    logging.getLogger(log_secrets.PAYLOAD_LOGGERS[0]).setLevel(logging.NOTSET)
    logging.getLogger().setLevel(logging.DEBUG)
    log_secrets.install(Settings())
    assert not logging.getLogger("selenium.webdriver.remote.remote_connection").isEnabledFor(logging.DEBUG)


def test_secret_values_cover_every_configured_form():
    from procurement_spiders.config import Config

    config = Config(
        pgc_cpf="123.456.789-09",
        pgc_senha="S3nh@-Secreta",
        scrapyd_password="abc",
        database_url="postgresql://app:p%40ss%21word@db:5432/x",
    )
    values = set(log_secrets.secret_values(config))
    assert values == {"123.456.789-09", "12345678909", "S3nh@-Secreta", "p%40ss%21word", "p@ss!word"}
