"""The policy-simulation notebook runs, top to bottom, and draws its plots."""

from __future__ import annotations

import importlib
import json
import os
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).parent.parent / "docs" / "notebooks" / "policy-simulation.ipynb"


def test_the_notebook_is_committed_without_outputs() -> None:
    data = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [cell for cell in data["cells"] if cell["cell_type"] == "code"]
    assert code
    for cell in code:
        assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.mark.slow
def test_the_notebook_executes_and_draws_its_plots(monkeypatch: pytest.MonkeyPatch) -> None:
    # The dev extra installs these: a missing one fails here rather than skipping.
    nbclient = importlib.import_module("nbclient")
    nbformat = importlib.import_module("nbformat")
    for needed in ("ipykernel", "matplotlib", "pandas"):
        importlib.import_module(needed)
    # A kernel from this interpreter (ipykernel's own spec), the Agg backend underneath.
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=240,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 5  # information, matches, time to match, lifecycle, matches
    tables = [o for o in outputs if "text/html" in o.get("data", {})]
    assert len(tables) == 3
    assert os.environ["MPLBACKEND"] == "Agg"
