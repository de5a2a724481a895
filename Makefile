# jobs-metrics toolkit. `make` (or `make help`) lists every target.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
SPEC := openapi/jobs-metrics.openapi.yaml
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
export PATH := $(CURDIR)/$(BIN):$(CURDIR)/node_modules/.bin:$(PATH)

# Knobs (see README). The fuzz identities go to the harness through the environment, never
# on a command line that make would echo into a CI log.
PORT ?= 8080
BASE_URL ?=
AUTH_TOKEN ?=
PROJECT_ID ?=
JOB_IDS ?=
OTHER_AUTH_TOKEN ?=
OTHER_PROJECT_ID ?=
OTHER_JOB_IDS ?=
export BASE_URL AUTH_TOKEN PROJECT_ID JOB_IDS OTHER_AUTH_TOKEN OTHER_PROJECT_ID OTHER_JOB_IDS
MAX_EXAMPLES ?= 100
SEED ?=
MODE ?= all
WORKERS ?= 1
BASE ?= HEAD~1
FORMAT ?= text
FILE ?=
DB ?= data/reference.sqlite3
ARGS ?=
PYTHONS ?= python3.12 python3.13

.PHONY: help setup lock generate generate-models generate-client check-generated lint-spec lint \
        test test-slow test-wheels check serve load fuzz fuzz-selftest diff docs bench dist clean clean-data

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[1m%-16s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(PY_STAMP): requirements.lock pyproject.toml generated/jobs-metrics-models/pyproject.toml generated/jobs-metrics-client/pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation \
		-e generated/jobs-metrics-models -e generated/jobs-metrics-client -e .
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(PY_STAMP) $(NODE_STAMP) ## Create .venv from the lock and node_modules from package-lock (idempotent)

lock: $(PY_STAMP) ## Re-pin requirements.lock from pyproject.toml (needs the registry)
	@# The toolkit depends on the models wheel of this repository: built first, found locally.
	rm -rf build/lock-wheels
	$(PY) -m build --wheel --no-isolation --outdir build/lock-wheels generated/jobs-metrics-models
	$(PY) -m uv pip compile pyproject.toml --extra dev --extra bench --universal --python-version 3.11 --quiet \
		--find-links build/lock-wheels --no-emit-package jobs-metrics-models -o requirements.lock

generate: generate-models generate-client ## Regenerate models and client into generated/

generate-models: $(PY_STAMP) ## Regenerate the pydantic models (datamodel-code-generator)
	$(PY) scripts/generate.py models

generate-client: $(PY_STAMP) ## Regenerate the client package (openapi-python-client)
	$(PY) scripts/generate.py client

check-generated: $(PY_STAMP) ## Fail with a diff when generated/ is stale
	$(PY) scripts/check_generated.py

lint-spec: setup ## Lint the spec: openapi-spec-validator, Spectral, Redocly
	$(PY) scripts/lint_spec.py $(SPEC)

lint: $(PY_STAMP) ## ruff and mypy on our code; mypy --strict on generated code
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy reference_server fuzz_harness specdiff jobs_metrics_cli openapi scripts bench tests
	$(BIN)/mypy --config-file mypy-generated.ini generated/jobs-metrics-models/jobs_metrics_models generated/jobs-metrics-client/jobs_metrics_client

test: setup ## Run the test suite (what CI runs), without the slow marker
	$(BIN)/pytest -m "not slow" -n 2 --dist loadgroup

test-slow: setup ## Run only the slow tests (long fuzzing, load)
	$(BIN)/pytest -m slow

check: setup lint lint-spec check-generated test ## lint, lint-spec, check-generated, test (CI adds test-slow, diff, dist)

serve: $(PY_STAMP) ## Run the reference server on 127.0.0.1:$(PORT) with demo data (ARGS: more options, see `jobs-metrics serve --help`)
	$(BIN)/jobs-metrics serve --host 127.0.0.1 --port $(PORT) --db $(DB) $(ARGS)

load: $(PY_STAMP) ## Import FILE=metrics.json into PROJECT_ID's jobs (response shape; ARGS: e.g. --max-bytes N)
	$(BIN)/jobs-metrics load "$(FILE)" --project-id "$(PROJECT_ID)" --db "$(DB)" $(ARGS)

fuzz: $(PY_STAMP) ## Check BASE_URL against every rule of the spec (knobs: AUTH_TOKEN PROJECT_ID JOB_IDS OTHER_AUTH_TOKEN OTHER_PROJECT_ID OTHER_JOB_IDS MAX_EXAMPLES SEED MODE WORKERS); prints the harness exit (0 conforms, 1 violations, 2 could not test)
	@$(BIN)/jobs-metrics fuzz --max-examples $(MAX_EXAMPLES) --mode $(MODE) --workers $(WORKERS) $(if $(SEED),--seed $(SEED)) \
		|| { code=$$?; echo "make fuzz: exit $$code"; exit $$code; }

fuzz-selftest: $(PY_STAMP) ## Prove the harness fails every fault-injected server and passes the real one
	$(PY) -m fuzz_harness selftest $(if $(SEED),--seed $(SEED))

diff: setup ## Classify spec changes since BASE (default HEAD~1); FORMAT=text|json
	$(BIN)/jobs-metrics diff --base $(BASE) --format $(FORMAT) --junit reports/specdiff.xml

docs: setup ## Build the offline HTML reference into build/docs/
	$(PY) scripts/build_docs.py

bench: setup ## Benchmarks vs named peers; writes bench/results/
	$(PY) -m bench

dist: $(PY_STAMP) ## Build the models, client and toolkit wheels into dist/ (models and client carry the spec's info.version)
	rm -rf dist
	for project in generated/jobs-metrics-models generated/jobs-metrics-client .; do \
		$(PY) -m build --wheel --no-isolation --outdir dist $$project || exit 1; done

test-wheels: dist ## In a fresh venv per PYTHONS (default python3.12 python3.13): install the wheels, run the README snippet and `jobs-metrics fuzz` against `jobs-metrics serve`
	$(PY) scripts/check_wheels.py $(PYTHONS)

clean: ## Remove the venv, node_modules, caches, reports and build output (never data/: see clean-data)
	rm -rf $(VENV) node_modules build dist reports .pytest_cache .mypy_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

clean-data: ## Delete the reference server's database under data/ (what `make load` imported too)
	rm -rf data
