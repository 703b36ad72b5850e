# hr-elt: the only entry points a newcomer needs.
#   make demo   install, start the bundled sandbox, load all three vendors into hr.duckdb
#   make test   install, make a Postgres server available, lint, run the test suite
#   make lint   ruff + mypy --strict
#   make bench  benchmarks; writes bench/results/<date>.json and the README table
#   make postgres-start / postgres-stop   a throwaway local Postgres server for --destination postgres

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

export RUNTIME__DLTHUB_TELEMETRY ?= false

.PHONY: install demo test lint bench postgres clean

$(STAMP): pyproject.toml setup.py
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: install
	$(VENV)/bin/hr-elt demo --duckdb-path hr.duckdb

postgres:
	@bash .ci/ensure_postgres.sh

# a throwaway local server to try `--destination postgres`: prints the DSN and the env line to use
.PHONY: postgres-start postgres-stop
postgres-start: install postgres
	$(VENV)/bin/hr-elt postgres start

postgres-stop: install
	$(VENV)/bin/hr-elt postgres stop

# dbt build (staging + unified hr_* models and their tests) on the demo warehouse; loads it first when missing
.PHONY: dbt
dbt: install
	@test -f hr.duckdb || $(VENV)/bin/hr-elt demo --duckdb-path hr.duckdb
	$(VENV)/bin/hr-elt dbt --duckdb-path hr.duckdb

lint: install
	$(VENV)/bin/ruff check $(wildcard sources pipelines sandbox tests bench deploy)
	$(VENV)/bin/mypy

# -rs prints why a test was skipped (e.g. the live BigQuery test without credentials).
# Three workers: most of a test's time is spent waiting on sandboxes, Postgres and dbt, not on CPU.
TEST_WORKERS ?= 3
test: install postgres lint
	$(PY) -m pytest -q -rs -n $(TEST_WORKERS)

bench: install
	$(PY) -m bench

clean:
	rm -rf $(VENV) hr.duckdb .pytest_cache .mypy_cache .ruff_cache
