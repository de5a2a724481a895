# jobs-metrics toolkit. `make` (or `make help`) lists every target.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# knob: interpreter that creates .venv (3.11: the lock and the generators are pinned for it)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
SPEC := openapi/jobs-metrics.openapi.yaml
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
export PATH := $(CURDIR)/$(BIN):$(CURDIR)/node_modules/.bin:$(PATH)
# Python's bytecode cache on, whatever the environment says: a test run starts dozens of
# interpreters (servers, the CLI, schemathesis, tool children) and, without __pycache__
# (gitignored), each compiles every module it imports again.
unexport PYTHONDONTWRITEBYTECODE

# Knobs (see README). The fuzz identities go to the harness through the environment, never
# on a command line that make would echo into a CI log.
# knob: serve: port (empty: the command's default, jobs-metrics serve --help)
PORT ?=
# knob: fuzz: server to check (empty: a fresh reference server with demo data)
BASE_URL ?=
# knob: fuzz: token of PROJECT_ID (required with BASE_URL)
AUTH_TOKEN ?=
# knob: fuzz: project of the token; load: project that owns the jobs
PROJECT_ID ?=
# knob: fuzz: job IDs known to exist in PROJECT_ID, e.g. 1-600,900
JOB_IDS ?=
# knob: fuzz: an access key of PROJECT_ID (signs the successor operation; without it, with BASE_URL, that operation is not exercised)
AK ?=
# knob: fuzz: the secret key of AK
SK ?=
# knob: fuzz: a token of another project (isolation checks)
OTHER_AUTH_TOKEN ?=
# knob: fuzz: that other project
OTHER_PROJECT_ID ?=
# knob: fuzz: jobs of the other project
OTHER_JOB_IDS ?=
# knob: fuzz: an access key of the other project
OTHER_AK ?=
# knob: fuzz: the secret key of OTHER_AK
OTHER_SK ?=
# knob: fuzz: 1 makes should rules (hardening beyond the provider's contract) fail the run, not only warn
STRICT ?=
# knob: fuzz: rules you deliberately differ from, e.g. content-encoding-not-identity (reported skipped)
SKIP_RULES ?=
# knob: fuzz: headers every request carries, 'Name: value', one per line (e.g. a gateway's key)
HEADERS ?=
# knob: fuzz: seconds to wait for each answer (empty: the command's default, jobs-metrics fuzz --help)
TIMEOUT ?=
# knob: fuzz: PEM file of the private CA that signed BASE_URL's certificate
CA_BUNDLE ?=
# knob: fuzz: PEM client certificate for mutual TLS (and its key, unless CLIENT_KEY)
CLIENT_CERT ?=
# knob: fuzz: PEM private key of CLIENT_CERT
CLIENT_KEY ?=
# knob: fuzz: 1 skips verifying the server's certificate (a warning is printed)
INSECURE ?=
# knob: fuzz: outgoing proxy for every request, http(s):// or socks5://
PROXY ?=
# knob: fuzz: at most this many requests a second, for every request of the run
RATE_LIMIT ?=
# knob: fuzz: operations to test, e.g. queryJobMetrics (empty: all; the others are not exercised)
OPERATIONS ?=
export BASE_URL AUTH_TOKEN AK SK PROJECT_ID JOB_IDS OTHER_AUTH_TOKEN OTHER_AK OTHER_SK OTHER_PROJECT_ID OTHER_JOB_IDS STRICT SKIP_RULES
# Exported only when set: an empty PROXY in the environment breaks Node tools (Spectral).
$(foreach v,HEADERS TIMEOUT CA_BUNDLE CLIENT_CERT CLIENT_KEY INSECURE PROXY RATE_LIMIT OPERATIONS,$(if $($(v)),$(eval export $(v))))
# knob: fuzz: schemathesis examples per phase (empty: the command's default, jobs-metrics fuzz --help)
MAX_EXAMPLES ?=
# knob: fuzz, fuzz-selftest: random seed (same seed and options, same requests) (empty: a new one, printed)
SEED ?=
# knob: fuzz: positive, negative or all (empty: the command's default)
MODE ?=
# knob: fuzz: schemathesis workers (empty: the command's default)
WORKERS ?=
# knob: diff: the old spec, a git ref or a spec file
BASE ?= HEAD~1
# knob: diff: the new spec, a file (empty: the working tree's openapi/jobs-metrics.openapi.yaml)
HEAD ?=
# knob: diff: text, json (stdout carries only the JSON), markdown (a pull-request comment) or changelog (release notes)
FORMAT ?= text
# knob: diff: YAML list of accepted changes, each {rule, pointer, reason, expires: YYYY-MM-DD}: listed as waived, not counted
WAIVERS ?=
# knob: diff: possibly-breaking also fails on possibly breaking changes (empty: breaking, the versioning policy)
FAIL_ON ?=
# knob: load: metrics file (the 200 answer's shape)
FILE ?=
# knob: serve, load: database (empty: the command's default, jobs-metrics serve --help)
DB ?=
# knob: serve, load: more options (jobs-metrics serve --help)
ARGS ?=
# knob: test-wheels: interpreters to install the wheels on
PYTHONS ?= python3.11 python3.12 python3.13
# knob: lint-spec: the OpenAPI documents to lint, the API's and the stand-in's control API (SPEC=file: that one only)
SPECS ?= openapi/jobs-metrics.openapi.yaml openapi/stand-in.openapi.yaml

