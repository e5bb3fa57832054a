# Two commands on a fresh machine: `make book` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
YEAR   ?=
JOBS   ?=

.PHONY: book test validate bench clean setup

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

test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf _build
