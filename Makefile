# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: setup run test lint typecheck unit browser clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m pip check
	touch $(STAMP)

setup: $(STAMP)

## Set up, migrate, load the synthetic demo (once) and serve on http://127.0.0.1:8000
run: setup
	$(BIN)/schakel db upgrade
	$(BIN)/schakel demo --if-empty
	$(BIN)/schakel serve --host $(HOST) --port $(PORT)

lint: setup
	$(BIN)/ruff check schakel tests benchmarks
	$(BIN)/ruff format --check schakel tests benchmarks

typecheck: setup
	$(BIN)/mypy

unit: setup
	bash scripts/ensure-chromium
	$(BIN)/python -m pytest -q

## Set up and run lint, type check and the full test suite (PostgreSQL and browser included)
test: lint typecheck unit

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
