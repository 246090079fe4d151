# The command list. `make dev` runs the whole system locally; `make test` runs every test.
SHELL := /bin/bash
export SAM_CLI_TELEMETRY := 0
# Lambda runs python3.12: prefer it, fall back to any python3 >= 3.11.
PYTHON ?= $(shell for p in python3.12 python3; do $$p -c 'import sys; assert sys.version_info >= (3, 11)' >/dev/null 2>&1 && echo $$p && break; done)
VENV := .venv
PY := $(VENV)/bin/python
SAM_VENV := .venv-sam
STAMP := $(VENV)/.installed

.PHONY: dev test test-unit test-unit-ahead test-integration test-e2e test-dashboard dashboard chaos bench lint validate build deploy install clean

# The dashboard (Node 20+): its npm packages are installed with the Python ones (one stamp).
DASHBOARD_LOCK := $(wildcard dashboard/package-lock.json)
DASHBOARD_SOURCES := $(shell find dashboard/src dashboard/public -type f 2>/dev/null) \
	$(wildcard dashboard/index.html dashboard/vite.config.ts dashboard/tsconfig.json) $(DASHBOARD_LOCK)

$(STAMP): requirements-dev.txt layers/tradecore/requirements.txt layers/tradecore/pyproject.toml $(DASHBOARD_LOCK)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@if [ -f dashboard/package-lock.json ]; then npm --prefix dashboard ci --no-audit --no-fund; fi
	@touch $(STAMP)

# dashboard/dist, rebuilt only when a source is newer (the local stack and `make deploy` serve it)
dashboard/dist/index.html: $(DASHBOARD_SOURCES) | $(STAMP)
	@if [ -f dashboard/package.json ]; then npm --prefix dashboard run build; fi

dashboard: dashboard/dist/index.html

# the dashboard's API types: the apps' OpenAPI documents (built from the routes, no server) into
# dashboard/src/api/openapi/*.json, then openapi-typescript into src/api/generated/*.d.ts (both committed)
.PHONY: api-types
api-types: $(STAMP)
	PYTHONPATH=functions:layers/tradecore:. $(PY) dashboard/scripts/dump_openapi.py
	npm --prefix dashboard run gen:api

install: $(STAMP)

dev: $(STAMP)
	$(PY) -m devstack

test: $(STAMP) dashboard
	@if [ -f dashboard/package.json ]; then npm --prefix dashboard test; fi
	$(PY) -m pytest

# the dashboard's Vitest unit tests (store, WebSocket client)
test-dashboard: $(STAMP)
	npm --prefix dashboard test

test-unit: $(STAMP)
	$(PY) -m pytest -m unit

# the unit tests with the whole process's clock a year ahead: no test may depend on today's date
test-unit-ahead: $(STAMP)
	TEST_CLOCK_AHEAD_DAYS=365 $(PY) -m pytest -m unit -p no:cacheprovider

test-integration: $(STAMP)
	$(PY) -m pytest -m integration

test-e2e: $(STAMP) dashboard
	$(PY) -m pytest -m e2e

# 100 randomized fault scenarios across the trade flow (`make test` runs 8); CHAOS_SEED=<printed seed> replays a run
chaos: $(STAMP)
	CHAOS_SCENARIOS=$${CHAOS_SCENARIOS:-100} $(PY) -m pytest tests/chaos -m chaos -p no:cacheprovider

bench: $(STAMP)
	$(PY) -m bench

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	PYTHONPATH=functions:layers/tradecore:. $(VENV)/bin/lint-imports --no-cache

$(SAM_VENV)/bin/sam:
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet aws-sam-cli==1.170.0

validate: $(STAMP) $(SAM_VENV)/bin/sam
	$(PY) -m devstack.template.validate template.yaml --sam $(SAM_VENV)/bin/sam

# `sam build` needs python3.12 on PATH (with pyenv: PYENV_VERSION=3.12.1 make build).
build: $(SAM_VENV)/bin/sam
	$(SAM_VENV)/bin/sam build

# the stack, then the dashboard: dist to the bucket, config.js from the stack's outputs, invalidation
deploy: build dashboard
	$(SAM_VENV)/bin/sam deploy
	$(PY) -m devstack.deploy_dashboard

clean:
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache
