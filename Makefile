# Two commands on a fresh machine: `make book` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
YEAR   ?=
JOBS   ?=

CHROMIUM ?= /usr/bin/chromium

.PHONY: book test validate bench clean setup browser-deps

setup: $(STAMP)

# Re-install only when the lock or the package definition changed.
$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

book: $(STAMP)
	$(BIN)/resultsbook build $(if $(YEAR),--year $(YEAR)) $(if $(JOBS),--jobs $(JOBS))

validate: $(STAMP)
	$(BIN)/resultsbook validate $(if $(YEAR),--year $(YEAR))

# Browser tests use Debian's Chromium (never a downloaded browser) and axe-core from npm.
browser-deps: node_modules/.installed
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Chromium is not installed and this is not root: browser tests will be skipped (sudo apt-get install chromium)"; \
	  fi; \
	fi

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	@touch $@

test: $(STAMP) browser-deps
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py $(if $(YEAR),--year $(YEAR))

clean:
	rm -rf _build