.PHONY: help setup lock generate generate-models generate-client check-generated lint-spec lint \
        system-packages test test-slow test-wheels check serve load fuzz fuzz-selftest diff diff-rules docs bench dist clean clean-data

help: ## List the targets and the knobs (make fuzz BASE_URL=... AUTH_TOKEN=...)
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[1m%-16s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "knobs (NAME=value on the command line):"
	@awk '/^# knob: / {doc = substr($$0, 9); next} doc != "" && /^[A-Z_]+ \?=/ {name = $$1; value = $$0; sub(/^[A-Z_]+ \?= ?/, "", value); shown = value != "" ? " (default: " value ")" : doc ~ /\(empty: / ? "" : " (default: none)"; printf "  \033[1m%-16s\033[0m %s%s\n", name, doc, shown} {doc = ""}' $(MAKEFILE_LIST)

$(PY_STAMP): requirements.lock pyproject.toml generated/jobs-metrics-models/pyproject.toml generated/jobs-metrics-client/pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
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
		--generate-hashes --find-links build/lock-wheels --no-emit-package jobs-metrics-models -o requirements.lock

generate: generate-models generate-client ## Regenerate models and client into generated/

generate-models: $(PY_STAMP) ## Regenerate the pydantic models (datamodel-code-generator)
	$(PY) -m scripts.generate models

generate-client: $(PY_STAMP) ## Regenerate the client package (openapi-python-client)
	$(PY) -m scripts.generate client

check-generated: $(PY_STAMP) ## Fail with a diff when generated/ is stale
	$(PY) -m scripts.check_generated

lint-spec: setup ## Lint the specs (SPECS; SPEC=file: one): openapi-spec-validator, Spectral, Redocly
	@status=0; for spec in $(if $(filter command line,$(origin SPEC)),$(SPEC),$(SPECS)); do \
	  echo "$(PY) -m scripts.lint_spec $$spec"; $(PY) -m scripts.lint_spec "$$spec" || status=1; \
	done; exit $$status

lint: $(PY_STAMP) ## ruff and mypy on our code; mypy --strict on generated code
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy reference_server fuzz_harness fuzz_selftest specdiff jobs_metrics_cli jobs_metrics_spec jobs_metrics_stand_in scripts bench tests
	$(BIN)/mypy --config-file mypy-generated.ini generated/jobs-metrics-models/jobs_metrics_models generated/jobs-metrics-client/jobs_metrics_client

# --dist loadfile: a test file runs on one worker, so its module fixtures (the Spectral and
# the Redocly run over the broken copies of the spec) start once, not once per worker.
test: setup ## Run the test suite (what CI runs), without the slow marker; tests needing wrk or chromium are skipped, with the install command, where they are missing (never under CI)
	$(BIN)/pytest -m "not slow" -n 2 --dist loadfile

test-slow: setup ## Run only the slow tests: on two cores, then the ones that measure load (the 60 s wrk run, the 1,100-client siege) alone
	$(BIN)/pytest -m "slow and not load" -n 2
	$(BIN)/pytest -m "slow and load"

check: setup lint lint-spec check-generated test ## lint, lint-spec, check-generated, test (CI adds diff, test-slow, test-wheels)

serve: $(PY_STAMP) ## Run the reference server with demo data, on 127.0.0.1 (knobs: PORT DB; ARGS: more options; each option and its default: `jobs-metrics serve --help`)
	$(BIN)/jobs-metrics serve $(if $(PORT),--port $(PORT)) $(if $(DB),--db "$(DB)") $(ARGS)

load: $(PY_STAMP) ## Import FILE=metrics.json into PROJECT_ID's jobs (response shape; ARGS: e.g. --max-bytes N)
	@$(if $(FILE),,echo "make load: give FILE=<metrics file> and PROJECT_ID=<its project> (jobs-metrics load --help)" >&2; exit 2)
	@$(if $(PROJECT_ID),,echo "make load: give PROJECT_ID=<the project that owns the jobs of $(FILE)>" >&2; exit 2)
	$(BIN)/jobs-metrics load "$(FILE)" --project-id "$(PROJECT_ID)" $(if $(DB),--db "$(DB)") $(ARGS)

fuzz: $(PY_STAMP) ## Check BASE_URL against every rule of the spec (knobs: AUTH_TOKEN AK SK PROJECT_ID JOB_IDS OTHER_AUTH_TOKEN OTHER_AK OTHER_SK OTHER_PROJECT_ID OTHER_JOB_IDS MAX_EXAMPLES SEED MODE WORKERS STRICT SKIP_RULES HEADERS TIMEOUT CA_BUNDLE CLIENT_CERT CLIENT_KEY INSECURE PROXY RATE_LIMIT OPERATIONS); reports/fuzz/ holds conformance.md, .json and junit.xml (one test case per rule); prints the harness exit (0 conforms, 1 violations, 2 could not test)
	@$(BIN)/jobs-metrics fuzz $(if $(MAX_EXAMPLES),--max-examples $(MAX_EXAMPLES)) $(if $(MODE),--mode $(MODE)) \
		$(if $(WORKERS),--workers $(WORKERS)) $(if $(SEED),--seed $(SEED)) \
		|| { code=$$?; echo "make fuzz: exit $$code"; exit $$code; }

fuzz-selftest: $(PY_STAMP) ## Prove the harness fails every fault-injected server and passes the real one
	$(PY) -m fuzz_selftest $(if $(SEED),--seed $(SEED))

diff: ## Classify spec changes from BASE to HEAD (exit 1: breaking without a major bump, or FAIL_ON; WAIVERS: accepted ones); JUnit in reports/, Markdown appended to GITHUB_STEP_SUMMARY when set, annotations in GitHub Actions
	@# stdout is the report alone (FORMAT=json pipes into jq): the venv's setup, when it runs, says so on stderr
	@$(MAKE) --no-print-directory --silent $(PY_STAMP) >&2
	@$(BIN)/jobs-metrics diff --base $(BASE) $(if $(HEAD),--head $(HEAD)) --format $(FORMAT) \
		$(if $(WAIVERS),--waivers "$(WAIVERS)") $(if $(FAIL_ON),--fail-on $(FAIL_ON)) \
		--junit reports/specdiff.xml $(if $(GITHUB_STEP_SUMMARY),--summary "$(GITHUB_STEP_SUMMARY)")

diff-rules: $(PY_STAMP) ## Print the rule catalogue of make diff (rule, what changed, impact on clients and servers)
	$(BIN)/jobs-metrics diff --rules

system-packages: ## Install wrk and chromium (Debian) if missing: as root or with passwordless sudo, else print the one command to run
	@bash scripts/install_system_packages.sh

docs: setup system-packages ## Build the offline HTML reference into build/docs/
	$(PY) -m scripts.build_docs

bench: setup system-packages ## Benchmarks vs named peers; writes bench/results/
	$(PY) -m bench

dist: $(PY_STAMP) ## Build the models, client and toolkit wheels into dist/ (models and client carry the spec's info.version)
	rm -rf dist build/lib build/bdist.*  # setuptools never removes a file from build/lib
	for project in generated/jobs-metrics-models generated/jobs-metrics-client .; do \
		$(PY) -m build --wheel --no-isolation --outdir dist $$project || exit 1; done

test-wheels: dist ## In a fresh venv per PYTHONS: install the wheels beside another pydantic minor, run the README snippet and `jobs-metrics fuzz` against `jobs-metrics serve`
	$(PY) -m scripts.check_wheels $(PYTHONS)

clean: ## Remove the venv, node_modules, caches, reports and build output (never data/: see clean-data)
	rm -rf $(VENV) node_modules build dist reports .pytest_cache .mypy_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

clean-data: ## Delete the reference server's database under data/ (what `make load` imported too)
	rm -rf data
