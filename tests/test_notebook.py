"""The policy-simulation notebook is committed executed, with its outputs and plots; each
plot's caption names its run (area and youths, years, seed and replications, scenarios) and
says what the whiskers are; and running it again gives the outputs that are committed.

After a change to the notebook or to the simulation, execute and save it again with::

    .venv/bin/python -m tests.test_notebook

It runs in about half a minute, with fixed seeds, and keeps no timings, kernel ids or
versions, so saving it again without a change gives no diff.
"""

from __future__ import annotations

import ast
import base64
import importlib
import json
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

NOTEBOOK = Path(__file__).parent.parent / "docs" / "notebooks" / "policy-simulation.ipynb"

#: The figures the notebook draws, in order: (plot function, the rows it draws).
FIGURES = [
    ("plot_information", "policies"),
    ("plot_matches", "rules"),
    ("plot_time_to_match", "rules"),
    ("plot_lifecycle", "periods"),
    ("plot_matches", "periods"),
]
TABLES = 3  # one per comparison

#: A kernel from this interpreter (ipykernel's own spec), the Agg backend underneath.
ENVIRONMENT = {
    "JUPYTER_PLATFORM_DIRS": "1",
    "MPLBACKEND": "Agg",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}

PNG = b"\x89PNG\r\n\x1a\n"
_PLOT_CALL = re.compile(r"^(plot_\w+)\((\w+)\)$")


def _committed() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    return data


def _code(notebook: Mapping[str, Any]) -> list[Any]:
    return [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]


def _source(cell: Mapping[str, Any]) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def _plot_call(cell: Mapping[str, Any]) -> tuple[str, str] | None:
    """(function, rows) when the cell ends in a call ``plot_…(rows)``, else None."""
    lines = _source(cell).strip().splitlines()
    found = _PLOT_CALL.match(lines[-1].strip()) if lines else None
    return (found[1], found[2]) if found else None


def _parameters(notebook: Mapping[str, Any]) -> dict[str, Any]:
    """The upper-case constants the notebook's code sets (SEED, YEARS, ...)."""
    out: dict[str, Any] = {}
    for cell in _code(notebook):
        source = "\n".join(
            line for line in _source(cell).splitlines() if not line.lstrip().startswith("%")
        )
        for node in ast.parse(source).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                if isinstance(target, ast.Name) and target.id.isupper():
                    out[target.id] = ast.literal_eval(node.value)
    return out


def _text_outputs(notebook: Mapping[str, Any]) -> list[list[str]]:
    """Per code cell, its text outputs (plain text, HTML, printed): what a change shows."""
    out = []
    for cell in _code(notebook):
        texts = []
        for output in cell["outputs"]:
            data = output.get("data", {})
            for kind in ("text/plain", "text/html"):
                if kind in data:
                    value = data[kind]
                    texts.append(value if isinstance(value, str) else "".join(value))
            if output["output_type"] == "stream":
                text = output["text"]
                texts.append(text if isinstance(text, str) else "".join(text))
        out.append(texts)
    return out


def assert_names_its_run(
    caption: str, *, youths: int, years: int, seed: int, replications: int, scenarios: list[str]
) -> None:
    """The caption of a notebook plot names the whole run and explains the whiskers."""
    flat = " ".join(caption.split())  # the caption is wrapped to the figure's width
    assert "Zuid-Limburg" in flat, caption
    assert f"{youths:,} youths under 23" in flat, caption
    assert f"; {years} year{'' if years == 1 else 's'};" in flat, caption
    assert f"seed {seed}, {replications} replications" in flat, caption
    for name in scenarios:
        assert name in flat, (name, caption)
    assert f"mean over the {replications} replications" in flat, caption
    assert "whiskers: min to max over the replications" in flat, caption


# --- what is committed ---------------------------------------------------------------------------


