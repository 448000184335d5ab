# secfeat: `make demo` runs the main job, `make test` runs every test.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
DBT := $(BIN)/dbt
DBT_FLAGS := --profiles-dir profiles --project-dir .

# The demo: a week of 50k events a day, into the default warehouse secfeat.duckdb.
# A fixed week, so the analyst dispositions in seeds/ refer to its alerts and
# the figures are reproducible; entity-latest features are as of its end.
DEMO_DAYS ?= 7
DEMO_EVENTS_PER_DAY ?= 50000
DEMO_SEED ?= 7
DEMO_END ?= 2026-11-01
DEMO_VARS := {as_of: '$(DEMO_END) 00:00:00'}

# A plain `dbt build` is the scheduled build (selectors.yml's default
# selector): ingestion, features, scoring of what is new by the champion,
# monitoring; it never trains. Training runs when asked: `secfeat train`
# builds the training set and registers a candidate version. Scoring and
# monitoring need the champion, which only `secfeat promote` sets: a fresh
# warehouse builds the rest, trains, makes that first version the champion
# (--bootstrap: never replaces one), then scores. Later versions wait for
# `secfeat promote --yes`.
TRAINING := tag:training
USES_CHAMPION := tag:uses_champion+

# The test fixtures: a small landing zone with a fixed end, its own warehouse and MLflow store.
TEST_DIR := .make/test
TEST_VARS := {landing_dir: $(TEST_DIR)/landing, mlflow_tracking_dir: $(TEST_DIR)/mlruns, as_of: '2026-01-10 00:00:00'}

.PHONY: install demo build train summary docs generate test lint dbt-test pytest spark-test spark bench constraints clean

$(INSTALLED): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $@

# The optional extras' packages, for the tests, make spark and make bench only: the
# Spark target's (pyspark is large) and Dagster's (the tests load its definitions).
EXTRAS_INSTALLED := $(VENV)/.installed-extras
$(EXTRAS_INSTALLED): $(INSTALLED)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev,spark,dagster]'
	touch $@

install: $(INSTALLED)

demo: install
	$(BIN)/secfeat simulate --days $(DEMO_DAYS) --events-per-day $(DEMO_EVENTS_PER_DAY) --seed $(DEMO_SEED) \
		--end $(DEMO_END) --out landing
	$(BIN)/secfeat build --vars "$(DEMO_VARS)" --exclude $(TRAINING) $(USES_CHAMPION)
	$(BIN)/secfeat train --vars "$(DEMO_VARS)"
	$(BIN)/secfeat promote --bootstrap
	$(BIN)/secfeat build --vars "$(DEMO_VARS)" --select $(USES_CHAMPION)
	$(BIN)/secfeat summary --duckdb secfeat.duckdb

# The scheduled build: what a cron or an orchestrator runs (never trains).
# `secfeat build` is `dbt build`, then it publishes the warehouse for readers
# (secfeat sql, secfeat.connect(), the DuckDB CLI on secfeat.published/current/).
build: install
	$(BIN)/secfeat build

# The feature and detection layers on Spark (local[2], tables under spark/): the
# published build's OCSF classes (and the Sigma rules' records, the model's
# scores) exported as Parquet (only partitions that changed), then the features,
# detections, signals and alerts built from them, incrementally after the first time. Run after
# make demo (or any secfeat build); needs Java 17.
spark: $(EXTRAS_INSTALLED)
	$(BIN)/secfeat export-ocsf --out ocsf_parquet
	$(DBT) build $(DBT_FLAGS) --target spark --selector spark_features --vars "$(DEMO_VARS)"
	$(DBT) build $(DBT_FLAGS) --target spark --selector spark_detections --vars "$(DEMO_VARS)"

# Train and register a candidate version (compare and promote with secfeat promote).
train: install
	$(BIN)/secfeat train

summary: install
	$(BIN)/secfeat summary --duckdb secfeat.duckdb

docs: install
	$(DBT) docs generate $(DBT_FLAGS) --select "fqn:*"

# Rewrite the YAML that repeats the OCSF contract or the feature catalog
# (staging, OCSF and landing properties; feature columns). A test fails when
# it is stale.
generate: install
	$(BIN)/python -m secfeat.generate_yaml

test: lint dbt-test pytest

lint: install
	$(BIN)/sqlfluff lint models python_models analyses

