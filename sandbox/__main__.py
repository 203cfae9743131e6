"""`python -m sandbox [--host 127.0.0.1] [--port 8800] [--itens N] [--seed S]`."""

from __future__ import annotations

import argparse

from aiohttp import web

from sandbox.app import create_app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8800)
    parser.add_argument("--itens", type=int, default=None, help="PCA items of the main órgão and year")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument(
        "--story",
        type=int,
        choices=(1, 2),
        default=None,
        help="serve the reports story (sandbox/story.py) from the start",
    )
    args = parser.parse_args()
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("the sandbox serves on the loopback only")
    options = {k: v for k, v in {"itens": args.itens, "seed": args.seed, "story": args.story}.items() if v is not None}
    web.run_app(create_app(**options), host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
