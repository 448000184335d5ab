"""What the detection layer costs per scheduled build against evaluating every event (`make bench`).

In a scratch folder (.make/bench/detections_<days>d): the demo's landing zone,
built as `make demo` builds it (everything, a first model trained and made
champion, then scored); one more hour of files landed (landing_incremental's
next hour), then the scheduled `dbt build`, the same with nothing new, and a
full refresh of `signals` (every event of every detection evaluated again).
Prints the execution time of each model of the signals-to-alerts path in each,
and the ratio the goal is about: `signals` after an hour against its full
refresh (it evaluates only the events whose features or score were computed
since). `alerts` and `entity_risk` are recomputed from the signals each build:
their cost follows the number of signals, not of events.

Figures, not a timed test: read the ratios, side by side.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from datetime import timedelta

from landing_incremental import (
    BIN, END, NEXT_HOUR_EVENTS, NEXT_HOUR_SEED, SCRATCH, Failed, Size, ratio, run, simulate, table,
)

DETECTION_PATH = ["signals", "signal_suppressions", "triaged_signals", "entity_risk", "alerts"]


class DetectionsSize(Size):
    """The demo flow's warehouse, in a folder of its own."""

    def __init__(self, days: int, events_per_day: int, threads: int | None) -> None:
        super().__init__(days, events_per_day, threads)
        self.dir = SCRATCH / f"detections_{days}d"
        self.landing, self.warehouse = self.dir / "landing", self.dir / "secfeat.duckdb"
        self.target, self.logs = self.dir / "target", self.dir / "logs"
        self.vars = (f"{{landing_dir: '{self.landing}', mlflow_tracking_dir: '{self.dir / 'mlruns'}', "
                     f"as_of: '{END} 00:00:00'}}")

    def secfeat(self, label: str, *args: str) -> float:
        self.logs.mkdir(parents=True, exist_ok=True)
        return run([str(BIN / "secfeat"), *args, "--duckdb", str(self.warehouse)], self.logs / f"bench_{label}.log")

    def demo_flow(self) -> None:
        for path in self.dir.glob(self.warehouse.name + "*"):
            path.unlink()
        shutil.rmtree(self.dir / "mlruns", ignore_errors=True)
        self.dbt("build", "first_build", "--exclude", "tag:training", "tag:uses_champion+")
        self.secfeat("train", "train", "--vars", self.vars)
        self.secfeat("promote", "promote", "--bootstrap", "--tracking-dir", str(self.dir / "mlruns"))
        self.dbt("build", "scored", "--select", "tag:uses_champion+")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=7, help="days of history (default: the demo week)")
    parser.add_argument("--events-per-day", type=int, default=50_000)
    parser.add_argument("--threads", type=int, help="dbt threads (default: the profile's)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    size = DetectionsSize(args.days, args.events_per_day, args.threads)
    next_hour = SCRATCH / "next_hour" / "landing"
    try:
        SCRATCH.joinpath("next_hour").mkdir(parents=True, exist_ok=True)
        simulate(1, NEXT_HOUR_EVENTS, NEXT_HOUR_SEED, END + timedelta(days=1), next_hour,
                 SCRATCH / "next_hour" / "simulate.log")
        print(f"-- {size.name}: simulating, then the demo flow (build, train, promote, score)", flush=True)
        size.simulate()
        size.demo_flow()
        size.land_next_hour(next_hour)
        print(f"-- {size.name}: one more hour landed; scheduled build, no-op build, signals full refresh",
              flush=True)
        runs = {"hour": size.dbt("build", "hour"), "noop": size.dbt("build", "noop"),
                "full": size.dbt("run", "full", "--select", "signals", "--full-refresh")}
    except Failed as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    (size.dir / "bench.json").write_text(json.dumps(runs, indent=2))
    rows = [[model] + [f"{runs[label][1].get(model, float('nan')):.2f}" for label in runs]
            for model in DETECTION_PATH]
    rows.append(["dbt wall"] + [f"{runs[label][0]:.1f}" for label in runs])
    print()
    print(f"The detection layer, {size.name}: model execution seconds")
    print(table(rows, ["model", "one more hour", "nothing new", "signals full refresh"]))
    full = runs["full"][1]["signals"]
    print(f"signals, one more hour / full refresh: {ratio(runs['hour'][1]['signals'], full)}; "
          f"nothing new / full refresh: {ratio(runs['noop'][1]['signals'], full)}")
    print(f"(bench: {time.perf_counter() - started:.0f}s; figures in {size.dir.relative_to(SCRATCH.parent.parent)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
