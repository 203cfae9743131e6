"""Packaging for scrapyd: `scrapyd-deploy` builds an egg from this file (`python setup.py bdist_egg`).

The egg carries the `procurement_spiders` package, the `scrapy: settings` entry point scrapyd needs,
and the SQL migrations: the repository keeps them in the top-level `migrations/` folder, so the
build copies them to `procurement_spiders/migrations/` inside the egg, where
`procurement_spiders.storage.migrations` finds them through importlib.resources.
"""

from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class build_py_with_migrations(build_py):  # noqa: N801 - setuptools command naming
    def run(self):
        super().run()
        target = Path(self.build_lib) / "procurement_spiders" / "migrations"
        target.mkdir(parents=True, exist_ok=True)
        for sql in sorted((ROOT / "migrations").glob("*.sql")):
            self.copy_file(str(sql), str(target / sql.name))


setup(
    name="procurement_spiders",
    version="1.0",
    packages=find_packages(include=["procurement_spiders", "procurement_spiders.*"]),
    entry_points={"scrapy": ["settings = procurement_spiders.settings"]},
    cmdclass={"build_py": build_py_with_migrations},
    zip_safe=True,
    python_requires=">=3.11",
)
