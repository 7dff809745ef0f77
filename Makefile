# Two commands on a fresh machine (Python 3.11+, pip, git): `make run` and `make test`.
# Both create and reuse a local virtual environment in .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SCENARIO ?= nl-2025
OUT ?= out

.PHONY: run test lint scenario bench clean browser postgres

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/herverdeling propose --scenario $(SCENARIO) --out $(OUT) --force

# The explorer's browser tests drive Debian's chromium (Playwright never downloads a browser).
browser:
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

# The register suite runs on PostgreSQL too: Debian's server binaries (the tests start a
# throw-away cluster of their own unless HERVERDELING_TEST_PG_URL names one, as .ci/run does).
postgres:
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq postgresql)

test: $(STAMP) browser postgres
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

# Rebuild the bundled round scenarios (nl-2025, nl-2026) from the public facts in data/ (reproducible, seeded).
scenario: $(STAMP)
	$(BIN)/python -m herverdeling.scenario.builders --data data --round 2025 --out scenarios/nl-2025
	$(BIN)/python -m herverdeling.scenario.builders --data data --round 2026 --out scenarios/nl-2026

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
