"""pyproject.toml and requirements.txt say the same thing: every dependency the package or one of
its extras declares is pinned in the lock at a version inside the declared range, and the lock
pins nothing the package does not declare (but the build helper)."""

from __future__ import annotations

import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.support import ROOT

# In the lock for building the package, not for running it (tests/integration/test_pip_install.py).
BUILD_ONLY = {"wheel"}


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = [spec for specs in project["optional-dependencies"].values() for spec in specs]
    return [Requirement(spec) for spec in project["dependencies"] + extras]


def pinned() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            req = Requirement(line)
            (spec,) = req.specifier
            assert spec.operator == "==" and not req.extras, f"{line}: the lock pins exact versions, no extras"
            pins[canonicalize_name(req.name)] = spec.version
    return pins


def test_every_declared_dependency_is_pinned_inside_its_range():
    pins = pinned()
    for req in declared():
        name = canonicalize_name(req.name)
        assert name in pins, f"{req} is declared in pyproject.toml but not pinned in requirements.txt"
        assert req.specifier.contains(pins[name]), f"{req} declared, {pins[name]} pinned"
        for extra in req.extras:  # psycopg[binary] -> psycopg-binary pinned at the same version
            assert pins.get(f"{name}-{extra}") == pins[name], f"{req}: {name}-{extra} must be pinned too"


def test_the_lock_pins_only_what_the_package_declares():
    names = {canonicalize_name(r.name) for r in declared()}
    names |= {f"{canonicalize_name(r.name)}-{e}" for r in declared() for e in r.extras}
    assert set(pinned()) - names == BUILD_ONLY


def test_migrations_live_inside_the_package():
    """The folder scrapyd's egg and `pip install .` ship; a file left in a top-level migrations/
    would never be applied."""
    assert sorted(p.name for p in (ROOT / "procurement_spiders" / "migrations").glob("*.sql"))
    assert not list(ROOT.glob("migrations/*.sql")), "move them: git mv migrations/*.sql procurement_spiders/migrations/"
