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

.PHONY: setup demo test test-fast refresh dev bench clean chromium libreoffice

$(VENV)-tools/bin/uv:
	python3 -m venv $(VENV)-tools
	$(VENV)-tools/bin/python -m pip install --quiet uv

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --extra dev --extra spark --quiet
	touch $@

setup: $(VENV)/.synced
	@mkdir -p $(DAGSTER_HOME) data/raw/projects data/raw/expenditures data/raw/beneficiaries
	@$(VENV)/bin/dbt parse --project-dir dbt_project --profiles-dir dbt_project --quiet

refresh: setup
	$(VENV)/bin/dagster asset materialize -m pipelines --select '*'

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

test: setup chromium libreoffice
	$(PY) -m pytest -q

test-fast: setup
	$(PY) -m pytest -q -m "not slow"

dev: setup
	$(VENV)/bin/dagster dev -m pipelines

# Not part of `make test` (~25 min): scale-10 extracts generated once into bench/cache/, then the
# hand-written DuckDB baseline, a full refresh and a refresh after one 1% file, timed with peak RSS;
# the table goes to bench/results/<date>.md (docs/performance.md). BENCH_ARGS="--scale 3" for another size.
bench: setup
	$(PY) -m bench.run $(BENCH_ARGS)

clean:
	rm -rf data/lake data/warehouse dbt_project/target .dagster_home
