"""The pytest configuration in pyproject.toml: tests are marked by folder, and a warning fails a
test when it comes from the project's code, not when a third-party library warns about itself."""

from __future__ import annotations

import warnings

import pytest
from scrapy.exceptions import ScrapyDeprecationWarning


def test_a_unit_test_is_marked_unit_only(request):
    names = {mark.name for mark in request.node.iter_markers()}
    assert "unit" in names
    assert not names & {"integration", "e2e"}


@pytest.mark.parametrize("module", ["procurement_spiders.spiders.pncp", "sandbox.pncp", "tests.conftest"])
def test_a_warning_from_project_code_is_an_error(module):
    with pytest.raises(UserWarning, match="project warning"):
        warnings.warn_explicit("project warning", UserWarning, "x.py", 1, module=module)


def test_a_scrapy_deprecation_is_an_error_wherever_scrapy_raises_it():
    with pytest.raises(ScrapyDeprecationWarning):
        warnings.warn_explicit("old API", ScrapyDeprecationWarning, "middleware.py", 1, module="scrapy.middleware")


def test_a_third_party_warning_about_itself_is_only_recorded():
    with warnings.catch_warnings(record=True) as seen:  # keeps the filters: an "error" one would raise here
        warnings.warn_explicit("library internals", UserWarning, "lib.py", 1, module="selenium.webdriver")
    assert [str(w.message) for w in seen] == ["library internals"]
