"""The egg scrapyd runs, built by `scrapyd-deploy --build-egg` from pyproject.toml: the package, the
`scrapy: settings` entry point, the SQL migrations (read from the zip) and the in-page .js scripts."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile

from procurement_spiders.storage.migrations import load_migrations
from tests.ops_support import build_egg
from tests.support import ROOT

PROBE = """
import json, procurement_spiders
from procurement_spiders.storage.migrations import load_migrations
print(json.dumps({"file": procurement_spiders.__file__,
                  "migrations": [[m.name, m.checksum] for m in load_migrations()]}))
"""


def test_egg_carries_settings_entry_point_and_migrations(tmp_path):
    egg = build_egg(tmp_path)
    with zipfile.ZipFile(egg) as zf:
        names = set(zf.namelist())
        entry_points = zf.read("EGG-INFO/entry_points.txt").decode()
    assert "settings = procurement_spiders.settings" in entry_points and "[scrapy]" in entry_points
    shipped = sorted(p.name for p in (ROOT / "procurement_spiders" / "migrations").glob("*.sql"))
    assert shipped and {f"procurement_spiders/migrations/{name}" for name in shipped} <= names
    package = ROOT / "procurement_spiders"
    assert {f"procurement_spiders/{p.relative_to(package).as_posix()}" for p in package.rglob("*.js")} <= names
    web = [p for folder in ("templates", "static") for p in (package / "web" / folder).iterdir()]  # the web app
    assert web and {f"procurement_spiders/{p.relative_to(package).as_posix()}" for p in web} <= names
    assert not any(n.startswith(("tests/", "sandbox/", "bench/")) for n in names)

    # Imported from the zip alone (as scrapyd's runner does), the migrations are found and identical.
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": str(egg), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["file"].startswith(str(egg))
    assert found["migrations"] == [[m.name, m.checksum] for m in load_migrations()]
    assert [name for name, _ in found["migrations"]] == shipped
