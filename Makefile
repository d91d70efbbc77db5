# The two commands of the README: `make demo` and `make test`. Both set up .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: demo test fast lint typecheck pytest docs wheel-test bench bench-quick clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(STAMP_RUN)

demo: $(STAMP_RUN)
	$(BIN)/verwijsindex demo --store sqlite:///verwijsindex-demo.db
	$(BIN)/verwijsindex simulate --store sqlite:///verwijsindex-demo.db --replace --years 3

lint: $(STAMP_DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP_DEV)
	$(BIN)/mypy

# The whole suite on both cores, with the coverage floor of pyproject.toml.
pytest: $(STAMP_DEV)
	$(BIN)/pytest -n 2 --cov --cov-report=term

# The edit loop: no PostgreSQL, no slow field tests, no coverage; under a minute.
fast: $(STAMP_DEV)
	$(BIN)/pytest -n 2 -q -m "not postgres and not slow"

# The site with the API reference, in build/site; any warning fails it (a reference, link or
# anchor that leads nowhere, a page left out of the nav).
docs: $(STAMP_DEV)
	$(BIN)/mkdocs build --strict

# The sdist and the wheel built, the wheel installed alone in a fresh virtual environment and
# run there, and the strict docs build shown to fail on a broken reference. `pytest` (so
# `make test`) runs these too.
wheel-test: $(STAMP_DEV)
	$(BIN)/pytest -q tests/test_package.py

test: lint typecheck pytest docs bench-quick

bench: $(STAMP_DEV)
	$(BIN)/python -m benchmarks

bench-quick: $(STAMP_DEV)
	$(BIN)/python -m benchmarks --quick

clean:
	rm -rf $(VENV) build/site .mypy_cache .ruff_cache .pytest_cache .hypothesis .coverage verwijsindex-demo.db*
