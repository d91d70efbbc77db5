# The two commands of the README: `make demo` and `make test`. Both set up .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: demo test fast lint typecheck pytest bench bench-quick clean

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

test: lint typecheck pytest bench-quick

bench: $(STAMP_DEV)
	$(BIN)/python -m benchmarks

bench-quick: $(STAMP_DEV)
	$(BIN)/python -m benchmarks --quick

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis .coverage verwijsindex-demo.db*
