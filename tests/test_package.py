"""The package as a user gets it, and the documentation as a reader gets it.

The wheel is built from the sdist (as a packager would), installed alone into a fresh
virtual environment with its dependencies from the package index, and run there: the
command, the demo, and an import of every public module. A file left out of the wheel, a
dependency left out of ``pyproject.toml`` or an import of a development tool fails here,
where the editable install of ``.venv`` would hide it.

The API reference is built by ``make docs`` with ``mkdocs build --strict``; here a copy of
the docs is broken on purpose, to show that the strict build fails on a reference to an
object that does not exist, on a link to a page that does not exist, and on a Sphinx role
in a docstring that names nothing.
"""

from __future__ import annotations

import email
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

import verwijsindex

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
VERSION = PYPROJECT["project"]["version"]
LICENSE = (ROOT / "LICENSE").read_bytes()
MKDOCS = Path(sys.executable).parent / "mkdocs"


def _public_modules() -> list[str]:
    """Every module of the source tree that no part of its name marks internal."""
    src = ROOT / "src"
    names = {
        ".".join(path.relative_to(src).with_suffix("").parts).removesuffix(".__init__")
        for path in (src / "verwijsindex").rglob("*.py")
    }
    return sorted(n for n in names if not any(p.startswith("_") for p in n.split(".")))


PUBLIC_MODULES = _public_modules()


def _run(*args: str | Path, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_the_version_is_the_one_of_pyproject() -> None:
    assert verwijsindex.__version__ == VERSION


def test_the_public_modules_are_the_ones_expected() -> None:
    """The list the wheel test imports and the reference covers is found, not typed in."""
    assert {"verwijsindex.index", "verwijsindex.storage.sqlite", "verwijsindex.testing"} <= set(
        PUBLIC_MODULES
    )
    assert not [m for m in PUBLIC_MODULES if "._" in m or m.endswith("__main__")]


def test_every_public_module_has_a_reference_page_in_the_nav() -> None:
    """The package itself is on docs/api.md; each module under it has a page of its own."""
    modules = [m for m in PUBLIC_MODULES if m != "verwijsindex"]
    reference = ROOT / "docs" / "reference"
    pages = sorted(p.stem for p in reference.glob("verwijsindex.*.md"))
    assert pages == modules, "add or remove the module's page in docs/reference/ and mkdocs.yml"
    for module in modules:
        assert f"::: {module}\n" in (reference / f"{module}.md").read_text(encoding="utf-8")
    nav = re.findall(r"reference/(verwijsindex\.[\w.]+)\.md", (ROOT / "mkdocs.yml").read_text())
    assert sorted(nav) == modules
    assert "::: verwijsindex\n" in (ROOT / "docs" / "api.md").read_text(encoding="utf-8")


@pytest.mark.slow
def test_the_wheel_installs_alone_and_runs(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    built = _run(sys.executable, "-m", "build", "--outdir", dist, ROOT, cwd=tmp_path)
    assert built.returncode == 0, built.stdout + built.stderr
    (sdist,) = dist.glob("verwijsindex-*.tar.gz")
    (wheel,) = dist.glob("verwijsindex-*-py3-none-any.whl")
    assert sdist.name == f"verwijsindex-{VERSION}.tar.gz"
    assert wheel.name == f"verwijsindex-{VERSION}-py3-none-any.whl"

    with tarfile.open(sdist) as archive:
        names = set(archive.getnames())
        member = archive.extractfile(f"verwijsindex-{VERSION}/LICENSE")
        assert member is not None
        assert member.read() == LICENSE
    assert f"verwijsindex-{VERSION}/src/verwijsindex/py.typed" in names
    assert not [n for n in names if "/." in n and not n.endswith("/.gitignore")], "no caches"

    dist_info = f"verwijsindex-{VERSION}.dist-info"
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read(f"{dist_info}/licenses/LICENSE") == LICENSE
        assert "verwijsindex/data/zuid-limburg.toml" in archive.namelist()
        metadata = email.message_from_bytes(archive.read(f"{dist_info}/METADATA"))
    assert metadata["Version"] == VERSION
    assert metadata["License-Expression"] == "EUPL-1.2"
    assert metadata.get_all("License-File") == ["LICENSE"]
    labels = {url.split(",")[0] for url in metadata.get_all("Project-URL") or []}
    assert labels == {"Homepage", "Documentation", "Source", "Issues", "Changelog"}

    env = tmp_path / "env"
    venv.EnvBuilder(with_pip=True).create(env)
    bin_dir = env / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / "python"
    installed = _run(python, "-m", "pip", "install", "--quiet", wheel, cwd=tmp_path)
    assert installed.returncode == 0, installed.stdout + installed.stderr

    version = _run(bin_dir / "verwijsindex", "--version", cwd=tmp_path)
    assert version.returncode == 0, version.stderr
    assert version.stdout.split() == ["verwijsindex", VERSION]

    demo = _run(bin_dir / "verwijsindex", "demo", "--store", "memory://", cwd=tmp_path)
    assert demo.returncode == 0, demo.stdout + demo.stderr

    imports = "\n".join(f"import {m}" for m in PUBLIC_MODULES)
    check = (
        f"{imports}\n"
        "import pathlib, verwijsindex\n"
        f"assert verwijsindex.__version__ == {VERSION!r}, verwijsindex.__version__\n"
        f"assert pathlib.Path(verwijsindex.__file__).is_relative_to({str(env)!r})\n"
    )
    imported = _run(python, "-c", check, cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr


@pytest.mark.slow
def test_the_strict_docs_build_fails_on_a_broken_reference(tmp_path: Path) -> None:
    for name in ("docs", "src", "examples"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    with (tmp_path / "docs" / "api.md").open("a", encoding="utf-8") as page:
        page.write(
            "\nSee [a thing][verwijsindex.index.NoSuchThing] and [a page](no-such-page.md).\n"
        )
    module = tmp_path / "src" / "verwijsindex" / "cbs_code.py"
    source = module.read_text(encoding="utf-8")
    roles = "See :class:`~verwijsindex.model.NoSuchModel` and :func:`nothing`.\n\n"
    module.write_text(source.replace('"""', '"""' + roles, 1), encoding="utf-8")

    built = _run(MKDOCS, "build", "--strict", "--config-file", "mkdocs.yml", cwd=tmp_path)

    assert built.returncode != 0
    warnings = [line for line in built.stderr.splitlines() if line.startswith("WARNING")]
    probes = (
        "'verwijsindex.index.NoSuchThing'",  # a reference on a page
        "'no-such-page.md'",  # a link on a page
        "'verwijsindex.model.NoSuchModel'",  # a role in a docstring, named in full
        "'nothing'",  # a role in a docstring, a bare name found nowhere
    )
    for probe in probes:
        assert [w for w in warnings if probe in w], f"{probe} not reported:\n{built.stderr}"
    assert all(any(p in w for p in probes) for w in warnings), built.stderr
