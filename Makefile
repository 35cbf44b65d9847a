# The two set-up commands: `make demo` (a shadow session on the embedded default; it succeeds
# when the seeded difference is found), `make test` (the suite).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint unit integration dev-up clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

dev-up: $(STAMP)
	$(BIN)/harness dev up --nova

demo: $(STAMP)
	$(BIN)/harness demo --expect-change

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

unit: $(STAMP)
	$(BIN)/pytest -m unit

integration: dev-up
	$(BIN)/pytest -m integration

test: lint dev-up
	$(BIN)/pytest

clean:
	rm -rf $(VENV) build *.egg-info
