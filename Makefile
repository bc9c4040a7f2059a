# clob-cancel: every target that needs the virtualenv creates it first, so each one works on a
# fresh clone with nothing but Python 3.11+ installed.
.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

SPEC := openapi/clob-cancel.yaml

# Bytecode caches on, even where the machine sets PYTHONDONTWRITEBYTECODE (some containers do):
# the tests start hundreds of Python processes, and without caches each compiles the packages
# (and pytest re-rewrites every test module) from source again. __pycache__/ is git-ignored.
unexport PYTHONDONTWRITEBYTECODE

# One command builds generated/ from the spec. The generator's post-hooks call `ruff`, so the
# venv's bin comes first on PATH (the pinned ruff, never whatever else the machine has).
GENERATE = PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/openapi-python-client generate \
	--path $(SPEC) --config openapi/generator-config.yaml --custom-template-path openapi/templates \
	--meta uv --overwrite --fail-on-warning

.PHONY: help install generate check-generated lint test spec-diff drift

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## create .venv and install the project editable with the dev extra

generate: $(STAMP) ## regenerate generated/ from the spec
	$(GENERATE) --output-path generated >/dev/null
	@echo "generated/ rebuilt from $(SPEC)"

check-generated: $(STAMP) ## fail, naming the files, when generated/ is not what the spec makes
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(GENERATE) --output-path "$$tmp/generated" >"$$tmp/log" 2>&1 || { cat "$$tmp/log"; exit 1; }; \
	if ! diff -r -q -x __pycache__ -x .ruff_cache generated "$$tmp/generated" >"$$tmp/diff"; then \
		echo "generated/ is stale: these files differ from what $(SPEC) generates:"; \
		sed -E -e "s|^Files (.*) and .* differ$$|  \1|" \
			-e "s|^Only in $$tmp/(.*): (.*)$$|  \1/\2 (missing)|" \
			-e "s|^Only in (.*): (.*)$$|  \1/\2 (not generated from the spec)|" "$$tmp/diff"; \
		echo "Run 'make generate' and commit the result."; exit 1; \
	fi; echo "generated/ is up to date with $(SPEC)"

# Spec changes gated (tools/specgate; openapi/README.md says how to read and act on the output).
# BASE: the git ref whose spec the working tree's is compared with; CI passes the merge base.
spec-diff: $(STAMP) ## fail on a spec change that breaks clients or servers since BASE (default HEAD), unless acknowledged
	$(BIN)/python -m tools.specgate diff --base $(or $(BASE),HEAD)

drift: $(STAMP) ## compare the spec with Polymarket's published one (UPSTREAM=file or URL; default: the committed copy)
	$(BIN)/python -m tools.specgate drift $(if $(UPSTREAM),--upstream "$(UPSTREAM)")

lint: $(STAMP) ## validate the spec and its coverage (mock, overlay), ruff, mypy --strict, no private imports across modules
	$(BIN)/openapi-spec-validator $(SPEC)
	$(BIN)/python -m tools.spec_coverage --spec $(SPEC)
	$(BIN)/python -m tools.private_imports overlay/clob_cancel mock/clob_cancel_mock conformance/clob_cancel_conformance
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy overlay mock conformance tests bench examples tools

# Four workers on two cores (TEST_WORKERS=0: one process): most of the tests' wall time is
# servers and processes waiting (429s, heartbeat deadlines, a venv install), so more workers than
# cores keep both cores busy (measured: the tests took 9 min 17 s on 2 workers, 6 min 18 s on 4).
# A file's tests stay on one worker (module fixtures: one mock, one npm install); the broken-server
# runs are split over six files for that. Workers take files heaviest first, in the order of SLOW
# in tests/conftest.py (--no-loadscope-reorder: xdist would order them by their number of tests). test_contract.py runs apart: schemathesis gives all its
# cases one node id, and xdist would run one case of the six.
TEST_WORKERS ?= 4
CONTRACT_TESTS := tests/conformance/test_contract.py

test: lint check-generated spec-diff ## install, lint, check generated/ and the spec's changes, run every test
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder --ignore=$(CONTRACT_TESTS)
	$(BIN)/pytest $(CONTRACT_TESTS)

# The inner loop: every test not marked slow (tests/README.md says what is), no lint (< 90 s).
.PHONY: test-fast
test-fast: $(STAMP) ## run the tests not marked slow, on 4 workers (< 90 s)
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile -m "not slow" --ignore=$(CONTRACT_TESTS)

# The wheel and the sdist as they would be uploaded (RELEASING.md), checked by twine; DIST=dir.
DIST ?= dist
.PHONY: dist
dist: $(STAMP) ## build the wheel and the sdist into dist/ and check them (twine check --strict)
	rm -f $(DIST)/clob_cancel-*
	$(BIN)/python -m build --outdir $(DIST) .
	$(BIN)/python -m twine check --strict $(DIST)/clob_cancel-*

.PHONY: demo
demo: $(STAMP) ## the whole pipeline: mock, client, CLI and a short conformance run (~30 s)
	$(BIN)/python examples/demo.py

.PHONY: mock
mock: $(STAMP) ## run the mock CLOB on 127.0.0.1 (PORT=8080, ORDERS=<seed file or count>)
	$(BIN)/clob-cancel-mock --host 127.0.0.1 --port $(or $(PORT),8080) --orders $(or $(ORDERS),10)

.PHONY: bench
bench: $(STAMP) ## benchmark: sync, async, start-up, TLS/HTTP2 vs the floors; table into bench/README.md (ROUNDS=3000, ~4 min; wants a quiet machine)
	$(BIN)/python -m bench --rounds $(or $(ROUNDS),3000) --readme bench/README.md

# The conformance suite (conformance/, the `clob-cancel-conformance` command the wheel ships):
# against CLOB_API_URL with the CLOB_* credentials, or against the embedded mock (started and
# stopped on a free port) when CLOB_API_URL is empty. CONFORMANCE_SEED / CONFORMANCE_MAX_EXAMPLES
# as make or env variables; ARGS=... for more options (--baseline FILE, --allow-destructive, ...).
.PHONY: conformance
conformance: $(STAMP) ## run the conformance suite (CLOB_API_URL=... for your server; JUnit in reports/)
	CLOB_API_URL="$(CLOB_API_URL)" CONFORMANCE_SEED="$(CONFORMANCE_SEED)" \
	CONFORMANCE_MAX_EXAMPLES="$(CONFORMANCE_MAX_EXAMPLES)" $(BIN)/clob-cancel-conformance $(ARGS)

.PHONY: bench-mock
bench-mock: $(STAMP) ## benchmark: signed cancel(1)/s the mock sustains on one core (SECONDS=5)
	$(BIN)/python mock/bench/bench_mock.py --seconds $(or $(SECONDS),5)
