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

# Scoring and monitoring use the champion model, which only `secfeat promote`
# sets: a fresh warehouse builds everything else, makes its first trained
# version the champion (--bootstrap: never replaces one), then scores. Later
# trained versions wait for `secfeat promote --yes`.
USES_CHAMPION := tag:uses_champion+

# The test fixtures: a small landing zone with a fixed end, its own warehouse and MLflow store.
TEST_DIR := .make/test
TEST_VARS := {landing_dir: $(TEST_DIR)/landing, mlflow_tracking_dir: $(TEST_DIR)/mlruns, as_of: '2026-01-10 00:00:00'}

.PHONY: install demo build summary docs generate test lint dbt-test pytest bench constraints clean

$(INSTALLED): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $@

install: $(INSTALLED)

demo: install
	$(BIN)/secfeat simulate --days $(DEMO_DAYS) --events-per-day $(DEMO_EVENTS_PER_DAY) --seed $(DEMO_SEED) \
		--end $(DEMO_END) --out landing
	$(DBT) build $(DBT_FLAGS) --vars "$(DEMO_VARS)" --exclude $(USES_CHAMPION)
	$(BIN)/secfeat promote --bootstrap
	$(DBT) build $(DBT_FLAGS) --vars "$(DEMO_VARS)" --select $(USES_CHAMPION)
	$(BIN)/secfeat summary --duckdb secfeat.duckdb

build: install
	$(DBT) build $(DBT_FLAGS)

summary: install
	$(BIN)/secfeat summary --duckdb secfeat.duckdb

docs: install
	$(DBT) docs generate $(DBT_FLAGS)

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
	SECFEAT_DUCKDB_PATH=$(TEST_DIR)/secfeat.duckdb $(DBT) build $(DBT_FLAGS) --vars "$(TEST_VARS)" --exclude $(USES_CHAMPION)
	$(BIN)/secfeat promote --bootstrap --duckdb $(TEST_DIR)/secfeat.duckdb --tracking-dir $(TEST_DIR)/mlruns
	SECFEAT_DUCKDB_PATH=$(TEST_DIR)/secfeat.duckdb $(DBT) build $(DBT_FLAGS) --vars "$(TEST_VARS)" --select $(USES_CHAMPION)
	SECFEAT_DUCKDB_PATH=$(TEST_DIR)/secfeat.duckdb $(DBT) docs generate $(DBT_FLAGS) --vars "$(TEST_VARS)" --target-path $(TEST_DIR)/docs

pytest: install
	$(BIN)/pytest

# Figures, not a test: incremental against full builds of the ingestion models
# at the demo week and at four weeks, in .make/bench (a few minutes).
bench: install
	$(BIN)/python bench/landing_incremental.py

# Refresh the exact pins after changing pyproject.toml's ranges.
constraints:
	rm -rf .make/pins && $(PYTHON) -m venv .make/pins
	.make/pins/bin/pip install --quiet --disable-pip-version-check -e '.[dev]'
	{ echo '# Exact versions the project is tested with (pip install -c constraints.txt).'; \
	  echo '# Regenerate: make constraints'; \
	  .make/pins/bin/pip freeze --exclude-editable; } > constraints.txt

clean:
	rm -rf target logs .make secfeat.duckdb* landing mlruns
