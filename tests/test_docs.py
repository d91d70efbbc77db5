"""The references in ``docs/rules.md`` name code and tests that exist.

The table of rules names, for each rule, the code that applies it (``module.name``) and
the tests that prove it (``tests/<file>.py::<test>``); a rename that forgets the table
fails here instead of leaving a reader to chase a name that is gone.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import verwijsindex

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "docs" / "rules.md"
TEST_REF = re.compile(r"^((?:tests|verwijsindex)/[\w/]+\.py)((?:::\w+)*)(?: \(.*\))?$")
CODE_REF = re.compile(r"^(_?[a-z][a-z_]*)((?:\.\w+)+)$")
MODULES = {m.name for m in pkgutil.iter_modules(verwijsindex.__path__)}


def _quoted() -> list[str]:
    return sorted(set(re.findall(r"`([^`\n]+)`", RULES.read_text(encoding="utf-8"))))


def _defined(path: Path, names: list[str]) -> bool:
    """Whether the chain of class and function *names* is defined in the file at *path*."""
    scope: list[ast.stmt] = ast.parse(path.read_text(encoding="utf-8")).body
    for name in names:
        found = [
            node
            for node in scope
            if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.name == name
        ]
        if not found:
            return False
        scope = found[0].body
    return True


def test_the_rules_table_names_tests_that_exist() -> None:
    refs = [m for q in _quoted() if (m := TEST_REF.match(q)) and "<" not in q]
    assert len(refs) > 100  # the pattern still finds the table's references
    missing = []
    for ref in refs:
        file, chain = ref.group(1), [n for n in ref.group(2).split("::") if n]
        path = ROOT / file if file.startswith("tests/") else ROOT / "src" / file
        if not path.is_file() or not _defined(path, chain):
            missing.append(ref.group(0))
    assert missing == []


def test_the_rules_table_names_code_that_exists() -> None:
    refs = [m for q in _quoted() if (m := CODE_REF.match(q)) and m.group(1) in MODULES]
    assert len(refs) > 50
    missing = []
    for ref in refs:
        target: object = importlib.import_module(f"verwijsindex.{ref.group(1)}")
        for name in ref.group(2).split(".")[1:]:
            if not hasattr(target, name):
                missing.append(ref.group(0))
                break
            target = getattr(target, name)
    assert missing == []


@pytest.mark.parametrize("ref", ["tests/test_docs.py::no_such_test", "clock.no_such_function"])
def test_a_reference_to_nothing_is_found(ref: str) -> None:
    """The checks above can fail: a made-up name of each kind is reported as missing."""
    if (m := TEST_REF.match(ref)) is not None:
        assert not _defined(ROOT / m.group(1), [n for n in m.group(2).split("::") if n])
    else:
        m2 = CODE_REF.match(ref)
        assert m2 is not None
        module = importlib.import_module(f"verwijsindex.{m2.group(1)}")
        assert not hasattr(module, m2.group(2).lstrip("."))
