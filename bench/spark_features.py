"""The feature layer on Spark local[2] beside DuckDB, on the same synthetic logons (`make bench BENCH=spark`).

Figures, not a timed test: read the ratios, measured side by side in one run.

In .make/bench/spark: a warehouse with every table the feature models read,
built on an empty landing zone, whose ocsf_authentication then holds N
synthetic logons (default 1M; bench/feature_scale.py's generator: 50k users,
5k source IPs, 30 days). Then, each timed:

1. DuckDB: the feature models built whole (`dbt run --full-refresh`).
2. `secfeat export-ocsf`'s export of the OCSF tables to Parquet by event date.
3. Spark: the same models built whole from that Parquet (`dbt run --target
   spark --full-refresh`, local[2], the profile's spark output).
4. An hour of new logons (N/720) on both: DuckDB's incremental run, the
   export (only the partitions that changed) and Spark's incremental run.
5. Every row of the event-grain tables compared between the engines (all
   columns but _computed_at; Spark's tables read from their Parquet).

Times are dbt's wall time (with its start-up; Spark's includes starting the
JVM) and the models' elapsed time from run_results.json. Peak RSS is
DuckDB's dbt process only (Spark's JVM is py4j's child, which time(1) does
not see; the profile caps its heap at 4 GB). Every invocation's output is in
.make/bench/spark/logs; the figures, also as JSON, in .make/bench/spark/bench.json.

Usage: python bench/spark_features.py [--size 1000000]
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import feature_scale as scale  # noqa: E402 (the generator, dbt runs and timing of the DuckDB bench)

HERE = scale.SCRATCH / "spark"
EVENT_GRAIN_MODELS = ["int_process_launch_prevalence", scale.USER_TABLE, scale.USER_SRC_IP_TABLE,
                      scale.SRC_IP_TABLE]
SPARK_SELECT = ["path:models/ocsf", *scale.FEATURE_MODELS]


class SparkScratch(scale.Scratch):
    """The scratch warehouse, and a Spark target whose metastore, tables and OCSF Parquet sit beside it."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder, None)
        self.spark_dir = folder / "spark"
        self.ocsf = folder / "ocsf_parquet"

    def env(self) -> dict:
        return {**super().env(), "SECFEAT_SPARK_DIR": str(self.spark_dir)}

    def spark_vars(self) -> list[str]:
        return ["--vars", json.dumps({"ocsf_parquet_dir": str(self.ocsf)})]


def base_warehouse(scratch: SparkScratch) -> None:
    """Every table the feature models read, built on an empty landing zone."""
    from secfeat import contract

    for source in contract.sources():
        (scratch.landing / source).mkdir(parents=True, exist_ok=True)
    landing_vars = ["--vars", json.dumps({"landing_dir": str(scratch.landing),
                                          "mlflow_tracking_dir": str(scratch.mlruns)})]
    scratch.dbt("base_seed", ["seed", *scale.dbt_flags(), *landing_vars])
    scratch.dbt("base_run", ["run", *scale.dbt_flags(), *landing_vars, "--select",
                             *(f"+{model}" for model in scale.FEATURE_MODELS)])


def export(scratch: SparkScratch) -> dict:
    from secfeat.export_ocsf import export_ocsf
    from secfeat.warehouse import connect_build

    started = time.perf_counter()
    with connect_build(scratch.warehouse) as con:
        exported = export_ocsf(con, scratch.ocsf)
    return {"wall": time.perf_counter() - started,
            "rewritten": sum(table.rewritten for table in exported),
            "rows": sum(table.rows_written for table in exported)}


def differing_rows(scratch: SparkScratch) -> dict[str, dict]:
    """Per event-grain table: rows on each engine, and rows one has that the other has not."""
    con = scale.connect(scratch.warehouse, read_only=True)
    try:
        found = {}
        for model in EVENT_GRAIN_MODELS:
            duckdb_table = scale.table_of(con, model)
            columns = [column for column in scale.columns_of(con, duckdb_table) if column != "_computed_at"]
            folder = scratch.spark_dir / "warehouse" / "secfeat.db" / model
            listed = ", ".join(sorted(columns))
            # a table with no rows has no partition, so no file to read: an empty one
            spark_table = (f"(select * from read_parquet('{folder}/**/*.parquet', hive_partitioning = true))"
                           if any(folder.glob("**/*.parquet")) else f"(select * from {duckdb_table} limit 0)")
            found[model] = {
                "duckdb_rows": con.execute(f"select count(*) from {duckdb_table}").fetchone()[0],
                "spark_rows": con.execute(f"select count(*) from {spark_table}").fetchone()[0],
                "only_duckdb": con.execute(f"select count(*) from (select {listed} from {duckdb_table} "
                                           f"except all select {listed} from {spark_table})").fetchone()[0],
                "only_spark": con.execute(f"select count(*) from (select {listed} from {spark_table} "
                                          f"except all select {listed} from {duckdb_table})").fetchone()[0],
            }
        return found
    finally:
        con.close()