def test_the_notebook_is_committed_with_its_outputs() -> None:
    notebook = _committed()
    code = _code(notebook)
    assert code
    assert [cell["execution_count"] for cell in code] == list(range(1, len(code) + 1))
    figures = []
    for cell in code:
        assert cell["outputs"], _source(cell)
        for output in cell["outputs"]:
            assert output["output_type"] in ("execute_result", "display_data"), output
            data = output["data"]
            images = [kind for kind in data if kind.startswith("image/")]
            if images:
                # a figure is a PNG (with its plain-text stand-in), nothing else
                assert images == ["image/png"] and set(data) == {"image/png", "text/plain"}
                assert base64.b64decode(data["image/png"]).startswith(PNG)
                assert "<Figure size" in "".join(data["text/plain"])
                figures.append(_plot_call(cell))
    assert figures == FIGURES
    tables = [o for cell in code for o in cell["outputs"] if "text/html" in o.get("data", {})]
    assert len(tables) == TABLES
    # nothing volatile: no timings, kernel ids or versions, so saving again gives no diff
    assert notebook["metadata"] == {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for cell in notebook["cells"]:
        assert cell["metadata"] == {}, cell["metadata"]


def test_the_notebook_plots_name_their_run() -> None:
    """The notebook's own code, on a tiny population: each plot's caption names the run."""
    importlib.import_module("pandas")
    figure_class = importlib.import_module("matplotlib.figure").Figure
    notebook = _committed()
    parameters = _parameters(notebook)
    names: dict[str, Any] = {}
    drawn: list[tuple[tuple[str, str] | None, Any]] = []
    for cell in _code(notebook):
        source = "\n".join(
            line for line in _source(cell).splitlines() if not line.lstrip().startswith("%")
        )
        source = re.sub(r"^FRACTION = .*$", "FRACTION = 0.003", source, flags=re.MULTILINE)
        tree = ast.parse(source)
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, "<notebook>", "exec"), names)  # noqa: S102 - the notebook's own code
        if isinstance(last, ast.Expr):
            shown = compile(ast.Expression(last.value), "<notebook>", "eval")
            value = eval(shown, names)  # noqa: S307 - the notebook's own code
            if isinstance(value, figure_class):
                drawn.append((_plot_call(cell), value))
    assert [call for call, _ in drawn] == FIGURES
    assert names["FRACTION"] == 0.003
    for call, figure in drawn:
        assert call is not None
        rows = names[call[1]]
        assert figure.get_suptitle()
        assert_names_its_run(
            figure.get_supxlabel(),
            youths=names["population"].at_start,
            years=parameters["YEARS"],
            seed=parameters["SEED"],
            replications=parameters["REPLICATIONS"],
            scenarios=list(dict.fromkeys(rows.column("scenario"))),
        )


# --- running it again ----------------------------------------------------------------------------


@contextmanager
def _environment() -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in ENVIRONMENT}
    os.environ.update(ENVIRONMENT)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def execute(notebook: Any, *, timeout: int = 240) -> None:
    """Execute *notebook* in place on a python3 kernel of this interpreter, and strip what
    changes from run to run (timings, kernel ids, versions)."""
    nbclient = importlib.import_module("nbclient")
    # The dev extra installs these: a missing one fails here rather than skipping.
    for needed in ("ipykernel", "matplotlib", "pandas"):
        importlib.import_module(needed)
    client = nbclient.NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    with _environment():
        client.execute()
    notebook.metadata["language_info"] = {"name": "python"}
    for cell in notebook.cells:
        for volatile in ("execution", "collapsed", "scrolled"):
            cell.metadata.pop(volatile, None)


#: Appended to the notebook when a test executes it: the captions of the figures it drew
#: (IPython keeps each cell's result in Out) and the run they should name.
PROBE = """
import json
from matplotlib.figure import Figure
print(json.dumps({
    "figures": [[n, f.get_suptitle(), f.get_supxlabel()]
                for n, f in sorted(Out.items()) if isinstance(f, Figure)],
    "scenarios": {name: list(dict.fromkeys(globals()[name].column("scenario")))
                  for name in NAMES},
    "youths": population.at_start,
}))
"""


@pytest.mark.slow
def test_the_notebook_executes_and_gives_the_committed_outputs() -> None:
    nbformat = importlib.import_module("nbformat")
    committed = _committed()
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    rows_names = sorted({rows for _, rows in FIGURES})
    notebook.cells.append(
        nbformat.v4.new_code_cell(PROBE.replace("NAMES", repr(rows_names)), id="probe")
    )
    execute(notebook)
    probe = notebook.cells.pop()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == len(FIGURES)
    tables = [o for o in outputs if "text/html" in o.get("data", {})]
    assert len(tables) == TABLES

    # each figure drawn names the notebook's run and explains its whiskers
    seen = json.loads("".join(o.text for o in probe.outputs if o.output_type == "stream"))
    parameters = _parameters(committed)
    by_count = {cell.execution_count: _plot_call(cell) for cell in _code(notebook)}
    assert [by_count[n] for n, _, _ in seen["figures"]] == FIGURES
    for n, title, caption in seen["figures"]:
        call = by_count[n]
        assert call is not None and title
        assert_names_its_run(
            caption,
            youths=seen["youths"],
            years=parameters["YEARS"],
            seed=parameters["SEED"],
            replications=parameters["REPLICATIONS"],
            scenarios=seen["scenarios"][call[1]],
        )

    # and the committed notebook is this run's: the same counts, tables and figures
    assert _text_outputs(notebook) == _text_outputs(committed), (
        "the committed notebook is not this code's run: save it again with "
        "`.venv/bin/python -m tests.test_notebook`"
    )


def save() -> None:
    """Execute the notebook and save it with its outputs."""
    nbformat = importlib.import_module("nbformat")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    execute(notebook)
    nbformat.write(notebook, NOTEBOOK)


if __name__ == "__main__":
    save()
