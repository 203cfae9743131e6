"""Marks every test under tests/e2e/ as `e2e` (pyproject.toml declares the markers), and offers the
PGC fixtures to every e2e module (imported here once, not in each test module, where a fixture
imported and then taken as a parameter reads as a redefinition: ruff F811)."""

from pathlib import Path

from tests.markers import mark_folder
from tests.pgc_support import driver, grid_url, pgc  # noqa: F401  (fixtures)


def pytest_collection_modifyitems(items):
    mark_folder(items, Path(__file__).parent, "e2e")