dbt-test: install
	rm -rf $(TEST_DIR) && mkdir -p $(TEST_DIR)
	$(BIN)/secfeat simulate --days 4 --events-per-day 4000 --seed 11 --end 2026-01-10 --out $(TEST_DIR)/landing
	SECFEAT_DUCKDB_PATH=$(TEST_DIR)/secfeat.duckdb $(DBT) build $(DBT_FLAGS) --vars "$(TEST_VARS)" \
		--exclude $(TRAINING) $(USES_CHAMPION)
	$(BIN)/secfeat train --duckdb $(TEST_DIR)/secfeat.duckdb --vars "$(TEST_VARS)"
	$(BIN)/secfeat promote --bootstrap --duckdb $(TEST_DIR)/secfeat.duckdb --tracking-dir $(TEST_DIR)/mlruns
	SECFEAT_DUCKDB_PATH=$(TEST_DIR)/secfeat.duckdb $(DBT) build $(DBT_FLAGS) --vars "$(TEST_VARS)" --select $(USES_CHAMPION)
	# the scheduled build (the default selector), now that a champion exists: it must pass and never train
	SECFEAT_DUCKDB_PATH=$(TEST_DIR)/secfeat.duckdb $(DBT) build $(DBT_FLAGS) --vars "$(TEST_VARS)"
	# published for readers, who query it with the analyses compiled for it
	$(BIN)/secfeat publish --duckdb $(TEST_DIR)/secfeat.duckdb --vars "$(TEST_VARS)"
	$(BIN)/secfeat sql --duckdb $(TEST_DIR)/secfeat.duckdb --analysis top_users_by_failed_logins
	# the raised alerts, as OCSF Detection Findings for a SIEM (pytest checks them against the schema)
	$(BIN)/secfeat export-alerts --duckdb $(TEST_DIR)/secfeat.duckdb --since 2026-01-01 --out $(TEST_DIR)/alerts.jsonl
	SECFEAT_DUCKDB_PATH=$(TEST_DIR)/secfeat.duckdb $(DBT) docs generate $(DBT_FLAGS) --vars "$(TEST_VARS)" --target-path $(TEST_DIR)/docs

# Two processes, a test file each at a time (a file's fixtures are built once),
# in collection order (conftest.py puts the long Spark test first), not
# xdist's default of the files with the most tests first.
PYTEST_WORKERS ?= 2
pytest: $(EXTRAS_INSTALLED)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder

# The feature layer on Spark alone: DuckDB, Spark, the brute-force reference.
spark-test: $(EXTRAS_INSTALLED)
	$(BIN)/pytest -m spark

# Figures, not a test, in .make/bench: the feature layer at 2M and 10M synthetic
# logons against a hand-written query (full build, incremental hour, peak RSS)
# and the demo warehouse's no-op scheduled build (bench/feature_scale.py, 10-15
# minutes); then incremental against full builds of the ingestion models at
# the demo week and at four weeks (bench/landing_incremental.py, a few minutes);
# then the feature models on DuckDB and on Spark local[2] side by side at 1M
# logons (bench/spark_features.py, about 10 minutes).
# Then the detection layer: signals after one more hour against a full refresh
# of signals, on the demo week (bench/detections_incremental.py, a few minutes).
# Then the scheduled build with 100 compiled Sigma rules against without, on the
# demo week (bench/sigma_rules.py, a few minutes).
# One of them: make bench BENCH=features (or landing, spark, detections, sigma); options for each:
# FEATURES_BENCH_ARGS='--sizes 2000000', LANDING_BENCH_ARGS='--days 7',
# SPARK_BENCH_ARGS='--size 200000'.
BENCH ?= features landing spark detections sigma
bench: $(EXTRAS_INSTALLED)
	$(if $(filter features,$(BENCH)),$(BIN)/python bench/feature_scale.py $(FEATURES_BENCH_ARGS))
	$(if $(filter landing,$(BENCH)),$(BIN)/python bench/landing_incremental.py $(LANDING_BENCH_ARGS))
	$(if $(filter spark,$(BENCH)),$(BIN)/python bench/spark_features.py $(SPARK_BENCH_ARGS))
	$(if $(filter detections,$(BENCH)),$(BIN)/python bench/detections_incremental.py $(DETECTIONS_BENCH_ARGS))
	$(if $(filter sigma,$(BENCH)),$(BIN)/python bench/sigma_rules.py $(SIGMA_BENCH_ARGS))

# Refresh the exact pins after changing pyproject.toml's ranges.
constraints:
	rm -rf .make/pins && $(PYTHON) -m venv .make/pins
	.make/pins/bin/pip install --quiet --disable-pip-version-check -e '.[dev,spark,dagster]'
	{ echo '# Exact versions the project is tested with (pip install -c constraints.txt).'; \
	  echo '# Regenerate: make constraints'; \
	  .make/pins/bin/pip freeze --exclude-editable; } > constraints.txt

clean:
	rm -rf target logs .make secfeat.duckdb* secfeat.published landing mlruns
