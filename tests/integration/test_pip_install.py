"""`pip install .` into a fresh virtual environment gives a working `scrapy` (list, crawl, migrate)
with the SQL migrations inside the package, and without what only the tests need.

Offline: the dependencies come from a wheelhouse repacked from this venv's installed distributions
(the pinned versions of requirements.txt), installed with `--no-index`. So the install proves that
pyproject.toml declares every runtime dependency: one missing is simply not there, and the crawl fails.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import json
import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import psycopg
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from procurement_spiders.storage.migrations import load_migrations
from tests.ops_support import copy_project
from tests.support import MAIN_CNPJ, ROOT, project_env

BDIST_WHEEL = ["wheel"]  # what setuptools < 70.1 (the venv's) asks for to build a wheel
ONLY_FOR_TESTS = ["pytest", "sandbox", "tests", "bench", "kubernetes_validate", "check_jsonschema"]

PROBE = """
import importlib.util, json, sys, procurement_spiders
print(json.dumps({"file": procurement_spiders.__file__,
                  "absent": [m for m in sys.argv[1:] if importlib.util.find_spec(m) is None]}))
"""


def installed_closure(requirements: list[str]) -> dict[str, importlib.metadata.Distribution]:
    """The installed distributions that satisfy `requirements`, with their dependencies (markers
    and extras evaluated). A version of this venv outside a declared range fails here."""
    found: dict[str, importlib.metadata.Distribution] = {}
    done: set[tuple[str, frozenset[str]]] = set()
    todo = [Requirement(r) for r in requirements]
    while todo:
        req = todo.pop()
        key = (canonicalize_name(req.name), frozenset(req.extras))
        if key in done:
            continue
        done.add(key)
        dist = importlib.metadata.distribution(req.name)
        assert req.specifier.contains(dist.version, prereleases=True), f"{req} declared, {dist.version} pinned"
        found[key[0]] = dist
        for spec in dist.requires or []:
            sub = Requirement(spec)
            if sub.marker is None or any(sub.marker.evaluate({"extra": e}) for e in (req.extras or {""})):
                todo.append(sub)
    return found


def repack(dist: importlib.metadata.Distribution, wheelhouse: Path) -> Path:
    """An installed distribution back into a wheel: its files under site-packages and its
    dist-info (scripts are regenerated from entry_points.txt by pip)."""
    files = [f for f in dist.files or [] if not f.as_posix().startswith("..") and f.suffix != ".pyc"]
    info = next(f.parent.as_posix() for f in files if f.name == "METADATA")
    tags = [
        line.split(":", 1)[1].strip().split("-")
        for line in (dist.read_text("WHEEL") or "").splitlines()
        if line.startswith("Tag:")
    ]
    tag = "-".join(".".join(sorted({t[i] for t in tags})) for i in range(3))  # e.g. py2.py3-none-any
    name = canonicalize_name(dist.metadata["Name"]).replace("-", "_")
    path = wheelhouse / f"{name}-{dist.version}-{tag}.whl"
    record = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for f in files:
            if f.as_posix().startswith(info + "/") and f.name in (
                "RECORD",
                "INSTALLER",
                "REQUESTED",
                "direct_url.json",
            ):
                continue
            data = Path(f.locate()).read_bytes()
            zf.writestr(f.as_posix(), data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{f.as_posix()},sha256={digest},{len(data)}")
        record.append(f"{info}/RECORD,,")
        zf.writestr(f"{info}/RECORD", "\n".join(record) + "\n")
    return path


def offline_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1", **extra)
    return env


def test_pip_install_gives_working_scrapy_with_migrations(tmp_path, sandbox, empty_database_url):
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wheelhouse = tmp_path / "wheelhouse"
    wheelhouse.mkdir()
    needed = pyproject["project"]["dependencies"] + pyproject["build-system"]["requires"] + BDIST_WHEEL
    for dist in installed_closure(needed).values():
        repack(dist, wheelhouse)

    # This venv's pip installs into the new one (`--python`): no pip bootstrap, no byte-compiling.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    pip = [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python")]
    src = copy_project(tmp_path / "src")
    install = subprocess.run(
        [*pip, "install", "-q", "--no-compile", "--no-index", "--find-links", str(wheelhouse), str(src)],
        env=offline_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    check = subprocess.run([*pip, "check"], env=offline_env(), capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout

    # Outside the repository: only the installed package can answer. The settings module is named
    # as in the production image (no scrapy.cfg there).
    work = tmp_path / "work"
    work.mkdir()
    base_env = project_env(
        SCRAPY_SETTINGS_MODULE="procurement_spiders.settings", PYTHONPATH=None, PATH=f"{venv / 'bin'}:/usr/bin:/bin"
    )

    def run(*args: str, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(args, cwd=work, env={**base_env, **env}, capture_output=True, text=True, timeout=300)

    probe = run(str(venv / "bin" / "python"), "-c", PROBE, *ONLY_FOR_TESTS)
    assert probe.returncode == 0, probe.stderr
    found = json.loads(probe.stdout)
    assert found["file"].startswith(str(venv)), found
    assert found["absent"] == ONLY_FOR_TESTS

    listed = run(str(venv / "bin" / "scrapy"), "list")
    assert listed.returncode == 0, listed.stderr[-2000:]
    assert {"pncp", "pgc"} <= set(listed.stdout.split())

    crawl = run(
        str(venv / "bin" / "scrapy"),
        "crawl",
        "pncp",
        "-a",
        "ano=2025",
        "-O",
        "demandas.json",
        SANDBOX_URL=sandbox.url,
        ORGAO_CNPJ=MAIN_CNPJ,
    )
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    demandas = json.loads((work / "demandas.json").read_text())
    assert len(demandas) == sandbox.truth("pncp-demandas", ano=2025)["count"] > 0

    migrate = run(str(venv / "bin" / "scrapy"), "migrate", DATABASE_URL=empty_database_url)
    assert migrate.returncode == 0, migrate.stderr[-2000:]
    with psycopg.connect(empty_database_url) as conn:
        applied = conn.execute("SELECT name, checksum FROM schema_migrations ORDER BY name").fetchall()
    shipped = sorted(p.name for p in (ROOT / "procurement_spiders" / "migrations").glob("*.sql"))
    assert [name for name, _ in applied] == shipped
    assert applied == [(m.name, m.checksum) for m in load_migrations()]
