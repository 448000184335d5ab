"""What an incremental ingestion build costs against a full one (`make bench`).

For each landing-zone size (by default the demo week and four weeks, 50k events
a day each) in its own scratch folder under .make/bench/<days>d: simulate the
landing zone (reused when its manifest matches), seed, build the ingestion
models (landing_lines and any landing_* model the OCSF models read, the staging
models, the OCSF class models) into a fresh warehouse, land one more hour of
files, then build them incrementally, again with nothing new (no-op), and with
--full-refresh. Prints per-model execution
times from each build's run_results.json and the ratios, incremental over
full: the goal is at most 10% at the demo week, falling as history grows.

Figures, not a timed test: absolute times are noisy (two threads on a shared
machine), so read the ratios, side by side.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from secfeat import contract

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SCRATCH = ROOT / ".make" / "bench"

# The demo's landing zone (Makefile: DEMO_*), at several lengths of history.
EVENTS_PER_DAY = 50_000
SEED = 7
END = date(2026, 11, 1)
# One more hour: a day of a separate simulation at an hour's volume (50k / 24).
NEXT_HOUR_EVENTS = 2_084
NEXT_HOUR_SEED = 8
NEXT_HOUR_SUFFIX = "_next_hour"

# The ingestion models: the OCSF class models and all they are built from
# (seeds too, for `dbt seed`): landing_lines (the one that reads files) and any
# other landing_* model they read, the staging models and the OCSF models. A
# build of anything else fails. The staging and OCSF models are the contract's.
SELECTOR = "+path:models/ocsf"
LANDING_MODEL = "landing_lines"
STAGING = [spec["model"] for spec in contract.load()["sources"].values()]
OCSF = [f"ocsf_{ocsf_class}" for ocsf_class in contract.ocsf_classes()]


class Failed(RuntimeError):
    pass


def run(command: list[str], log: Path, env: dict | None = None) -> float:
    """Run a command from the project dir, its output into `log`; its wall time."""
    started = time.perf_counter()
    with log.open("w") as out:
        result = subprocess.run(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        tail = "".join(log.read_text().splitlines(keepends=True)[-40:])
        raise Failed(f"{' '.join(command)} failed (exit {result.returncode}); see {log}:\n{tail}")
    return wall


class Size:
    """One landing-zone size: its scratch folder, warehouse and dbt invocations."""

    def __init__(self, days: int, events_per_day: int, threads: int | None) -> None:
        self.days, self.events_per_day, self.threads = days, events_per_day, threads
        self.name = f"{days} days x {events_per_day:,}/day"
        self.dir = SCRATCH / f"{days}d"
        self.landing = self.dir / "landing"
        self.warehouse = self.dir / "secfeat.duckdb"
        self.target = self.dir / "target"
        self.logs = self.dir / "logs"
        self.vars = (f"{{landing_dir: '{self.landing}', mlflow_tracking_dir: '{self.dir / 'mlruns'}', "
                     f"as_of: '{END} 00:00:00'}}")

    def simulate(self) -> float:
        self.dir.mkdir(parents=True, exist_ok=True)
        for landed in self.landing.glob(f"*/*{NEXT_HOUR_SUFFIX}*"):
            landed.unlink()  # the previous bench run's extra hour
        return simulate(self.days, self.events_per_day, SEED, END, self.landing, self.dir / "simulate.log")

    def dbt(self, command: str, label: str, *extra: str) -> tuple[float, dict[str, float], dict[str, str]]:
        """Wall time, and per model execution time and relation, of one dbt invocation."""
        args = [str(BIN / "dbt"), command, "--profiles-dir", "profiles", "--project-dir", ".",
                "--target-path", str(self.target), "--log-path", str(self.logs), "--vars", self.vars, *extra]
        if self.threads:
            args += ["--threads", str(self.threads)]
        env = {**os.environ, "SECFEAT_DUCKDB_PATH": str(self.warehouse), "DBT_USE_COLORS": "false"}
        self.logs.mkdir(parents=True, exist_ok=True)
        wall = run(args, self.logs / f"bench_{label}.log", env)
        results = json.loads((self.target / "run_results.json").read_text())["results"]
        models = [result for result in results if result["unique_id"].startswith("model.")]
        times = {result["unique_id"].split(".")[-1]: result["execution_time"] for result in models}
        relations = {result["unique_id"].split(".")[-1]: result.get("relation_name") for result in models}
        return wall, times, relations

    def build(self, label: str, *extra: str) -> tuple[float, dict[str, float], dict[str, str]]:
        wall, times, relations = self.dbt("run", label, "--select", SELECTOR, *extra)
        # the pseudonymization key's fingerprint is a staging helper every staging model reads
        landing = sorted(set(times) - set(STAGING) - set(OCSF) - {"stg_pseudonymization__key_fingerprint"})
        if set(STAGING + OCSF) - set(times) or LANDING_MODEL not in landing or \
                any(not model.startswith("landing_") for model in landing):
            raise Failed(f"--select {SELECTOR} built {sorted(times)}, not {LANDING_MODEL} (and other landing_* "
                         f"models), {STAGING} and {OCSF}: update bench/landing_incremental.py")
        return wall, times, relations

    def fresh_warehouse(self) -> None:
        for path in self.dir.glob(self.warehouse.name + "*"):
            path.unlink()
        # the seeds the ingestion models read (country_codes)
        self.dbt("seed", "seed", "--select", SELECTOR)

    def land_next_hour(self, next_hour: Path) -> list[Path]:
        """Copy the per-source files of the next-hour zone in under new names, landed after every
        file already there (and no earlier than the simulator's own landing time for them, so
        their events are not stamped after their file landed)."""
        latest = max(path.stat().st_mtime_ns for path in self.landing.glob("*/*") if path.is_file())
        landed = []
        for source_file in sorted(next_hour.glob("*/*")):
            if not source_file.is_file():
                continue
            name = f"{source_file.stem}{NEXT_HOUR_SUFFIX}{source_file.suffix}"
            target = self.landing / source_file.parent.name / name
            shutil.copyfile(source_file, target)
            mtime_ns = max(latest + 1_000_000_000, source_file.stat().st_mtime_ns)
            os.utime(target, ns=(mtime_ns, mtime_ns))
            landed.append(target)
        return landed


def simulate(days: int, events_per_day: int, seed: int, end: date, out: Path, log: Path) -> float:
    """`secfeat simulate`, which keeps a landing zone whose manifest already matches; one it
    refuses (a different simulation, or an older generator's) is replaced: it is our scratch."""
    command = [str(BIN / "secfeat"), "simulate", "--days", str(days), "--events-per-day", str(events_per_day),
               "--seed", str(seed), "--end", end.isoformat(), "--out", str(out)]
    try:
        return run(command, log)
    except Failed:
        return run([*command, "--force"], log)


def counts(warehouse: Path, relations: dict[str, str]) -> dict:
    """Files and raw records per landing folder, staged rows per staging model, events per OCSF model,
    and what the extra hour brought."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        def one(sql: str) -> int:
            return con.execute(sql).fetchone()[0]

        # a file's first row stands for it (line 1, or 0 for a file without text)
        landing = f"(select * from {relations[LANDING_MODEL]} where line_number <= 1)"
        files = dict(con.execute(f"select landing_folder, count(*) from {landing} group by 1").fetchall())
        new = f"contains(_source_file, '{NEXT_HOUR_SUFFIX}')"  # a row of the next hour's files
        staged = {model: (one(f"select count(*) from {relations[model]}"),
                          one(f"select count(*) from {relations[model]} where {new}"),
                          one(f"select count(*) from {relations[model]} where {new} "
                              "and _quarantine_reason is null and _ignored_reason is null"))
                  for model in STAGING}
        events = {model: (one(f"select count(*) from {relations[model]}"),
                          one(f"select count(*) from {relations[model]} where {new}"))
                  for model in OCSF}
        new_files = one(f"select count(*) from {landing} where contains(source_file, '{NEXT_HOUR_SUFFIX}')")
        return {"files": files, "new_files": new_files, "staged": staged, "events": events}
    finally:
        con.close()


def table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(row[i]) for row in [header, *rows] if row) for i in range(len(header))]

    def line(row: list[str]) -> str:
        return "  ".join(cell.ljust(width) if i == 0 else cell.rjust(width) for i, (cell, width)
                         in enumerate(zip(row, widths)))

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(header), rule, *(line(row) if row else rule for row in rows)])


def ratio(part: float, whole: float) -> str:
    return f"{part / whole:.1%}" if whole else "-"


def folder_of(staging_model: str) -> str:
    return staging_model.removeprefix("stg_").split("__")[0]


def report(size: Size, runs: dict[str, tuple[float, dict[str, float], dict[str, str]]], found: dict,
           simulate_wall: float) -> str:
    incremental, noop, full, first = (runs[label][1] for label in ("incremental", "noop", "full_refresh", "initial"))
    if len({frozenset(times) for times in (incremental, noop, full, first)}) > 1:
        raise Failed(f"the builds of {size.name} built different models (was the project edited meanwhile?)")
    landing = [LANDING_MODEL, *sorted(set(incremental) - set(STAGING) - set(OCSF) - {LANDING_MODEL})]
    models = landing + STAGING + OCSF

    def row(label: str, group: list[str]) -> list[str]:
        inc, nop, ful, fst = (sum(times[model] for model in group) for times in (incremental, noop, full, first))
        return [label, f"{inc:.2f}", f"{nop:.2f}", f"{ful:.2f}", f"{fst:.2f}", ratio(inc, ful), ratio(nop, ful)]

    rows = []
    for group in (landing, STAGING, OCSF):
        rows += [row(model, [model]) for model in group]
        rows.append([])
    rows += [row(f"landing ({len(landing)})", landing), row(f"staging ({len(STAGING)})", STAGING),
             row(f"ocsf ({len(OCSF)})", OCSF),
             row("total", models), []]
    walls = {label: runs[label][0] for label in runs}
    rows.append(["dbt run, wall time", *(f"{walls[label]:.1f}" for label in ("incremental", "noop", "full_refresh",
                                                                               "initial")),
                 ratio(walls["incremental"], walls["full_refresh"]), ratio(walls["noop"], walls["full_refresh"])])
    header = ["model (execution_time, s)", "incremental", "no-op", "full refresh", "first build", "incr/full",
              "no-op/full"]
    total = {label: sum(times.values()) for label, times in
             (("incremental", incremental), ("noop", noop), ("full", full), ("first", first))}

    files, staged = found["files"], found["staged"]
    source_rows = [[folder_of(model), f"{files.get(folder_of(model), 0):,}", *(f"{count:,}" for count in staged[model])]
                   for model in STAGING]
    source_rows += [[], ["all sources", f"{sum(files.get(folder_of(model), 0) for model in STAGING):,}",
                         *(f"{sum(counts[i] for counts in staged.values()):,}" for i in range(3))]]
    at_root = sum(count for folder, count in files.items() if folder not in {folder_of(m) for m in STAGING})
    events_total = sum(counts[0] for counts in found["events"].values())
    events_new = sum(counts[1] for counts in found["events"].values())
    return "\n".join([
        f"== {size.name}: {size.landing.relative_to(ROOT)} ==",
        "",
        table(rows, header),
        "",
        f"incremental {ratio(total['incremental'], total['full'])} and no-op {ratio(total['noop'], total['full'])} "
        f"of the full refresh ({ratio(total['incremental'], total['first'])} and "
        f"{ratio(total['noop'], total['first'])} of the first build); goal at the demo week: at most 10%",
        f"simulating the landing zone: {simulate_wall:.1f} s (0 when reused)",
        "",
        table(source_rows, ["landing folder", "files", "raw records", "next hour's", "next hour's, mapped"]),
        f"raw records: staged rows, one per raw line or record; mapped: neither quarantined nor ignored. "
        f"And {at_root} file(s) at the root (the manifest, incidents.csv).",
        f"OCSF events {events_total:,}, {events_new:,} of them from the next hour's {found['new_files']} file(s).",
    ])


def bench_size(size: Size, next_hour: Path) -> str:
    print(f"-- {size.name}: simulating into {size.landing.relative_to(ROOT)}", flush=True)
    simulate_wall = size.simulate()
    runs = {}
    print(f"-- {size.name}: seeding a fresh warehouse, first build", flush=True)
    size.fresh_warehouse()
    runs["initial"] = size.build("initial")
    landed = size.land_next_hour(next_hour)
    print(f"-- {size.name}: landed {len(landed)} next-hour file(s); incremental build, no-op build, full refresh",
          flush=True)
    runs["incremental"] = size.build("incremental")
    runs["noop"] = size.build("noop")
    runs["full_refresh"] = size.build("full_refresh", "--full-refresh")
    found = counts(size.warehouse, runs["full_refresh"][2])
    # the figures, for a second look without rerunning
    figures = {"runs": runs, "found": found, "simulate": simulate_wall}
    (size.dir / "bench.json").write_text(json.dumps(figures, indent=2))
    return report(size, runs, found, simulate_wall)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, nargs="+", default=[7, 28], help="landing-zone sizes (days of history)")
    parser.add_argument("--events-per-day", type=int, default=EVENTS_PER_DAY)
    parser.add_argument("--threads", type=int, help="dbt threads (default: the profile's)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    SCRATCH.mkdir(parents=True, exist_ok=True)
    lock = (SCRATCH / ".lock").open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        # two benches in one scratch folder would delete each other's warehouses
        print(f"-- another bench is running in {SCRATCH.relative_to(ROOT)}: waiting for it", flush=True)
        fcntl.flock(lock, fcntl.LOCK_EX)
    next_hour = SCRATCH / "next_hour" / "landing"
    next_end = END + timedelta(days=1)
    print(f"-- simulating the next hour ({NEXT_HOUR_EVENTS:,} events, seed {NEXT_HOUR_SEED}, "
          f"day {END}) into {next_hour.relative_to(ROOT)}", flush=True)
    SCRATCH.joinpath("next_hour").mkdir(parents=True, exist_ok=True)
    simulate(1, NEXT_HOUR_EVENTS, NEXT_HOUR_SEED, next_end, next_hour, SCRATCH / "next_hour" / "simulate.log")
    reports = []
    try:
        for days in args.days:
            reports.append(bench_size(Size(days, args.events_per_day, args.threads), next_hour))
    except Failed as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print()
    print("\n\n".join(reports))
    print(f"\nbench total: {time.perf_counter() - started:.0f} s; load average at the end "
          f"{' '.join(f'{load:.1f}' for load in os.getloadavg())} on {os.cpu_count()} cores "
          "(incremental: the extra hour's files only; no-op: nothing new landed; full: --full-refresh)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
