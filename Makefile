# One command to run CivicOps, one to test it; each sets up what it needs on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: up test lint format install demo clean vendor

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "CivicOps needs Python 3.11 or later")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	./scripts/ensure-fonts.sh $(BIN)/python
	touch $(STAMP)

install: $(STAMP)

up: $(STAMP)
	$(BIN)/civicops up

# The suite runs on both cores; then the fault suite runs alone, since it times recovery.
# One file, no faults: make test TESTS=tests/test_zones_lookup.py FAULTS=
TEST_WORKERS ?= 2
TESTS ?= tests
FAULTS ?= tests/faults
test: $(STAMP)
	./scripts/ensure-postgres.sh
	./scripts/ensure-chromium.sh
	./scripts/ensure-espeak.sh
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal --ignore=tests/faults \
		$(PYTEST_ARGS) $(TESTS)
	$(if $(FAULTS),$(BIN)/python -m pytest $(PYTEST_ARGS) $(FAULTS))

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

demo: $(STAMP)
	$(BIN)/civicops demo --complaints 50

# Re-copy the browser libraries from npm (needs Node; the copies are committed, so `up` does not).
vendor:
	$(PYTHON) scripts/vendor.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
