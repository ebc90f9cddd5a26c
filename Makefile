# The one way in. `make run` and `make test` work on a fresh machine with Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_WORKERS ?= 2

.PHONY: install system-packages run test test-fast lint bench stress sample-data audit clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip 'setuptools>=83'
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

SAMPLE := sample_data

# The main job: both analyses on the shipped sample data, printed, then the dashboard on
# http://127.0.0.1:8050 (demo mode: loopback, no users; the sample data is loaded on first start).
run: install
	$(BIN)/python -m spendanalys spend --contracts $(SAMPLE)/avtalsforteckning.xlsx \
		--invoices $(SAMPLE)/leverantorsfakturor_2024.csv --format table
	$(BIN)/python -m spendanalys travel --trips $(SAMPLE)/resor_2019_2024.csv \
		--fte $(SAMPLE)/arsarbetskrafter.csv --format table
	$(BIN)/python app.py --host 127.0.0.1 --port 8050

# Debian's chromium and PostgreSQL's server binaries for the browser and store tests (as root
# with apt-get; elsewhere it says so and those tests skip with the reason).
system-packages:
	bash scripts/install_system_packages.sh

test: install system-packages
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile -q

# The loop while editing, under a minute: everything except the browser, PostgreSQL, served-app
# (gunicorn on a port) and slow tests, which `make test` runs.
test-fast: install
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile -q \
		-m "not browser and not postgres and not served and not slow"

lint: install
	$(BIN)/ruff check spendanalys tests app.py benchmarks emission_factors
	$(BIN)/ruff format --check spendanalys tests app.py benchmarks emission_factors
	$(BIN)/mypy
	$(BIN)/lint-imports

sample-data: install
	$(BIN)/python sample_data/generate.py

STRESS_SECONDS ?= 300

# Long fuzzing (2,000 examples per reader), 20 SIGKILLs during imports on SQLite and PostgreSQL,
# concurrent importers, and 20 viewers + 2 uploaders for STRESS_SECONDS; writes
# benchmarks/RELIABILITY.md and fails on any loss.
stress: install system-packages
	$(BIN)/python benchmarks/stress.py --seconds $(STRESS_SECONDS)

# The `bench` extra brings DuckDB, the reference the spend engine is timed and checked against.
# About 20-25 minutes on two cores (--budget 22 min: later steps take fewer runs, or are skipped
# with the reason, when it runs short), of which the 10M-line step (1 GB of CSV, spend once or
# twice, DuckDB over CSV and over Parquet) takes about 8; BENCH_ARGS=--no-scale leaves it out.
# Writes benchmarks/RESULTS.md: every target PASS or MISS with its gap.
BENCH_ARGS ?=

# The project's bytecode is compiled first, as a wheel install does: with PYTHONDONTWRITEBYTECODE
# set (some shells and containers set it), an editable install would recompile every module on
# every timed run (~80 ms of each command's start).
bench: install
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m compileall -q spendanalys app.py
	$(BIN)/python benchmarks/run_benchmarks.py $(BENCH_ARGS)

AUDIT_TIMEOUT ?= 20

# Live check of everything installed in .venv except the editable project itself against the
# published advisory data (pip-audit, the `audit` extra). Needs network: on a machine without
# network `make test` checks the committed floors in security/advisory_floors.csv instead
# (tests/project/test_dependency_advisories.py). The installed set goes in as pinned requirements with
# --strict because pip-audit otherwise skips a package it cannot look up and still reports success
# (and its --skip-editable cannot be combined with --strict: the skipped project would be fatal).
audit: install
	$(BIN)/python -m pip install --quiet -e '.[audit]'
	$(BIN)/python -m pip freeze --all --exclude-editable > $(VENV)/audit-requirements.txt
	@$(BIN)/pip-audit --strict --no-deps --disable-pip -r $(VENV)/audit-requirements.txt \
		--progress-spinner off --timeout $(AUDIT_TIMEOUT) --desc \
		|| { echo "make audit: FAILED. Either pip-audit listed known vulnerabilities above, or it could not look a package up in the advisory service (needs network; timeout $(AUDIT_TIMEOUT) s)." >&2; exit 1; }

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
