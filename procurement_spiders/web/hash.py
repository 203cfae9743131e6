"""`python -m procurement_spiders.web.hash [name role]`: make a password hash for WEB_USERS.

The password is asked twice without echo (or read from one line of stdin when it is not a
terminal); it is never an argument, so it stays out of the shell history and process list.
"""

from __future__ import annotations

import getpass
import sys

from procurement_spiders.parsing.web_users import ROLES, hash_password


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and (len(args) != 2 or args[1] not in ROLES):
        print(f"usage: python -m procurement_spiders.web.hash [NAME {'|'.join(ROLES)}]", file=sys.stderr)
        return 2
    if sys.stdin.isatty():
        password = getpass.getpass("Senha: ")
        if password != getpass.getpass("Repita a senha: "):
            print("as senhas não conferem", file=sys.stderr)
            return 1
    else:
        password = sys.stdin.readline().rstrip("\n")
    if len(password) < 8:
        print("a senha precisa ter ao menos 8 caracteres", file=sys.stderr)
        return 1
    digest = hash_password(password)
    print(f"{args[0]}:{args[1]}:{digest}" if args else digest)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
