"""`python -m procurement_spiders.web` (`make web`): serve the web app with uvicorn at API_HOST:API_PORT.

Refuses to listen beyond the loopback with no WEB_USERS (nobody could log in, and a misconfigured
exposure would be silent otherwise).
"""

from __future__ import annotations

import ipaddress
import sys

import uvicorn

from procurement_spiders.config import ConfigError, load_config
from procurement_spiders.parsing.web_users import parse_users


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def main() -> int:
    try:
        config = load_config()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    if not parse_users(config.web_users) and not is_loopback(config.api_host):
        print(
            f"configuration error: API_HOST={config.api_host} is not a loopback address and WEB_USERS is empty; "
            "create users with `python -m procurement_spiders.web.hash NAME operador`",
            file=sys.stderr,
        )
        return 2
    from procurement_spiders.web.app import create_app

    uvicorn.run(
        create_app(config),
        host=config.api_host,
        port=config.api_port,
        proxy_headers=True,
        log_level=config.log_level.lower(),
        access_log=False,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
