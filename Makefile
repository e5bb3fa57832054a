# Two commands on a fresh machine: `make book` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
YEAR   ?=
JOBS   ?=

CHROMIUM ?= /usr/bin/chromium
# Values a user types reach the recipes as environment variables, quoted there ("$$YEAR"): the shell never runs
# them as code, and resultsbook refuses anything but a year or a count.
export YEAR JOBS CHROMIUM

.PHONY: book test validate bench clean setup system-deps browser-deps lab notebooks

setup: $(STAMP)

# Re-install only when the lock or the package definition changed.
$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

# The book comes with its PDF edition, printed by Debian's Chromium.
book: $(STAMP) system-deps
	$(BIN)/resultsbook build --pdf $${YEAR:+--year "$$YEAR"} $${JOBS:+--jobs "$$JOBS"}

# JupyterLab with the project's kernel (this virtual environment: the helpers import as in the build), the book's
# folder as its root (as root, in a container, with --allow-root). LAB_ARGS: more options for `jupyter lab`
# (such as --no-browser --port=8899).
LAB_ARGS ?=
export LAB_ARGS
lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir=book $$([ "$$(id -u)" = 0 ] && echo --allow-root) $$LAB_ARGS

# The committed notebooks in Jupyter's own format, without outputs (as the git filter `nbstripout --install` keeps
# them; tests/test_authoring.py checks it).
notebooks: $(STAMP)
	$(BIN)/nbstripout --keep-id book/*.ipynb

validate: $(STAMP)
	$(BIN)/resultsbook validate $${YEAR:+--year "$$YEAR"}

# Debian's Chromium prints the PDF and runs the browser tests (never a downloaded browser); poppler-utils
# (pdftotext) reads the PDF in the tests. Installed when run as root; otherwise the commands are named.
SYSTEM_PACKAGES := chromium poppler-utils
system-deps:
	@if [ ! -x "$$CHROMIUM" ] || ! command -v pdftotext >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	  else \
	    echo "Chromium or pdftotext is missing and this is not root: sudo apt-get install $(SYSTEM_PACKAGES)"; \
	  fi; \
	fi

# Browser tests also use axe-core from npm.
browser-deps: system-deps node_modules/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	@touch $@

test: $(STAMP) browser-deps
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py $${YEAR:+--year "$$YEAR"}

clean:
	rm -rf _build
