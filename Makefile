# Every target creates .venv with the machine's python3 and installs what it needs,
# so a fresh machine with only python3 works.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8401
SHAPE  ?= smoke
FAULT  ?=
LOAD_ARGS ?=

.PHONY: run serve test lint bench load clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# One stamp per set of extras, refreshed whenever pyproject.toml changes.
# runtime: the connector and the mocks with their extra (make run starts the stack).
$(VENV)/.installed-runtime: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[mocks]'
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,load,mocks]'
	touch $@ $(VENV)/.installed-runtime

## run: the whole mock stack (mock EZITXT, connector over TLS, mock Okta) with a demo sign-in
run: $(VENV)/.installed-runtime
	$(BIN)/ezitxt-okta stack

## serve: the connector alone, against EZITXT_HOOK_GATEWAY_URL from the environment
serve: $(VENV)/.installed-runtime
	$(BIN)/ezitxt-okta serve --host $(HOST) --port $(PORT)

## test: the whole test suite (browser tests drive Debian's Chromium, rule tests Debian's
##       promtool: both installed when missing)
test: $(VENV)/.installed-dev
	@command -v chromium >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -o DPkg::Lock::Timeout=600 chromium)
	@# promtool (Debian's prometheus) checks and unit-tests connector/deploy/prometheus-rules.yml.
	@command -v promtool >/dev/null || test -x /usr/bin/promtool || (apt-get update && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=600 prometheus)
	@# A real Redis (the shared state) and HAProxy (the replicas' load balancer) for the tests.
	command -v redis-server >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=600 redis-server)
	command -v haproxy >/dev/null || test -x /usr/sbin/haproxy || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=600 haproxy)
	$(BIN)/python -m pytest

## lint: ruff, and mypy strict on connector/ and mocks/
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## bench: throughput benchmarks of the connector, figures printed as a table
bench: $(VENV)/.installed-dev
	@# nginx (Debian's nginx-light) is the instant gateway of the full-path benchmark.
	command -v nginx >/dev/null || test -x /usr/sbin/nginx || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=600 nginx-light)
	@# A real Redis for the replica_state benchmark.
	command -v redis-server >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=600 redis-server)
	$(BIN)/python -m loadtests.bench

## load: Locust headless against the stack: make load SHAPE=steady|storm|smoke|pumping [FAULT=slow]
##       [LOAD_ARGS="--rate 50 --duration 30 --workers 2 --target URL ..."] (--help: all options)
load: $(VENV)/.installed-dev
	$(BIN)/python -m loadtests.run --shape $(SHAPE) $(if $(FAULT),--fault $(FAULT),) $(LOAD_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
