"""The project's scrapy commands (COMMANDS_MODULE): crawl (override), migrate, resumo, health."""

from __future__ import annotations

import sys

from procurement_spiders.config import Config, ConfigError, config_from_settings


def config_or_exit(settings, *, need_database: bool = False) -> Config:
    """The typed configuration, or one clear line and exit status 1."""
    try:
        config = config_from_settings(settings)
    except ConfigError as exc:
        sys.exit(f"configuration error: {exc}")
    if need_database and not config.database_url:
        sys.exit("configuration error: DATABASE_URL is not set")
    return config
