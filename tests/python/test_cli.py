"""The secfeat command line."""

from __future__ import annotations

import json

from secfeat.cli import main


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
