"""Settings are read once, typed, range-checked, and a bad value is reported by name."""

import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from procurement_spiders.config import (
    ConfigError,
    config_from_settings,
    config_to_settings,
    crawler_config,
    load_config,
)

NO_FILE = Path("/nonexistent/.env")


def test_defaults_point_at_the_real_portals():
    config = load_config(environ={}, env_file=NO_FILE)
    assert config.pncp_base_url == "https://pncp.gov.br"
    assert config.dados_abertos_base_url == "https://dadosabertos.compras.gov.br"
    assert config.database_url is None
    assert config.log_format == "text" and config.retry_count == 3 and config.poll_time == 0.1


def test_real_disabled_points_portals_at_the_sandbox_unless_set():
    config = load_config(
        environ={
            "PNCP_REAL_ENABLED": "false",
            "SANDBOX_URL": "http://127.0.0.1:9999",
            "DADOS_ABERTOS_BASE_URL": "http://127.0.0.1:7000/",
        },
        env_file=NO_FILE,
    )
    assert config.pncp_base_url == "http://127.0.0.1:9999"
    assert config.dados_abertos_base_url == "http://127.0.0.1:7000"
    assert config.pgc_base_url == "https://cnetmobile.estaleiro.serpro.gov.br"  # PGC_REAL_ENABLED is separate


def test_env_file_is_read_and_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("ORGAO_CNPJ=00394452000103\nRETRY_COUNT=5\nLOG_FORMAT=json\n")
    config = load_config(environ={"RETRY_COUNT": "7"}, env_file=env_file)
    assert config.orgao_cnpj == "00394452000103"
    assert config.retry_count == 7
    assert config.log_format == "json"


@pytest.mark.parametrize(
    "name, value, fragment",
    [
        ("RETRY_COUNT", "abc", "RETRY_COUNT='abc' is not a whole number"),
        ("SELENIUM_HEADLESS", "maybe", "SELENIUM_HEADLESS='maybe' is not a boolean"),
        ("PNCP_BASE_URL", "ftp://x", "PNCP_BASE_URL='ftp://x' is not a valid URL"),
        ("SELENIUM_URL", "http//grid", "SELENIUM_URL='http//grid' is not a valid URL"),
        ("DATABASE_URL", "mysql://x/y", "DATABASE_URL='mysql://x/y' is not a valid URL"),
        ("LOG_FORMAT", "xml", "LOG_FORMAT='xml' must be one of: text, json"),
        ("ORGAO_CNPJ", "00394452000104", "ORGAO_CNPJ: CNPJ '00394452000104' has wrong check digits"),
        ("POLL_TIME", "-1", "POLL_TIME='-1' must be between 0.01 and 10"),
    ],
)
def test_bad_values_name_the_setting(name, value, fragment):
    with pytest.raises(ConfigError) as error:
        load_config(environ={name: value}, env_file=NO_FILE)
    assert fragment in str(error.value)


def test_secrets_never_in_public_dict():
    config = load_config(
        environ={"PGC_CPF": "123.456.789-09", "PGC_SENHA": "s3cr3t", "DATABASE_URL": "postgresql://u:pw@h/db"},
        env_file=NO_FILE,
    )
    public = repr(config.public_dict())
    assert "s3cr3t" not in public and "123.456.789-09" not in public and ":pw@" not in public
    assert config.public_dict()["pgc_senha"] == "***"


def test_scrapy_settings_round_trip_with_overrides():
    config = load_config(environ={"PNCP_REAL_ENABLED": "false"}, env_file=NO_FILE)
    settings = Settings(config_to_settings(config))
    assert settings["PROJECT_LOG_FORMAT"] == "text"  # Scrapy's own LOG_FORMAT is a %-format string
    settings.set("RETRY_COUNT", "9", priority="cmdline")
    assert config_from_settings(settings).retry_count == 9
    assert config_from_settings(settings).pncp_base_url == "http://127.0.0.1:8800"
    settings.set("RETRY_COUNT", "nine", priority="cmdline")
    with pytest.raises(ConfigError, match="RETRY_COUNT"):
        config_from_settings(settings)


