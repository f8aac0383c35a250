# One task runner for README, CI and developers. `make help` lists the targets.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PEERS_STAMP := $(VENV)/.bench-peers-stamp

.PHONY: help install up test check lint typecheck pytest browser bench clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m ipykernel install --sys-prefix --name ai4d --display-name "AI4D" >/dev/null
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install AI4D with its dev tools

$(PEERS_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $(PEERS_STAMP)

up: install  ## install, then start the whole platform on embedded defaults with demo data (Ctrl-C stops it)
	$(VENV)/bin/ai4d up --demo

browser:  ## install Debian's Chromium and axe-core (npm, pinned by tests/browser/package-lock.json) for the browser tests
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@command -v npm >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }
	npm ci --prefix tests/browser --no-audit --no-fund --silent

lint: install  ## ruff
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: install  ## mypy (strict)
	$(PY) -m mypy

pytest: $(PEERS_STAMP) browser  ## the test suite (tests/bench runs each benchmark small, so with its peer)
	$(PY) -m pytest

test: lint typecheck pytest  ## install, then lint, type-check and run every test

bench: $(PEERS_STAMP) browser  ## the benchmarks with their peers (the `bench` extra: girth, catsim; see bench/README.md)
	$(PY) -m bench

clean:  ## remove the venv and local data
	rm -rf $(VENV) var
