"""The ``secfeat`` command: the parts of the pipeline that are not dbt models."""

from __future__ import annotations

import argparse
import json
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
    summary.add_argument("--duckdb", type=Path, default=Path("secfeat.duckdb"))
    summary.add_argument("--top", type=int, default=10)
    summary.set_defaults(func=cmd_summary)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "days", 1) < 1 or getattr(args, "events_per_day", 1) < 1:
        print("error: --days and --events-per-day must be positive", file=sys.stderr)
        return 2
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
