# The two commands of the README: `make run` and `make test`. Everything installs into .venv from the
# pinned lock files (requirements.txt, requirements-dev.txt), so a fresh clone needs only python3 >= 3.11.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
RUNTIME_STAMP := $(VENV)/.runtime-$(shell cat requirements.txt pyproject.toml | sha1sum | cut -c1-12)
DEV_STAMP := $(VENV)/.dev-$(shell cat requirements-dev.txt pyproject.toml | sha1sum | cut -c1-12)

.PHONY: run test lint fmt lock bench fuzz install dev clean ui ui-test api-client screenshots

# The web UI: built from frontend/ with `npm ci` (the committed lock) into src/vwed/web/ui/, again only
# when a source file changed since the last build (the stamp names a hash of every source file).
UI_SOURCES := $(shell find frontend/src frontend/public -type f 2>/dev/null) frontend/index.html \
	frontend/package.json frontend/package-lock.json frontend/vite.config.ts frontend/tsconfig.app.json \
	frontend/env.d.ts frontend/scripts/bundle-sizes.mjs
UI_STAMP := src/vwed/web/ui/.stamp-$(shell cat $(UI_SOURCES) 2>/dev/null | sha1sum | cut -c1-12)

frontend/node_modules/.package-lock.json: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $@

$(UI_STAMP): frontend/node_modules/.package-lock.json $(UI_SOURCES)
	cd frontend && npm run build
	touch $@

ui: $(UI_STAMP)

## ui-test: type-check the UI (vue-tsc strict) and run its unit tests (vitest)
ui-test: frontend/node_modules/.package-lock.json
	cd frontend && npm run typecheck && npm test

## api-client: regenerate frontend/openapi.json and the TypeScript client types from create_app()
api-client: dev frontend/node_modules/.package-lock.json
	$(BIN)/python -m vwed.web.openapi frontend/openapi.json
	cd frontend && npm run api:types

## screenshots: retake docs/ui/*.png (zh and en, light and dark) with the browser walk-through
screenshots: dev ui
	VWED_SCREENSHOTS=docs/ui $(BIN)/pytest -q tests/e2e/test_ui_walkthrough.py


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

## run: install, build the UI if missing or stale, then serve on 127.0.0.1:8000 with SQLite in ./vwed-data (VWED_* variables apply)
run: install ui
	$(BIN)/vwed serve

## test: install dev tools, lint and type-check, then the whole test suite
test: dev lint ui ui-test
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
BENCHES := custom_route execute_function ws_fanout scheduler task_runs notify_render ui_log_panel
bench: dev ui
	@for b in $(BENCHES); do echo "== bench/$$b.py"; $(BIN)/python bench/$$b.py || exit 1; done

## fuzz: schemathesis over every operation of a live `vwed serve` on loopback (bounded; see tests/fuzz/run.py)
fuzz: dev
	$(BIN)/python -m tests.fuzz.run

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache frontend/node_modules src/vwed/web/ui
