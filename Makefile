# The two set-up commands: `make demo` (a shadow session on the embedded default; it succeeds
# when the seeded difference is found), `make test` (the suite).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint ansible-lint unit integration dev-up clean

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
	$(MAKE) ansible-lint

# The collection is linted where ansible-core finds it as shadow.harness (offline: no Galaxy).
ansible-lint: $(STAMP)
	mkdir -p build/collections/ansible_collections/shadow
	ln -sfn ../../../../ansible build/collections/ansible_collections/shadow/harness
	cd ansible && ANSIBLE_COLLECTIONS_PATH=$(abspath build/collections) \
		$(abspath $(BIN))/ansible-lint

unit: $(STAMP)
	$(BIN)/pytest -m unit

integration: dev-up
	$(BIN)/pytest -m integration

# Most tests wait on brokers, databases and subprocesses, so more workers than cores pay; the
# tests marked serial (they change what the others share, or judge the whole run) run after.
# loadgroup, with no group marked, hands each worker a test or two at a time as it frees up;
# plain `load` deals a quarter of the suite out at the start, and the long nova tests then
# queue behind each other on one worker.
PYTEST_WORKERS ?= 3

test: lint dev-up
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup -m "not serial" --durations=15; parallel=$$?; \
		$(BIN)/pytest -m serial && exit $$parallel

clean:
	rm -rf $(VENV) build *.egg-info
