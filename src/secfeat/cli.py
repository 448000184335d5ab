"""The ``secfeat`` command: the parts of the pipeline that are not dbt models."""

from __future__ import annotations

import argparse
import difflib
import json
import os
import shutil
import sys
import time
from datetime import datetime
from pathlib import Path

from secfeat.simulate import SOURCES, SimulationConfig, default_end, simulate

MANIFEST = "_simulation.json"


def _parse_day(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d")


def cmd_simulate(args: argparse.Namespace) -> int:
    out: Path = args.out
    # the sources are part of what was simulated: an older generator's landing zone is a different one
    wanted = {"days": args.days, "events_per_day": args.events_per_day, "seed": args.seed, "sources": list(SOURCES)}
    if args.end:
        wanted["end"] = args.end.isoformat()
    manifest_path = out / MANIFEST
    if manifest_path.exists() and not args.force:
        existing = json.loads(manifest_path.read_text())
        if all(existing.get(key) == value for key, value in wanted.items()):
            print(f"{out} already holds this simulation (end {existing['end']}); nothing to do.")
            return 0
        print(
            f"error: {out} holds a different simulation ({existing}). Use --force to replace it, "
            "then rebuild the warehouse with `dbt build --full-refresh`.",
            file=sys.stderr,
        )
        return 2
    if args.force:
        for source in SOURCES:
            shutil.rmtree(out / source, ignore_errors=True)
    end = args.end or default_end()
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    config = SimulationConfig(days=args.days, events_per_day=args.events_per_day, seed=args.seed, end=end, out=out)
    counts = simulate(config)
    manifest_path.write_text(json.dumps({**wanted, "end": end.isoformat(), "counts": counts}, indent=2) + "\n")
    elapsed = time.perf_counter() - started
    summary = ", ".join(f"{source} {count:,}" for source, count in counts.items())
    print(f"Wrote {config.start:%Y-%m-%d} .. {end:%Y-%m-%d} to {out} in {elapsed:.1f}s: {summary}")
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    from secfeat.summary import print_summary

    return print_summary(args.duckdb, top=args.top)


def default_warehouse() -> Path:
    """The warehouse dbt builds: SECFEAT_DUCKDB_PATH, as profiles/profiles.yml reads it."""
    return Path(os.environ.get("SECFEAT_DUCKDB_PATH") or "secfeat.duckdb")


class UnknownVar(ValueError):
    pass


def project_vars(project_dir: Path, overrides: str | None = None) -> dict:
    """The vars a build uses: the dbt project's defaults, with `overrides` (the
    YAML of dbt's --vars) on top. A var the project does not declare is an
    error naming it, as in dbt runs (macros/dbt/reject_unknown_vars.sql)."""
    import yaml

    path = project_dir / "dbt_project.yml"
    if not path.exists():
        raise UnknownVar(f"no dbt_project.yml in {project_dir.resolve()}: pass --project-dir")
    declared = (yaml.safe_load(path.read_text()) or {}).get("vars", {})
    given = yaml.safe_load(overrides) if overrides else {}
    if not isinstance(given, dict):
        raise UnknownVar(f"--vars must be a YAML mapping, got {overrides!r}")
    for name in given:
        if name not in declared:
            close = difflib.get_close_matches(name, declared, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise UnknownVar(f"unknown var {name}{hint}: {path} declares {', '.join(declared)}")
    return {**declared, **given}


def cmd_promote(args: argparse.Namespace) -> int:
    from secfeat import ml
    from secfeat.promote import promote

    try:
        defaults = project_vars(args.project_dir, args.vars)
    except UnknownVar as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    model_name = args.model or defaults.get("login_model_name", "secfeat_login_risk")
    tracking_dir = args.tracking_dir or Path(defaults.get("mlflow_tracking_dir", "mlruns"))
    threshold = args.threshold if args.threshold is not None else float(defaults.get("alert_threshold", 0.9))
    top_k = args.top_k or int(defaults.get("evaluation_top_k", 100))
    budget = ml.daily_budget(args.daily_budget if args.daily_budget is not None
                             else defaults.get("alert_daily_budget"))
    if not args.duckdb.exists():
        print(f"error: no warehouse at {args.duckdb}: build it first (make demo, or dbt build)", file=sys.stderr)
        return 2
    try:
        return promote(args.duckdb, tracking_dir, model_name, args.version, threshold=threshold,
                       daily_budget=budget, top_k=top_k,
                       since=args.since, apply=args.yes, bootstrap=args.bootstrap,
                       negative_sample_rate=defaults.get("training_negative_sample_rate"))
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _run_dbt(args: argparse.Namespace, dbt_args: list[str]):
    """dbt in this process (dbtRunner), on the warehouse `--duckdb` names
    (profiles/profiles.yml reads SECFEAT_DUCKDB_PATH), with the project's vars
    and --vars on top: the result, or an exit code when the vars are wrong."""
    from dbt.cli.main import dbtRunner

    try:
        project_vars(args.project_dir, args.vars)
    except UnknownVar as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    os.environ["SECFEAT_DUCKDB_PATH"] = str(args.duckdb)
    profiles_dir = args.profiles_dir or args.project_dir / "profiles"
    return dbtRunner().invoke([
        *dbt_args, "--project-dir", str(args.project_dir), "--profiles-dir", str(profiles_dir),
        *(["--vars", args.vars] if args.vars else []),
    ])


def _failed(result) -> bool:
    if result.success:
        return False
    results = getattr(result.result, "results", None) or []
    failures = [f"{r.node.name}: {r.message}" for r in results if r.status in ("error", "fail")]
    print("error: dbt failed: " + ("; ".join(failures) if failures else str(result.exception)), file=sys.stderr)
    return True


def _query(database: Path, sql: str) -> list[dict]:
    import duckdb

    # read-write, as the dbt of this process opened it (DuckDB shares one instance per configuration)
    con = duckdb.connect(str(database))
    try:
        relation = con.sql(sql)
        return [dict(zip(relation.columns, row)) for row in relation.fetchall()]
    finally:
        con.close()


def cmd_train(args: argparse.Namespace) -> int:
    """Build the training set and train and register a candidate: the models
    of selectors.yml's `training` selector, never part of the scheduled build."""
    if not args.duckdb.exists():
        print(f"error: no warehouse at {args.duckdb}: build it first (dbt build)", file=sys.stderr)
        return 2
    result = _run_dbt(args, ["build", "--selector", "training"])
    if isinstance(result, int):
        return result
    if _failed(result):
        return 1
    run, = _query(args.duckdb, "select * from ml_login_model_training")
    print(f"Registered v{run['model_version']} of {run['model_name']} ({run['algorithm']}), MLflow run "
          f"{run['mlflow_run_id']}: {run['training_set_rows']:,} labels ({run['training_set_positives']:,} positive, "
          f"{run['training_set_sampled_negatives']:,} negatives kept at rate {run['negative_sample_rate']:g}, "
          f"{run['training_set_analyst_labels']:,} analyst labels) from {run['label_from']:%Y-%m-%d %H:%M} to "
          f"{run['label_until']:%Y-%m-%d %H:%M}, events loaded through {run['features_loaded_through']}.")
    auc = run["roc_auc"]
    print(f"On the later period: ROC AUC {'n/a' if auc is None or auc != auc else f'{auc:.3f}'}, "
          f"{run['eval_rows']:,} labels. Not promoted: compare it with "
          f"`secfeat promote --version {run['model_version']}`, promote it by adding --yes.")
    return 0


def cmd_rescore(args: argparse.Namespace) -> int:
    """Score every logon again with the current champion: a full refresh of
    ml_login_scores, then ml_login_alerts revisits every day (it keeps its
    history: when each alert was first raised and by which version)."""
    if not args.duckdb.exists():
        print(f"error: no warehouse at {args.duckdb}: build it first (dbt build)", file=sys.stderr)
        return 2
    result = _run_dbt(args, ["build", "--select", "ml_login_scores+", "--full-refresh"])
    if isinstance(result, int):
        return result
    if _failed(result):
        return 1
    (counts,) = _query(args.duckdb, "select count(*) as logons, any_value(model_version) as version "
                                    "from ml_login_scores")
    (alerts,) = _query(args.duckdb, "select count(*) filter (where status = 'raised') as raised, "
                                    "count(*) filter (where status = 'withdrawn') as withdrawn from ml_login_alerts")
    print(f"Rescored {counts['logons']:,} logons with v{counts['version']}; alerts now {alerts['raised']:,} raised, "
          f"{alerts['withdrawn']:,} withdrawn.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="secfeat", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    sim = commands.add_parser("simulate", help="write a demo landing zone of raw vendor logs")
    sim.add_argument("--days", type=int, default=7)
    sim.add_argument("--events-per-day", type=int, default=50_000)
    sim.add_argument("--seed", type=int, default=7)
    sim.add_argument("--end", type=_parse_day, help="last day ends at this date, 00:00 UTC (default: today)")
    sim.add_argument("--out", type=Path, default=Path("landing"))
    sim.add_argument("--force", action="store_true", help="replace a different simulation already there")
    sim.set_defaults(func=cmd_simulate)

    summary = commands.add_parser("summary", help="print what the last build produced")
    summary.add_argument("--duckdb", type=Path, default=None,
                         help="the warehouse (default: $SECFEAT_DUCKDB_PATH, else secfeat.duckdb)")
    summary.add_argument("--top", type=int, default=10)
    summary.set_defaults(func=cmd_summary)

    promote = commands.add_parser(
        "promote", help="compare a model version with the champion; move the champion alias with --yes",
        description="Scores the same recent logons and labels (after both versions' training windows) with the "
                    "champion and the candidate and prints the comparison. The champion alias moves only with "
                    "--yes, or with --bootstrap when there is no champion yet.")
    promote.add_argument("--version", help="candidate version (default: the latest registered)")
    promote.add_argument("--yes", action="store_true", help="make the candidate the champion")
    promote.add_argument("--bootstrap", action="store_true",
                         help="make the candidate the champion only if there is none yet")
    promote.add_argument("--model", help="registered model name (default: var login_model_name)")
    promote.add_argument("--duckdb", type=Path, default=None,
                         help="the warehouse (default: $SECFEAT_DUCKDB_PATH, else secfeat.duckdb)")
    promote.add_argument("--tracking-dir", type=Path, help="MLflow store (default: var mlflow_tracking_dir)")
    promote.add_argument("--threshold", type=float, help="alert threshold (default: var alert_threshold)")
    promote.add_argument("--daily-budget", type=int,
                         help="most alerts a day, 0 for no limit (default: var alert_daily_budget)")
    promote.add_argument("--top-k", type=int, help="k of precision at k (default: var evaluation_top_k)")
    promote.add_argument("--since", type=datetime.fromisoformat,
                         help="compare on logons after this UTC time (default: the later training window's end)")
    promote.add_argument("--project-dir", type=Path, default=Path("."), help="where dbt_project.yml is")
    promote.add_argument("--vars", help="the dbt --vars the warehouse was built with (YAML), over the project's")
    promote.set_defaults(func=cmd_promote)

    for name, func, text in (
            ("train", cmd_train, "build the training set, train a model version and register it (never promotes)"),
            ("rescore", cmd_rescore, "score every logon again with the champion; alerts keep their history")):
        command = commands.add_parser(name, help=text, description=(func.__doc__ or "").replace("\n    ", " "))
        command.add_argument("--duckdb", type=Path, default=None,
                             help="the warehouse (default: $SECFEAT_DUCKDB_PATH, else secfeat.duckdb)")
        command.add_argument("--project-dir", type=Path, default=Path("."), help="where dbt_project.yml is")
        command.add_argument("--profiles-dir", type=Path, help="dbt's profiles (default: <project-dir>/profiles)")
        command.add_argument("--vars", help="dbt --vars (YAML), over the project's")
        command.set_defaults(func=func)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "duckdb", False) is None:
        args.duckdb = default_warehouse()
    if getattr(args, "days", 1) < 1 or getattr(args, "events_per_day", 1) < 1:
        print("error: --days and --events-per-day must be positive", file=sys.stderr)
        return 2
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
