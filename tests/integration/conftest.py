"""Marks every test under tests/integration/ as `integration` (pyproject.toml declares the markers)."""

from pathlib import Path

from tests.markers import mark_folder


def pytest_collection_modifyitems(items):
    mark_folder(items, Path(__file__).parent, "integration")
