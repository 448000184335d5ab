"""The ``secfeat`` command: the parts of the pipeline that are not dbt models."""

from __future__ import annotations

import argparse
import difflib
import functools
import json
import os
import re
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from secfeat.evaluate import DEFAULT_ORGS, ORG_FORMAT, PRESETS
from secfeat.simulate import SHAPES, SOURCES, SimulationConfig, check_shapes, default_end, simulate
from secfeat.warehouse import default_warehouse

MANIFEST = "_simulation.json"


def _parse_day(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d")


def cmd_simulate(args: argparse.Namespace) -> int:
    out: Path = args.out
    # the sources are part of what was simulated: an older generator's landing zone is a different one
    wanted = {"days": args.days, "events_per_day": args.events_per_day, "seed": args.seed, "sources": list(SOURCES)}
    try:
        shapes = check_shapes([name for text in args.shape for name in text.split("+")])
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.users is not None and args.users < 5:
        print("error: --users must be at least 5", file=sys.stderr)
        return 2
    # only when set: a landing zone of the demo's shape keeps the manifest it had
    if shapes:
        wanted["shapes"] = list(shapes)
    if args.users is not None:
        wanted["users"] = args.users
    if args.end:
        wanted["end"] = args.end.isoformat()
    manifest_path = out / MANIFEST
    if manifest_path.exists() and not args.force:
        existing = json.loads(manifest_path.read_text())
        # a shape or size the one there has and this one lacks makes it another simulation too
        unasked = [key for key in ("shapes", "users") if key not in wanted]
        if all(existing.get(key) == value for key, value in wanted.items()) and not any(map(existing.get, unasked)):
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
    config = SimulationConfig(days=args.days, events_per_day=args.events_per_day, seed=args.seed, end=end, out=out,
                              shapes=shapes, users=args.users)
    counts = simulate(config)
    manifest_path.write_text(json.dumps({**wanted, "end": end.isoformat(), "counts": counts}, indent=2) + "\n")
    elapsed = time.perf_counter() - started
    summary = ", ".join(f"{source} {count:,}" for source, count in counts.items())
    print(f"Wrote {config.start:%Y-%m-%d} .. {end:%Y-%m-%d} to {out} in {elapsed:.1f}s: {summary}")
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    from secfeat.summary import print_summary

    return print_summary(args.duckdb, top=args.top)


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
    from secfeat.promote import daily_budget, promote

    try:
        defaults = project_vars(args.project_dir, args.vars)
    except UnknownVar as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    model_name = args.model or defaults.get("login_model_name", "secfeat_login_risk")
    tracking_dir = args.tracking_dir or Path(defaults.get("mlflow_tracking_dir", "mlruns"))
    threshold = args.threshold if args.threshold is not None else float(defaults.get("alert_threshold", 0.9))
    top_k = args.top_k or int(defaults.get("evaluation_top_k", 100))
    budget = daily_budget(args.daily_budget if args.daily_budget is not None
                          else defaults.get("alerts_daily_budget"))
    if not args.duckdb.exists():
        print(f"error: no warehouse at {args.duckdb}: build it first (make demo, or dbt build)", file=sys.stderr)
        return 2
    try:
        return promote(args.duckdb, tracking_dir, model_name, args.version, threshold=threshold,
                       daily_budget=budget, top_k=top_k,
                       since=args.since, apply=args.yes, bootstrap=args.bootstrap,
                       negative_sample_rate=defaults.get("training_negative_sample_rate"),
                       allow_unrecorded=args.allow_unrecorded)
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
    print(f"error: {_failure_text(result)}", file=sys.stderr)
    return True


def _query(database: Path, sql: str) -> list[dict]:
    from secfeat.warehouse import connect_build

    # read-write, as the dbt of this process opened it
    con = connect_build(database)
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
    return _publish(args, "train")


def _compiled_analyses(args: argparse.Namespace, into: Path) -> Path | None:
    """Compile analyses/ for the build about to be published (their SQL uses
    the macros, so only dbt renders it): `secfeat sql --analysis` runs them
    against that build with no dbt and no lock. None when compiling failed."""
    # the build's own target and log paths: compiling reuses its parse
    dbt_args = getattr(args, "dbt_args", [])
    paths = [part for flag, value in zip(dbt_args, dbt_args[1:]) if flag in ("--target-path", "--log-path")
             for part in (flag, value)]
    result = _run_dbt(args, ["compile", "--select", "resource_type:analysis", "--quiet", *paths])
    if isinstance(result, int) or not result.success:
        print("warning: analyses/ did not compile; this build is published without them", file=sys.stderr)
        return None
    return _write_compiled_analyses(result, into)


def _write_compiled_analyses(result, into: Path) -> Path:
    """The analyses a `dbt compile` rendered, as SQL files in `into`."""
    into.mkdir(parents=True, exist_ok=True)
    for node_result in result.result.results:
        node = node_result.node
        if node.resource_type == "analysis" and node.compiled_code:
            (into / f"{node.name}.sql").write_text(node.compiled_code.strip() + "\n")
    return into


def _publish(args: argparse.Namespace, what: str) -> int:
    """Publish the warehouse after a successful build (secfeat.warehouse)."""
    from secfeat import warehouse

    with tempfile.TemporaryDirectory(prefix="secfeat-analyses-") as scratch:
        analyses = _compiled_analyses(args, Path(scratch) / "analyses")
        print(f"Publishing {args.duckdb} for readers", flush=True)
        published = warehouse.publish(args.duckdb, compiled_analyses=analyses,
                                      note={"published_after": what, "vars": args.vars or ""})
    manifest = published.manifest
    print(f"Published build {published.build_id} ({len(manifest['tables'])} tables, "
          f"{manifest['bytes'] / 1e6:,.0f} MB) in {manifest['publish_seconds']:.1f}s: "
          f"{published.database} (secfeat sql, secfeat.connect())")
    return 0


def _holding_build_lock(command):
    """A command that writes the warehouse, run under its build lock (one
    builder at a time: secfeat.warehouse.build_lock); exit code 3 when
    another process holds it."""
    @functools.wraps(command)
    def locked(args: argparse.Namespace) -> int:
        from secfeat import loop, warehouse

        try:
            with warehouse.build_lock(args.duckdb):
                return command(args)
        except warehouse.WarehouseBusy as error:
            print(f"error: {error}; one builder at a time", file=sys.stderr)
            return loop.BUSY_EXIT
    return locked


def cmd_build(args: argparse.Namespace) -> int:
    """`dbt build` with any of its arguments (the scheduled build by default:
    selectors.yml), then, when every model and test passed, publish the
    warehouse for readers. A failed build publishes nothing: readers keep the
    last good build."""
    result = _run_dbt(args, ["build", *args.dbt_args])
    if isinstance(result, int):
        return result
    if _failed(result):
        print("not published: readers keep the last good build", file=sys.stderr)
        return 1
    return _publish(args, "build " + " ".join(args.dbt_args))


def cmd_run(args: argparse.Namespace) -> int:
    """The scheduled loop: every --every (60s by default) build the
    warehouse (the scheduled build, or dbt build's arguments given), publish
    it for readers and print one line; never two builders on one warehouse
    (a second start exits with code 3, or waits with --wait); a failed cycle
    publishes nothing and the next attempt backs off (secfeat.loop)."""
    from dbt.cli.main import dbtRunner

    from secfeat import contract, loop, warehouse

    try:
        every = loop.parse_every(args.every)
        max_backoff = loop.parse_every(args.max_backoff)
        project_vars(args.project_dir, args.vars)
    except (ValueError, UnknownVar) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    os.environ["SECFEAT_DUCKDB_PATH"] = str(args.duckdb)
    profiles_dir = args.profiles_dir or args.project_dir / "profiles"
    common = ["--project-dir", str(args.project_dir), "--profiles-dir", str(profiles_dir),
              *(["--vars", args.vars] if args.vars else [])]
    try:
        with warehouse.build_lock(args.duckdb, wait=args.wait) as lock, \
                tempfile.TemporaryDirectory(prefix="secfeat-run-") as scratch:
            print(f"secfeat run: building {args.duckdb} every {every:g}s (lock {lock})", flush=True)
            # parsed once: every cycle's build reuses it (dbt's parse is seconds of each invocation)
            parsed = dbtRunner().invoke(["parse", "--quiet", *common])
            if not parsed.success:
                print(f"error: dbt could not parse the project: {parsed.exception}", file=sys.stderr)
                return 1
            runner = dbtRunner(manifest=parsed.result)
            analyses = _compile_analyses(runner, common, Path(scratch) / "analyses")
            ocsf_tables = [f"ocsf_{name}" for name in contract.ocsf_classes()]
            landing = Path(project_vars(args.project_dir, args.vars)["landing_dir"])
            built_from: list[frozenset] = []  # the landing zone as the last full cycle found it

            def run_cycle(number: int) -> loop.Cycle:
                started, since = time.perf_counter(), loop.utc_now()
                listing = loop.landing_listing(landing)
                clock_only = bool(built_from) and listing == built_from[-1]
                result = runner.invoke(["build", "--quiet", *(loop.CLOCK_ONLY_BUILD if clock_only else args.dbt_args),
                                        *common])
                if not result.success:
                    return loop.Cycle(number, ok=False, seconds=time.perf_counter() - started,
                                      error=_failure_text(result))
                built_from[:] = [listing]
                published = warehouse.publish(args.duckdb, compiled_analyses=analyses,
                                              note={"published_after": f"run cycle {number}", "vars": args.vars or ""})
                readable_at = loop.utc_now()
                con = warehouse.connect_build(args.duckdb)
                try:
                    counts = loop.count_cycle(con, since, ocsf_tables)
                finally:
                    con.close()
                return loop.Cycle(
                    number, ok=True, seconds=time.perf_counter() - started, files=counts["files"],
                    lines=counts["lines"], events=counts["events"], signals=counts["signals"],
                    alerts=counts["alerts"], build_id=published.build_id, clock_only=clock_only,
                    oldest_file_wait_seconds=loop.oldest_wait_seconds(counts["oldest_file_modified_at"], readable_at))

            return loop.run_loop(run_cycle, every, cycles=args.cycles, max_backoff=max_backoff,
                                 out=lambda line: print(f"{loop.utc_now():%Y-%m-%d %H:%M:%S} {line}", flush=True))
    except warehouse.WarehouseBusy as error:
        print(f"error: {error}; one builder at a time (wait with --wait)", file=sys.stderr)
        return loop.BUSY_EXIT
    except KeyboardInterrupt:
        print("secfeat run: stopped", file=sys.stderr)
        return 130


def _compile_analyses(runner, common: list[str], into: Path) -> Path | None:
    result = runner.invoke(["compile", "--select", "resource_type:analysis", "--quiet", *common])
    if not result.success:
        print("warning: analyses/ did not compile; builds are published without them", file=sys.stderr)
        return None
    return _write_compiled_analyses(result, into)


def _failure_text(result) -> str:
    results = getattr(result.result, "results", None) or []
    failures = [f"{r.node.name}: {r.message}" for r in results if r.status in ("error", "fail")]
    return "dbt failed: " + ("; ".join(failures) if failures else str(result.exception))


def cmd_publish(args: argparse.Namespace) -> int:
    """Publish the warehouse as it is (after a plain `dbt build`, say)."""
    if not args.duckdb.exists():
        print(f"error: no warehouse at {args.duckdb}: build it first (secfeat build)", file=sys.stderr)
        return 2
    return _publish(args, "publish")


def cmd_sql(args: argparse.Namespace) -> int:
    """Run a query against the published build: never blocked by a running
    build, never blocking it. Parameters are bound, never pasted into the SQL:
    `--param user=o'brien` is `$user` in the query."""
    import duckdb

    from secfeat import warehouse

    try:
        params = dict(_parse_param(text) for text in args.param)
        build, con = warehouse.open_current(args.duckdb)
    except (ValueError, warehouse.NothingPublished) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        sql = _query_text(args, build)
        named = _bind(con, sql, params)
        if args.format == "table":
            relation = con.sql(sql, params=named)
            if relation is not None:  # None: a statement with no result
                relation.show(max_rows=args.max_rows)
        else:
            _print_rows(con.execute(sql, named), args.format)
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except duckdb.Error as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        con.close()
    return 0


def _bind(con, sql: str, params: dict[str, str]) -> dict[str, str] | None:
    """--param values, bound both ways a query may read them: $name, and
    getvariable('name') (what analyses use: it lints, and works in any
    DuckDB client after `set variable`). A variable the query reads but no
    --param gives is an error, not a silent null."""
    missing = sorted(set(re.findall(r"getvariable\(\s*'(\w+)'\s*\)", sql)) - params.keys())
    if missing:
        raise ValueError(f"the query reads {', '.join(missing)}: give --param {missing[0]}=...")
    for name, value in params.items():
        con.execute(f"set variable {name} = ?", [value])  # name: an identifier (_parse_param)
    named = {name: value for name, value in params.items() if re.search(rf"\${name}\b", sql)}
    return named or None


def _parse_param(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not equals or not name.isidentifier():
        raise ValueError(f"--param takes name=value, got {text!r}")
    return name, value


def _query_text(args: argparse.Namespace, build) -> str:
    if args.analysis:
        path = build.analyses / f"{args.analysis}.sql"
        if not path.exists():
            known = sorted(p.stem for p in build.analyses.glob("*.sql")) if build.analyses.is_dir() else []
            raise ValueError(f"no analysis {args.analysis!r} in the published build {build.build_id} "
                             f"(it has: {', '.join(known) or 'none'})")
        return path.read_text()
    if args.file:
        return args.file.read_text()
    if not args.query:
        raise ValueError("give a query, --file or --analysis")
    return args.query


def _print_rows(result, output_format: str) -> None:
    """csv, or json (one array of objects, timestamps as ISO text), a batch at a time."""
    columns = [column[0] for column in result.description]
    if output_format == "csv":
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        while rows := result.fetchmany(10_000):
            writer.writerows(rows)
        return
    separator = "["
    while rows := result.fetchmany(10_000):
        for row in rows:
            sys.stdout.write(separator + json.dumps(dict(zip(columns, row)), default=_json_text))
            separator = ",\n"
    sys.stdout.write("[]\n" if separator == "[" else "]\n")


def _json_text(value) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def cmd_export_alerts(args: argparse.Namespace) -> int:
    """Write the published build's raised alerts (the alerts model) whose
    last event is at or after --since and before --until (UTC) as OCSF 1.8.0
    Detection Findings (class 2004), one JSON object a line, in first event
    order: the same alerts give the same bytes (secfeat.export_alerts)."""
    from secfeat import export_alerts, warehouse

    try:
        build, count = export_alerts.export_published(args.duckdb, args.out, args.since, args.until,
                                                      include_over_budget=args.include_over_budget)
    except (ValueError, OSError, warehouse.NothingPublished) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"Exported {count:,} findings from build {build.build_id} to {args.out or 'stdout'}", file=sys.stderr)
    return 0


def cmd_export_ocsf(args: argparse.Namespace) -> int:
    """Write the published build's OCSF class tables as Parquet under --out,
    one folder per class, partitioned by event date (UTC), the staged
    vendor records compiled Sigma rules read and the champion's scores: what a Spark
    target (dbt --target spark, var ocsf_parquet_dir) or any Parquet reader
    builds on. Only the partitions whose rows changed since the last export
    are rewritten (secfeat.export_ocsf)."""
    from secfeat import export_ocsf, warehouse

    try:
        build, con = warehouse.open_current(args.duckdb)
    except warehouse.NothingPublished as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        exported = (export_ocsf.export_ocsf(con, args.out) + export_ocsf.export_sigma_records(con, args.out)
                    + export_ocsf.export_login_scores(con, args.out))
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        con.close()
    for table in exported:
        print(f"{table.table}: {table.partitions} event dates, {table.rewritten} rewritten "
              f"({table.rows_written:,} rows), {table.removed} removed", file=sys.stderr)
    print(f"Exported build {build.build_id} to {args.out}", file=sys.stderr)
    return 0


def cmd_rescore(args: argparse.Namespace) -> int:
    """Score every event again with the current champion: a full refresh of
    ml_login_scores, then signals re-evaluates every scored event and alerts
    follow (they keep their history: when each was first raised)."""
    if not args.duckdb.exists():
        print(f"error: no warehouse at {args.duckdb}: build it first (dbt build)", file=sys.stderr)
        return 2
    result = _run_dbt(args, ["build", "--select", "ml_login_scores+", "--full-refresh"])
    if isinstance(result, int):
        return result
    if _failed(result):
        return 1
    (counts,) = _query(args.duckdb, "select count(*) as events, any_value(model_version) as version "
                                    "from ml_login_scores")
    (alerts,) = _query(args.duckdb, "select count(*) filter (where status = 'raised') as raised, "
                                    "count(*) filter (where status = 'withdrawn') as withdrawn from alerts")
    print(f"Rescored {counts['events']:,} events with v{counts['version']}; alerts now {alerts['raised']:,} raised, "
          f"{alerts['withdrawn']:,} withdrawn.")
    return 0


def cmd_detections_replay(args: argparse.Namespace) -> int:
    """Recompute signals and alerts over the stored history of [--since,
    --until), suppressions and guards included, into the schema `replay` of
    the warehouse (never the live tables), and print per detection and day:
    signals, suppressed, short of a baseline, alerts raised. --detection
    NAME reports that detection alone and counts it as enabled."""
    from secfeat import replay
    from secfeat.warehouse import connect_build

    if not args.duckdb.exists():
        print(f"error: no warehouse at {args.duckdb}: build it first (dbt build)", file=sys.stderr)
        return 2
    try:
        args.vars = replay.replay_vars(args.vars, args.since, args.until, args.detection)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    con = connect_build(args.duckdb)
    try:
        replay.reset_schema(con)
    finally:
        con.close()
    result = _run_dbt(args, ["run", "--select", "tag:replayed", "--quiet"])
    if isinstance(result, int):
        return result
    if _failed(result):
        return 1
    con = connect_build(args.duckdb)
    try:
        days = replay.daily_figures(con, args.detection)
    finally:
        con.close()
    if args.detection and not days:
        print(f"(no signals of {args.detection} in the period)")
    print(replay.report(days, args.since, args.until))
    return 0


def cmd_sigma_compile(args: argparse.Namespace) -> int:
    """Compile Sigma rules (files or folders of .yml) into detection models:
    one det_sigma_*.sql per rule in --out (regenerated), every skipped rule's
    reason in its COMPILE_REPORT.md. Review and commit both, then build."""
    from secfeat.generate_yaml import DETECTION_MODELS_MACRO, detection_models
    from secfeat.sigma.compiler import REPORT_FILE, AttackData, compile_rules

    missing = [str(path) for path in args.paths if not path.exists()]
    if missing:
        print(f"error: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    try:
        attack = AttackData.load(args.attack_data) if args.attack_data else None
    except (OSError, ValueError) as error:
        print(f"error: --attack-data: {error}", file=sys.stderr)
        return 2
    report = compile_rules(args.paths, args.project_dir / args.out, args.rule_url_base, attack)
    (args.project_dir / DETECTION_MODELS_MACRO).write_text(detection_models(args.project_dir))
    for name, (compiled, skipped) in report.by_log_source().items():
        print(f"{name:<26} {compiled:>5} compiled {skipped:>5} skipped")
    print(f"{len(report.compiled)} of {len(report.outcomes)} rules compiled into {args.out}; "
          f"why the rest were skipped: {args.out / REPORT_FILE}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Simulate organisations the models never trained on (other seeds and
    sizes), build each in its own warehouse with no labels, score it with the
    current champion (or, with --unsupervised, an isolation forest trained on
    the org itself) and the rules, and print per technique the attacks caught
    by rules alone, the model alone and both, with alerts a day and precision
    at the daily budget; then per org and per detection the false alerts
    (raised, catching no attack), also a day per 100 people, and each
    detection's share of them. Orgs may have other shapes (terminal servers,
    office NATs, an internet-facing sshd, service accounts, ...) and sizes:
    see --org and --shapes-preset. Also writes evaluation.json in the work dir."""
    from secfeat.evaluate import DEFAULT_ORGS, Org, evaluate, preset_orgs, report, write_json

    try:
        orgs = [Org.parse(text) for text in args.org]
        if args.shapes_preset:
            orgs += preset_orgs(args.shapes_preset)
        orgs = orgs or [Org.parse(text) for text in DEFAULT_ORGS]
        defaults = project_vars(args.project_dir)
    except (ValueError, UnknownVar) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    tracking_dir = (args.tracking_dir or Path(defaults.get("mlflow_tracking_dir", "mlruns"))).resolve()
    work_dir = args.work_dir.resolve()
    results = evaluate(args.project_dir.resolve(), orgs, work_dir, tracking_dir, args.daily_budget, args.unsupervised)
    print(report(results, args.daily_budget))
    write_json(results, work_dir / "evaluation.json")
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
    sim.add_argument("--shape", action="append", default=[], metavar="NAME",
                     help="an org of another shape, on top of the ordinary activity (repeatable, or joined with +): "
                          + ", ".join(SHAPES))
    sim.add_argument("--users", type=int, help="how many people the org has (default: events per day / 200, "
                                               "at least 20)")
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
    promote.add_argument("--version", help="candidate version (default: the one the warehouse recorded, "
                                           "ml_login_model_training's model_version)")
    promote.add_argument("--yes", action="store_true", help="make the candidate the champion")
    promote.add_argument("--bootstrap", action="store_true",
                         help="make the candidate the champion only if there is none yet")
    promote.add_argument("--allow-unrecorded", action="store_true",
                         help="promote a version whose training died before the warehouse recorded it")
    promote.add_argument("--model", help="registered model name (default: var login_model_name)")
    promote.add_argument("--duckdb", type=Path, default=None,
                         help="the warehouse (default: $SECFEAT_DUCKDB_PATH, else secfeat.duckdb)")
    promote.add_argument("--tracking-dir", type=Path, help="MLflow store (default: var mlflow_tracking_dir)")
    promote.add_argument("--threshold", type=float, help="alert threshold (default: var alert_threshold)")
    promote.add_argument("--daily-budget", type=int,
                         help="most alerts a day, 0 for no limit (default: var alerts_daily_budget)")
    promote.add_argument("--top-k", type=int, help="k of precision at k (default: var evaluation_top_k)")
    promote.add_argument("--since", type=datetime.fromisoformat,
                         help="compare on logons after this UTC time (default: the later training window's end)")
    promote.add_argument("--project-dir", type=Path, default=Path("."), help="where dbt_project.yml is")
    promote.add_argument("--vars", help="the dbt --vars the warehouse was built with (YAML), over the project's")
    promote.set_defaults(func=cmd_promote)

    for name, func, text in (
            ("build", cmd_build, "dbt build (any of its arguments), then publish the warehouse for readers"),
            ("publish", cmd_publish, "publish the warehouse as it is, for readers"),
            ("train", cmd_train, "build the training set, train a model version and register it (never promotes)"),
            ("rescore", cmd_rescore, "score every logon again with the champion; alerts keep their history")):
        command = commands.add_parser(name, help=text, description=(func.__doc__ or "").replace("\n    ", " "),
                                      allow_abbrev=False)  # dbt's --profile is no --profiles-dir
        command.add_argument("--duckdb", type=Path, default=None,
                             help="the warehouse (default: $SECFEAT_DUCKDB_PATH, else secfeat.duckdb)")
        command.add_argument("--project-dir", type=Path, default=Path("."), help="where dbt_project.yml is")
        command.add_argument("--profiles-dir", type=Path, help="dbt's profiles (default: <project-dir>/profiles)")
        command.add_argument("--vars", help="dbt --vars (YAML), over the project's")
        command.set_defaults(func=_holding_build_lock(func))

    run = commands.add_parser("run", help="the scheduled loop: build, publish, sleep until the next tick",
                              description=(cmd_run.__doc__ or "").replace("\n    ", " "), allow_abbrev=False)
    run.add_argument("--every", default="60s", help="the cadence: 60s, 5m, 1h (default 60s)")
    run.add_argument("--cycles", type=int, help="stop after this many cycles (default: run until stopped)")
    run.add_argument("--wait", action="store_true", help="wait for the builder that holds the warehouse, not exit")
    run.add_argument("--max-backoff", default="15m", help="the longest wait after failed cycles (default 15m)")
    run.add_argument("--duckdb", type=Path, default=None,
                     help="the warehouse (default: $SECFEAT_DUCKDB_PATH, else secfeat.duckdb)")
    run.add_argument("--project-dir", type=Path, default=Path("."), help="where dbt_project.yml is")
    run.add_argument("--profiles-dir", type=Path, help="dbt's profiles (default: <project-dir>/profiles)")
    run.add_argument("--vars", help="dbt --vars (YAML), over the project's")
    run.set_defaults(func=cmd_run)

    detections = commands.add_parser("detections", help="detections: replay them over stored history")
    detection_commands = detections.add_subparsers(dest="detections_command", required=True)
    replay = detection_commands.add_parser(
        "replay", help="what the detections would have raised over a period (schema replay, never the live tables)",
        description=(cmd_detections_replay.__doc__ or "").replace("\n    ", " "))
    replay.add_argument("--since", type=datetime.fromisoformat, required=True, help="from this UTC time")
    replay.add_argument("--until", type=datetime.fromisoformat, required=True, help="to this UTC time, excluded")
    replay.add_argument("--detection", help="report this detection alone, counted as enabled")
    replay.add_argument("--duckdb", type=Path, default=None,
                        help="the warehouse (default: $SECFEAT_DUCKDB_PATH, else secfeat.duckdb)")
    replay.add_argument("--project-dir", type=Path, default=Path("."), help="where dbt_project.yml is")
    replay.add_argument("--profiles-dir", type=Path, help="dbt's profiles (default: <project-dir>/profiles)")
    replay.add_argument("--vars", help="the dbt --vars the warehouse was built with (YAML), over the project's")
    replay.set_defaults(func=_holding_build_lock(cmd_detections_replay))

    sigma = commands.add_parser("sigma", help="Sigma rules: compile them into detection models")
    sigma_commands = sigma.add_subparsers(dest="sigma_command", required=True)
    sigma_compile = sigma_commands.add_parser(
        "compile", help="Sigma rules into models/detections/sigma (one model per rule, and a report)",
        description=(cmd_sigma_compile.__doc__ or "").replace("\n    ", " "))
    sigma_compile.add_argument("paths", type=Path, nargs="+", help="Sigma rule files or folders of them")
    sigma_compile.add_argument("--out", type=Path, default=Path("models/detections/sigma"),
                               help="the generated folder, under --project-dir (default models/detections/sigma)")
    sigma_compile.add_argument("--rule-url-base",
                               help="where the rules are published (e.g. https://github.com/SigmaHQ/sigma/blob/"
                                    "<commit>): joined with each rule's path under the folder PATHs share, it is "
                                    "the rule URI alerts and findings keep")
    sigma_compile.add_argument("--attack-data", type=Path,
                               help="MITRE ATT&CK Enterprise's STIX bundle (enterprise-attack.json from "
                                    "mitre-attack/attack-stix-data): names each rule's technique and the version")
    sigma_compile.add_argument("--project-dir", type=Path, default=Path("."), help="where dbt_project.yml is")
    sigma_compile.set_defaults(func=cmd_sigma_compile)

    sql = commands.add_parser(
        "sql", help="query the published build (a table, or --format csv|json)",
        description=(cmd_sql.__doc__ or "").replace("\n    ", " "),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n"
               "  secfeat sql \"select * from feat_user_latest order by failed_logins_24h desc limit 5\"\n"
               "  secfeat sql --format csv 'select * from feat_user_latest where user_key = $user' --param user=o\\'brien\n"
               "  secfeat sql --analysis user_features_as_of --param user_key=niaj.parker "
               "--param as_of='2026-10-29 12:30'\n")
    sql.add_argument("query", nargs="?", help="SQL; $NAME and getvariable('NAME') read --param NAME=VALUE")
    sql.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                     help="bind VALUE, as text, to $NAME and getvariable('NAME') (cast it in SQL, e.g. "
                          "cast($as_of as timestamp)); repeatable")
    sql.add_argument("--file", type=Path, help="read the query from this file")
    sql.add_argument("--analysis", help="run analyses/<ANALYSIS>.sql as compiled for the published build")
    sql.add_argument("--format", choices=("table", "csv", "json"), default="table")
    sql.add_argument("--max-rows", type=int, default=40, help="rows a table shows (csv and json print all)")
    sql.add_argument("--duckdb", type=Path, default=None,
                     help="the build warehouse whose published copy to read (default: $SECFEAT_DUCKDB_PATH, "
                          "else secfeat.duckdb)")
    sql.set_defaults(func=cmd_sql)

    export = commands.add_parser(
        "export-alerts", help="write the published build's alerts as OCSF Detection Finding JSON lines",
        description=(cmd_export_alerts.__doc__ or "").replace("\n    ", " "))
    export.add_argument("--since", type=datetime.fromisoformat, required=True,
                        help="alerts whose last event is at or after this ISO date or time (UTC, unless offset)")
    export.add_argument("--until", type=datetime.fromisoformat,
                        help="and before this one (exclusive; default: no end)")
    export.add_argument("--out", type=Path, help="write to this file, whole or not at all (default: stdout)")
    export.add_argument("--include-over-budget", action="store_true",
                        help="also the alerts past the daily budget (is_alert false)")
    export.add_argument("--duckdb", type=Path, default=None,
                        help="the build warehouse whose published copy to read (default: $SECFEAT_DUCKDB_PATH, "
                             "else secfeat.duckdb)")
    export.set_defaults(func=cmd_export_alerts)

    export_ocsf = commands.add_parser(
        "export-ocsf", help="write the published build's OCSF tables as Parquet partitioned by event date",
        description=(cmd_export_ocsf.__doc__ or "").replace("\n    ", " "))
    export_ocsf.add_argument("--out", type=Path, default=Path("ocsf_parquet"),
                             help="the export's folder (default ocsf_parquet, the var ocsf_parquet_dir's default)")
    export_ocsf.add_argument("--duckdb", type=Path, default=None,
                             help="the build warehouse whose published copy to read (default: $SECFEAT_DUCKDB_PATH, "
                                  "else secfeat.duckdb)")
    export_ocsf.set_defaults(func=cmd_export_ocsf)

    evaluate = commands.add_parser(
        "evaluate", help="simulate orgs the models never saw; recall per technique, alerts a day, precision",
        description=(cmd_evaluate.__doc__ or "").replace("\n    ", " "))
    evaluate.add_argument("--org", action="append", default=[], metavar=ORG_FORMAT,
                          help="an org to simulate (repeatable; default: " + " ".join(DEFAULT_ORGS) + "). SHAPE: "
                               + ", ".join(SHAPES) + "; USERS=N: how many people (default EVENTS_PER_DAY / 200, "
                               "at least 20); e.g. 404:9:30000:exposed_sshd+service_accounts, "
                               "405:7:30000:nat_offices+exposed_sshd:users=3000")
    evaluate.add_argument("--shapes-preset", choices=sorted(PRESETS),
                          help="add a named list of orgs (five-shapes: five orgs of 20 to 5,000 people, of one "
                               "shape or several each; secfeat.evaluate.PRESETS lists them)")
    evaluate.add_argument("--unsupervised", action="store_true",
                          help="train an isolation forest on each org itself (no labels) instead of the champion")
    evaluate.add_argument("--daily-budget", type=int, default=20, help="alerts an analyst takes a day (default 20)")
    evaluate.add_argument("--work-dir", type=Path, default=Path(".evaluate"),
                          help="where the orgs' landing zones and warehouses go (default .evaluate)")
    evaluate.add_argument("--project-dir", type=Path, default=Path("."), help="where dbt_project.yml is")
    evaluate.add_argument("--tracking-dir", type=Path, help="MLflow store of the champion (default: var mlflow_tracking_dir)")
    evaluate.set_defaults(func=cmd_evaluate)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if args.command in ("build", "run"):
        args.dbt_args = extra  # dbt build's own arguments
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if getattr(args, "duckdb", False) is None:
        args.duckdb = default_warehouse()
    if getattr(args, "days", 1) < 1 or getattr(args, "events_per_day", 1) < 1:
        print("error: --days and --events-per-day must be positive", file=sys.stderr)
        return 2
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
