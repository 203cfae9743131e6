"""The sandbox is a separate program: it imports nothing of procurement_spiders (issue 9 item 7),
and what it used to assert with the project's code is checked here instead."""

from __future__ import annotations

import ast

from procurement_spiders.parsing.identifiers import normalize_cnpj
from sandbox import catalog
from tests.support import ROOT


def test_no_sandbox_module_imports_the_project():
    offenders = []
    for path in sorted((ROOT / "sandbox").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            offenders += [
                f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in ("procurement_spiders", "tests")
            ]
    assert offenders == []


def test_catalog_cnpjs_have_valid_check_digits():
    for cnpj, _razao, _unidades in catalog.ORGAOS:
        assert normalize_cnpj(cnpj) == cnpj
