"""The optional [dagster] extra: its definitions load (what CI checks of it;
running them needs a Dagster instance) and name as assets exactly what the
scheduled build builds, with a job and a schedule every minute."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import PROJECT_ROOT


def test_the_definitions_load_the_scheduled_build_as_assets(tmp_path):
    pytest.importorskip("dagster_dbt")
    from dbt.cli.main import dbtRunner

    listed = dbtRunner().invoke([
        "ls", "--selector", "scheduled", "--resource-type", "model", "seed", "snapshot", "--output", "json",
        "--output-keys", "name", "config",
        "--project-dir", str(PROJECT_ROOT), "--profiles-dir", str(PROJECT_ROOT / "profiles"),
        "--target-path", str(tmp_path / "ls"), "--log-path", str(tmp_path / "logs"), "--quiet"])
    assert listed.success, listed.exception
    nodes = [json.loads(line) for line in listed.result]
    # ephemeral models (the compiled Sigma rules) are inlined, not built: no asset
    scheduled = {node["name"] for node in nodes if node["config"].get("materialized") != "ephemeral"}

    loaded = subprocess.run([sys.executable, "-c", (
        "import json\n"
        "from secfeat import dagster_definitions as d\n"
        "keys = d.defs.resolve_asset_graph().materializable_asset_keys\n"
        "print(json.dumps({'assets': sorted(key.path[-1] for key in keys),\n"
        "                  'schedules': [(s.name, s.cron_schedule) for s in d.defs.schedules],\n"
        "                  'jobs': [job.name for job in d.defs.jobs]}))")],
        env={**os.environ, "SECFEAT_PROJECT_DIR": str(PROJECT_ROOT), "DBT_TARGET_PATH": str(tmp_path / "target"),
             "DBT_LOG_PATH": str(tmp_path / "logs")},
        capture_output=True, text=True, timeout=300)
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    definitions = json.loads(loaded.stdout.strip().splitlines()[-1])
    assert set(definitions["assets"]) == scheduled
    assert "feat_user_activity_events" in scheduled and "ml_login_model_training" not in scheduled
    assert definitions["schedules"] == [["secfeat_scheduled_build_schedule", "* * * * *"]]
    assert definitions["jobs"] == ["secfeat_scheduled_build"]
