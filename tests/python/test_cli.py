"""The secfeat command line."""

from __future__ import annotations

import json
import re
from pathlib import Path

from secfeat.cli import main, project_vars

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_simulate_writes_a_manifest_and_is_idempotent(tmp_path, capsys):
    args = ["simulate", "--days", "2", "--events-per-day", "300", "--seed", "1", "--end", "2026-01-05",
            "--out", str(tmp_path)]
    assert main(args) == 0
    manifest = json.loads((tmp_path / "_simulation.json").read_text())
    assert manifest["end"] == "2026-01-05T00:00:00"
    assert manifest["counts"]["windows"] > 0
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*.jsonl")}

    assert main(args) == 0
    assert "nothing to do" in capsys.readouterr().out
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*.jsonl")} == before


def test_simulate_refuses_to_mix_simulations_unless_forced(tmp_path, capsys):
    base = ["simulate", "--days", "2", "--events-per-day", "300", "--end", "2026-01-05", "--out", str(tmp_path)]
    assert main([*base, "--seed", "1"]) == 0
    assert main([*base, "--seed", "2"]) == 2
    assert "--force" in capsys.readouterr().err
    assert main([*base, "--seed", "2", "--force"]) == 0
    assert json.loads((tmp_path / "_simulation.json").read_text())["seed"] == 2


def test_simulate_rejects_nonsense(tmp_path, capsys):
    assert main(["simulate", "--days", "0", "--out", str(tmp_path)]) == 2
    assert "positive" in capsys.readouterr().err


def test_summary_without_a_warehouse_says_what_to_run(tmp_path, capsys):
    assert main(["summary", "--duckdb", str(tmp_path / "missing.duckdb")]) == 2
    assert "make demo" in capsys.readouterr().err


def test_every_command_reads_the_warehouse_dbt_builds(tmp_path, monkeypatch, capsys):
    warehouse = tmp_path / "elsewhere.duckdb"
    monkeypatch.setenv("SECFEAT_DUCKDB_PATH", str(warehouse))
    assert main(["summary"]) == 2
    assert str(warehouse) in capsys.readouterr().err
    assert main(["promote", "--project-dir", str(PROJECT_ROOT)]) == 2
    assert str(warehouse) in capsys.readouterr().err


def test_an_unknown_var_is_named_not_ignored(capsys):
    assert main(["promote", "--project-dir", str(PROJECT_ROOT), "--vars", "{landig_dir: x}"]) == 2
    error = capsys.readouterr().err
    assert "unknown var landig_dir" in error and "did you mean landing_dir" in error
    assert project_vars(PROJECT_ROOT, "{alert_threshold: 0.5}")["alert_threshold"] == 0.5


def test_dbt_rejects_the_same_unknown_vars_the_project_declares():
    """reject_unknown_vars (run at the start of every dbt run) lists exactly the
    vars of dbt_project.yml: a new var must be added there too."""
    macro = (PROJECT_ROOT / "macros/dbt/reject_unknown_vars.sql").read_text()
    listed = re.search(r"set declared = \[(.*?)\]", macro, re.S).group(1)
    assert re.findall(r"'([a-z_0-9]+)'", listed) == list(project_vars(PROJECT_ROOT))


def test_train_and_rescore_need_a_warehouse_and_known_vars(tmp_path, monkeypatch, capsys):
    warehouse = tmp_path / "elsewhere.duckdb"
    monkeypatch.setenv("SECFEAT_DUCKDB_PATH", str(warehouse))
    for command in ("train", "rescore"):
        assert main([command, "--project-dir", str(PROJECT_ROOT)]) == 2
        assert str(warehouse) in capsys.readouterr().err
    warehouse.touch()
    assert main(["train", "--project-dir", str(PROJECT_ROOT), "--vars", "{training_negative_sample_raet: 1}"]) == 2
    assert "did you mean training_negative_sample_rate" in capsys.readouterr().err