def bench(size: int) -> dict:
    scratch = SparkScratch(HERE)
    if HERE.exists():
        shutil.rmtree(HERE)
    HERE.mkdir(parents=True)
    print(f"-- building the tables the features read, on an empty landing zone, in {HERE.relative_to(scale.ROOT)}",
          flush=True)
    base_warehouse(scratch)
    print(f"-- loading {size:,} synthetic logons", flush=True)
    scale.load_bulk(scratch.warehouse, size)
    select = ["--select", *scale.FEATURE_MODELS]
    found = {"size": size}

    print("-- DuckDB: full build of the feature models", flush=True)
    found["duckdb_full"] = scratch.dbt("duckdb_full", ["run", *scale.dbt_flags(), *select, "--full-refresh"])
    print("-- export-ocsf: the OCSF tables as Parquet", flush=True)
    found["export_full"] = export(scratch)
    print("-- Spark local[2]: full build of the feature models", flush=True)
    found["spark_full"] = scratch.dbt("spark_full", ["run", *scale.dbt_flags(), "--target", "spark",
                                                     *scratch.spark_vars(), "--select", *SPARK_SELECT,
                                                     "--full-refresh"])

    hour = max(1, size // scale.HOURS_PER_BULK)
    print(f"-- an hour of {hour:,} new logons: DuckDB, export, Spark (incremental)", flush=True)
    scale.load_hour(scratch.warehouse, hour)
    found["hour"] = hour
    found["duckdb_incremental"] = scratch.dbt("duckdb_incremental", ["run", *scale.dbt_flags(), *select])
    found["export_incremental"] = export(scratch)
    found["spark_incremental"] = scratch.dbt("spark_incremental", ["run", *scale.dbt_flags(), "--target", "spark",
                                                                   *scratch.spark_vars(), "--select", *SPARK_SELECT])
    print("-- comparing every row of the event-grain tables", flush=True)
    found["differing"] = differing_rows(scratch)
    return found


def report(found: dict) -> str:
    def seconds(value: float | None) -> str:
        return "-" if value is None else f"{value:,.1f} s"

    def ratio(spark: float, duckdb: float) -> str:
        return f"{spark / duckdb:,.1f}x" if duckdb else "-"

    rows = []
    for label, key in (("full build", "full"), ("incremental hour", "incremental")):
        duckdb, spark = found[f"duckdb_{key}"], found[f"spark_{key}"]
        rows.append([f"{label}: dbt wall", seconds(duckdb["wall"]), seconds(spark["wall"]),
                     ratio(spark["wall"], duckdb["wall"])])
        duckdb_span, spark_span = scale.models_span(duckdb), scale.models_span(spark)
        rows.append([f"{label}: models' elapsed", seconds(duckdb_span), seconds(spark_span),
                     ratio(spark_span, duckdb_span)])
        # Spark's JVM is py4j's child, never waited for, so time(1) cannot see its peak
        rows.append([f"{label}: peak RSS", f"{duckdb['rss_mb']:,.0f} MiB", "-", ""])
    lines = [f"## The feature models on DuckDB and on Spark local[2], {found['size']:,} synthetic logons "
             f"(an hour: {found['hour']:,})", "",
             scale.table(rows, ["", "DuckDB", "Spark local[2]", "Spark / DuckDB"]), "",
             f"export-ocsf: full {seconds(found['export_full']['wall'])} ({found['export_full']['rows']:,} rows), "
             f"after the hour {seconds(found['export_incremental']['wall'])} "
             f"({found['export_incremental']['rewritten']} partitions, {found['export_incremental']['rows']:,} rows)",
             "", "Rows of the event-grain tables (all columns but _computed_at):", ""]
    lines.append(scale.table([[model, f"{counts['duckdb_rows']:,}", f"{counts['spark_rows']:,}",
                               f"{counts['only_duckdb']:,}", f"{counts['only_spark']:,}"]
                              for model, counts in found["differing"].items()],
                             ["table", "DuckDB rows", "Spark rows", "only on DuckDB", "only on Spark"]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="synthetic logons (default 1M)")
    args = parser.parse_args(argv)
    scale.SCRATCH.mkdir(parents=True, exist_ok=True)
    lock = (scale.SCRATCH / ".lock").open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print("-- another bench is running: waiting for it", flush=True)
        fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        found = bench(args.size)
    except scale.Failed as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    (HERE / "bench.json").write_text(json.dumps(found, indent=2, default=str))
    print()
    print(report(found))
    return 0


if __name__ == "__main__":
    os.chdir(scale.ROOT)
    sys.exit(main())
