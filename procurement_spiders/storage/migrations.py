"""Numbered SQL migrations, applied in order, once, and recorded with their checksum.

An applied file whose content changed is an error, never a silent re-run: a migration that
already ran on a production database is history, and history is not edited.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import psycopg

logger = logging.getLogger(__name__)

_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
# Any fixed 64-bit number: serialises concurrent runners (two crawls starting together).
_LOCK_KEY = 0x70726F63  # "proc"


class MigrationError(RuntimeError):
    """The migrations folder or the recorded history is inconsistent."""


@dataclass(frozen=True)
class Migration:
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()


def default_migrations_dir() -> Traversable:
    """The SQL files shipped inside the package (`procurement_spiders/migrations/`).

    Read through importlib.resources, never through `open()`: in the source tree and in a pip
    install this is a folder, but scrapyd imports an egg from its zip file (a zipfile.Path).
    """
    return resources.files("procurement_spiders") / "migrations"


def load_migrations(directory: Path | Traversable | None = None) -> list[Migration]:
    directory = directory or default_migrations_dir()
    if not directory.is_dir():
        raise MigrationError(f"migrations folder {directory} not found")
    found: list[Migration] = []
    numbers: set[str] = set()
    for path in sorted(directory.iterdir(), key=lambda p: p.name):
        if not path.name.endswith(".sql"):
            continue
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(f"migration {path.name}: name must be NNN_words.sql")
        if match.group(1) in numbers:
            raise MigrationError(f"migration number {match.group(1)} is used twice")
        numbers.add(match.group(1))
        found.append(Migration(path.name, path.read_text(encoding="utf-8")))
    return found


def apply_migrations(conninfo: str, directory: Path | None = None) -> list[str]:
    """Apply pending migrations; return the names applied now. Safe to call concurrently."""
    migrations = load_migrations(directory)
    applied_now: list[str] = []
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
        try:
            conn.execute(
                """CREATE TABLE IF NOT EXISTS schema_migrations (
                       name TEXT PRIMARY KEY,
                       checksum TEXT NOT NULL,
                       applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"""
            )
            recorded: dict[str, str] = dict(conn.execute("SELECT name, checksum FROM schema_migrations").fetchall())
            known = {m.name for m in migrations}
            missing = sorted(set(recorded) - known)
            if missing:
                raise MigrationError(f"applied migrations missing from the folder: {', '.join(missing)}")
            for migration in migrations:
                if migration.name in recorded:
                    if recorded[migration.name] != migration.checksum:
                        raise MigrationError(
                            f"migration {migration.name} was changed after it was applied "
                            "(checksum differs); add a new numbered file instead"
                        )
                    continue
                with conn.transaction():
                    conn.execute(migration.sql)
                    conn.execute(
                        "INSERT INTO schema_migrations (name, checksum) VALUES (%s, %s)",
                        (migration.name, migration.checksum),
                    )
                logger.info("applied migration %s", migration.name)
                applied_now.append(migration.name)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))
    return applied_now
