"""For `scrapyd-deploy` only: it builds the egg scrapyd runs with `python setup.py bdist_egg`.

Everything (the package, its SQL migrations, the `scrapy: settings` entry point scrapyd needs)
is declared in pyproject.toml; install with `pip install .`.
"""

from setuptools import setup

setup()
