# Two commands do everything on a fresh machine with only python3 and make:
#   make demo   set up, generate the synthetic demo extracts if data/raw has none, refresh, summarise
#   make test   set up, run the test suite
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
UV := $(shell command -v uv 2>/dev/null || echo $(VENV)-tools/bin/uv)
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))
# Dagster keeps run history here (the UI and CLI share it).
export DAGSTER_HOME ?= $(abspath .dagster_home)

.PHONY: setup demo test test-fast lint refresh dev sql docs bench clean chromium libreoffice

$(VENV)-tools/bin/uv:
	python3 -m venv $(VENV)-tools
	$(VENV)-tools/bin/python -m pip install --quiet uv

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --extra dev --extra spark --quiet
	touch $@

setup: $(VENV)/.synced
	@mkdir -p "$$DAGSTER_HOME" data/raw/projects data/raw/expenditures data/raw/beneficiaries

# The refresh job with Dagster's and dbt's detail in a log file (data/logs/), ending in a summary screen.
refresh: setup
	$(PY) -m pipelines.refresh

demo: setup
	$(PY) -m pipelines.demo

# Headless Chromium for the review pack's browser test (Debian's package; needs root to install).
chromium:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; \
	else echo "chromium is not installed: the review-pack browser test will be skipped (sudo apt-get install chromium)"; fi

# LibreOffice (Calc, Writer) and poppler-utils for the review pack's print tests (tests/test_pack.py: the
# workbook converted to PDF, pages counted and measured); Debian's packages, needs root (757 MB installed
# here together with chromium).
libreoffice:
	@if [ -x /usr/bin/soffice ] && [ -x /usr/bin/pdftotext ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-calc libreoffice-writer poppler-utils; \
	else echo "libreoffice is not installed: the review-pack print tests will be skipped (sudo apt-get install libreoffice-calc libreoffice-writer poppler-utils)"; fi

# ruff: lint rules and formatting ([tool.ruff] in pyproject.toml); part of make test.
LINTED := pipelines schemas tests bench
lint: setup
	$(VENV)/bin/ruff check $(LINTED)
	$(VENV)/bin/ruff format --check $(LINTED)

test: setup chromium libreoffice lint
	$(PY) -m pytest -q

test-fast: setup
	$(PY) -m pytest -q -m "not slow"

# The Dagster UI on http://localhost:$(PORT) (make dev PORT=3001). The code location calls the venv's dbt
# by its path (pipelines/defs/dbt.py): the venv need not be on PATH.
PORT ?= 3000
dev: setup
	$(VENV)/bin/dagster dev -m pipelines -p $(PORT)

# An SQL shell on the published warehouse, read-only, with the pinned DuckDB (nothing to install).
# SQL="..." runs one statement; piped input works too.
sql: $(VENV)/.synced
	@$(PY) -m pipelines.sql $(if $(SQL),-c "$$SQL")

# The dbt documentation site (lineage, descriptions, exposures) from the published warehouse: prints where to open it.
docs: setup
	$(PY) -m pipelines.warehouse_docs

# Not part of `make test` (~12 min at scale 10, measured 2026-12-07): scale-10 extracts generated once into bench/cache/, then the
# hand-written DuckDB baseline, a full refresh and a refresh after one 1% file, timed with peak RSS;
# the table goes to bench/results/<date>.md (docs/performance.md). BENCH_ARGS="--scale 3" for another size (--scale 30: 22 min once generated, see README).
bench: setup
	$(PY) -m bench.run $(BENCH_ARGS)

clean:
	rm -rf data/lake data/warehouse data/logs dbt_project/target .dagster_home
