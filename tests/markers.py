"""Each test is marked by its folder (unit/, integration/, e2e/), so `-m unit` or `-m "not e2e"`
select by kind without a decorator on every test. Called from each folder's conftest.py."""

from __future__ import annotations

from pathlib import Path

import pytest


def mark_folder(items: list[pytest.Item], folder: Path, kind: str) -> None:
    """Add the `kind` marker (declared in pyproject.toml) to the items collected under `folder`."""
    for item in items:
        if folder in item.path.parents:
            item.add_marker(kind)
