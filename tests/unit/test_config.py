"""Settings are read once, typed, and a bad value is reported by name."""

from pathlib import Path

import pytest
from scrapy.settings import Settings

from procurement_spiders.config import ConfigError, config_from_settings, config_to_settings, load_config

NO_FILE = Path("/nonexistent/.env")


def test_defaults_point_at_the_real_portals():
    config = load_config(environ={}, env_file=NO_FILE)
    assert config.pncp_base_url == "https://pncp.gov.br"
    assert config.dados_abertos_base_url == "https://dadosabertos.compras.gov.br"
    assert config.database_url is None
    assert config.log_format == "text" and config.retry_count == 3 and config.poll_time == 0.1


def test_real_disabled_points_portals_at_the_sandbox_unless_set():
    config = load_config(
        environ={"PNCP_REAL_ENABLED": "false", "SANDBOX_URL": "http://127.0.0.1:9999", "DADOS_ABERTOS_BASE_URL": "http://127.0.0.1:7000/"},
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
        ("POLL_TIME", "-1", "POLL_TIME='-1' must be at least"),
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
