# Omni War Room: `make run` serves the app on the bundled demo world; `make test` runs every test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501

.PHONY: run test install install-spark lint format bench bench-spark sample-data clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

install: $(BIN)/.installed

# The test extra plus PySpark (the Spark parity suite); `make run` does not need it.
$(BIN)/.installed-spark: $(BIN)/.installed
	$(BIN)/pip install --quiet -e ".[test,spark]"
	touch $@

install-spark: $(BIN)/.installed-spark

run: install
	$(BIN)/omni load-demo
	$(BIN)/streamlit run app.py --server.port $(PORT) --server.headless true \
		--browser.gatherUsageStats false

test: install-spark
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -q -n 2 --dist loadgroup

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

bench: install
	$(BIN)/python bench/bench_world_metrics.py
	$(BIN)/python bench/bench_live.py
	$(BIN)/python bench/bench_import.py

# DuckDB vs local Spark on the metric query set (default 10M events; EVENTS=1e6 for a quick run).
bench-spark: install-spark
	$(BIN)/python bench/bench_spark.py --events $(or $(EVENTS),1e7)

# Rebuild the committed demo world byte for byte (parameters in omni_core/datasets.py).
sample-data: install
	$(BIN)/omni build-world --users 20000 --days 60 --start 2025-10-01 --seed 7 --out sample_data/demo

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache tests/_artifacts
