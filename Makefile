# The two commands of the README: `make run` and `make test`. Everything installs into .venv from the
# pinned lock files (requirements.txt, requirements-dev.txt), so a fresh clone needs only python3 >= 3.11.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
RUNTIME_STAMP := $(VENV)/.runtime-$(shell cat requirements.txt pyproject.toml | sha1sum | cut -c1-12)
DEV_STAMP := $(VENV)/.dev-$(shell cat requirements-dev.txt pyproject.toml | sha1sum | cut -c1-12)

.PHONY: run test lint fmt lock bench fuzz install dev clean

CODE := src tests $(wildcard bench)

$(BIN)/uv:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python >= 3.11 is required"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q uv==$(UV_VERSION)

$(RUNTIME_STAMP): $(BIN)/uv requirements.txt pyproject.toml
	$(BIN)/uv pip install --python $(BIN)/python -q -r requirements.txt
	$(BIN)/uv pip install --python $(BIN)/python -q --no-deps -e .
	touch $@

$(DEV_STAMP): $(BIN)/uv requirements-dev.txt pyproject.toml
	$(BIN)/uv pip install --python $(BIN)/python -q -r requirements-dev.txt
	$(BIN)/uv pip install --python $(BIN)/python -q --no-deps -e .
	touch $@ $(RUNTIME_STAMP)

install: $(RUNTIME_STAMP)
dev: $(DEV_STAMP)

## run: install, then serve on 127.0.0.1:8000 with SQLite in ./vwed-data (VWED_* variables apply)
run: install
	$(BIN)/vwed serve

## test: install dev tools, lint and type-check, then the whole test suite
test: dev lint
	$(BIN)/pytest -q

lint: dev
	$(BIN)/ruff check $(CODE)
	$(BIN)/ruff format --check $(CODE)
	$(BIN)/mypy --strict src/vwed
	$(BIN)/lint-imports

fmt: dev
	$(BIN)/ruff check --fix $(CODE)
	$(BIN)/ruff format $(CODE)

## lock: re-pin every dependency after editing pyproject.toml
lock: $(BIN)/uv
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 -q -o requirements.txt
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -q -o requirements-dev.txt

## bench: every benchmark; each prints its figures next to a baseline measured in the same run
BENCHES := custom_route execute_function ws_fanout scheduler task_runs notify_render
bench: dev
	@for b in $(BENCHES); do echo "== bench/$$b.py"; $(BIN)/python bench/$$b.py || exit 1; done

## fuzz: schemathesis over every operation of a live `vwed serve` on loopback (bounded; see tests/fuzz/run.py)
fuzz: dev
	$(BIN)/python -m tests.fuzz.run

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
