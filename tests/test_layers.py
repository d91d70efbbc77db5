"""The layers contract holds, and it fails on an upward import (ARCHITECTURE.md).

``make lint`` runs ``lint-imports`` with the contract in ``pyproject.toml``. This test runs
it on the package as it is (kept), and on a copy where one operation imports the facade,
even only for type checking (broken).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = shutil.which("lint-imports", path=str(Path(sys.executable).parent))


def _lint(src: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "pyproject.toml"
    config.write_text((ROOT / "pyproject.toml").read_text(encoding="utf-8"), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(src)}
    assert LINT is not None
    return subprocess.run(
        [LINT, "--config", str(config), "--no-cache"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.skipif(LINT is None, reason="import-linter is a development dependency")
def test_the_package_keeps_the_layers(tmp_path: Path) -> None:
    done = _lint(ROOT / "src", tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout


@pytest.mark.skipif(LINT is None, reason="import-linter is a development dependency")
def test_an_operation_that_imports_the_facade_breaks_the_contract(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "verwijsindex", src / "verwijsindex")
    signals = src / "verwijsindex" / "signals.py"
    text = signals.read_text(encoding="utf-8")
    upward = (
        "from typing import TYPE_CHECKING\n\n"
        "if TYPE_CHECKING:\n"
        "    from verwijsindex.index import VerwijsIndex  # noqa: F401\n"
    )
    signals.write_text(
        text.replace("import attrs\n", "import attrs\n" + upward, 1), encoding="utf-8"
    )
    done = _lint(src, tmp_path)
    assert done.returncode != 0
    assert "verwijsindex.signals -> verwijsindex.index" in done.stdout