# Every number of the project, and the Scrapy numbers it relies on, with a value out of range.
OUT_OF_RANGE = [
    ("POSTGRES_BATCH_SIZE", "0", "POSTGRES_BATCH_SIZE='0' must be between 1 and 100000"),
    ("RETRY_COUNT", "-5", "RETRY_COUNT='-5' must be between 0 and 50"),
    ("PNCP_PAGE_SIZE", "0", "PNCP_PAGE_SIZE='0' must be between 1 and 5000"),
    ("DADOS_ABERTOS_PAGE_SIZE", "501", "DADOS_ABERTOS_PAGE_SIZE='501' must be between 1 and 500"),
    ("RATE_LIMIT_BASE_DELAY", "nan", "RATE_LIMIT_BASE_DELAY='nan' is not a number"),
    ("RATE_LIMIT_MAX_DELAY", "inf", "RATE_LIMIT_MAX_DELAY='inf' is not a number"),
    ("RATE_LIMIT_MAX_DELAY", "1e400", "RATE_LIMIT_MAX_DELAY='1e400' must be between 0 and 3600"),
    ("RATE_LIMIT_MAX_RETRIES", "-1", "RATE_LIMIT_MAX_RETRIES='-1' must be between 0 and 1000"),
    ("COLETA_MAX_RECORDED_DROPS", "-1", "COLETA_MAX_RECORDED_DROPS='-1' must be between 0 and 1000000"),
    ("PNCP_MAX_PLANS", "0", "PNCP_MAX_PLANS='0' must be between 1 and 100000"),
    ("PNCP_MAX_ITEMS_PER_PLAN", "0", "PNCP_MAX_ITEMS_PER_PLAN='0' must be between 1 and 10000000"),
    ("DADOS_ABERTOS_MAX_PAGES", "100001", "DADOS_ABERTOS_MAX_PAGES='100001' must be between 1 and 100000"),
    ("CONCURRENT_REQUESTS_PER_DOMAIN", "0", "CONCURRENT_REQUESTS_PER_DOMAIN='0' must be between 1 and 32"),
    ("DOWNLOAD_TIMEOUT", "0", "DOWNLOAD_TIMEOUT='0' must be between 1 and 3600"),
    ("PGC_PAGES_PER_STEP", "１０", "PGC_PAGES_PER_STEP='１０' is not a whole number"),  # full-width digits
    ("SELENIUM_MAX_SESSIONS", "9" * 5000, "is not a whole number"),
]


@pytest.mark.parametrize("name, value, message", OUT_OF_RANGE, ids=[f"{n}={v[:8]}" for n, v, _ in OUT_OF_RANGE])
def test_every_number_is_range_checked_from_the_environment(name, value, message):
    with pytest.raises(ConfigError) as error:
        load_config(environ={name: value}, env_file=NO_FILE)
    assert message in str(error.value)
    assert len(str(error.value)) < 200  # a 5,000-digit value is cut in the message


@pytest.mark.parametrize("name, value, message", OUT_OF_RANGE, ids=[f"{n}={v[:8]}" for n, v, _ in OUT_OF_RANGE])
def test_every_number_is_range_checked_as_a_scrapy_override(name, value, message):
    settings = Settings(config_to_settings(load_config(environ={}, env_file=NO_FILE)))
    settings.set(name, value, priority="cmdline")
    with pytest.raises(ConfigError) as error:
        config_from_settings(settings)
    assert message in str(error.value)


def test_scrapy_retry_times_override_is_checked_under_its_own_name():
    settings = Settings(config_to_settings(load_config(environ={}, env_file=NO_FILE)))
    settings.set("RETRY_TIMES", "-5", priority="cmdline")
    with pytest.raises(ConfigError, match="RETRY_TIMES='-5' must be between 0 and 50"):
        config_from_settings(settings)
    settings.set("RETRY_TIMES", "7", priority="cmdline")
    assert config_from_settings(settings).retry_count == 7


def test_base_delay_above_max_delay_is_refused():
    with pytest.raises(ConfigError, match="RATE_LIMIT_MAX_DELAY must be at least RATE_LIMIT_BASE_DELAY"):
        load_config(environ={"RATE_LIMIT_BASE_DELAY": "30", "RATE_LIMIT_MAX_DELAY": "10"}, env_file=NO_FILE)


def test_repr_never_shows_a_secret():
    config = load_config(
        environ={
            "PGC_CPF": "123.456.789-09",
            "PGC_SENHA": "s3nh4-pgc",
            "SCRAPYD_PASSWORD": "scr4pyd-pw",
            "DATABASE_URL": "postgresql://u:db-pw-123@h/db",
        },
        env_file=NO_FILE,
    )
    shown = repr(config) + str(config)
    for secret in ("123.456.789-09", "s3nh4-pgc", "scr4pyd-pw", "db-pw-123"):
        assert secret not in shown
    assert "pncp_page_size=500" in shown  # the rest is still there to read


def test_a_bad_value_in_a_url_setting_does_not_echo_its_password():
    with pytest.raises(ConfigError) as error:
        load_config(environ={"DATABASE_URL": "postgresql://u:db-pw-123@h:port/db"}, env_file=NO_FILE)
    assert "db-pw-123" not in str(error.value) and "DATABASE_URL" in str(error.value)


def test_importing_the_settings_with_a_bad_environment_does_not_exit(tmp_path):
    code = (
        "import procurement_spiders.settings as s; from scrapy.utils.project import get_project_settings; "
        "print(s.PROJECT_CONFIG_ERROR); print(get_project_settings().get('PROJECT_CONFIG_ERROR'))"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "PROCUREMENT_ENV_FILE": "/nonexistent/.env",
        "PNCP_PAGE_SIZE": "0",
        "SCRAPY_SETTINGS_MODULE": "procurement_spiders.settings",
    }
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2]
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["PNCP_PAGE_SIZE='0' must be between 1 and 5000"] * 2


def test_the_crawler_keeps_one_config_for_every_component():
    crawler = get_crawler(settings_dict={"PNCP_PAGE_SIZE": 20})
    crawler.settings.freeze()  # as Crawler.crawl does before it builds any component
    first = crawler_config(crawler)
    assert first.pncp_page_size == 20
    assert crawler_config(crawler) is first
