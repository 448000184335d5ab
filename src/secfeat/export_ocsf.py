"""The OCSF class tables as Parquet, partitioned by event date: the hand-off
from DuckDB staging to another engine (Spark, Athena, a Security Lake-style
consumer).

``secfeat export-ocsf --out DIR`` writes, for each OCSF class model (and as
``sigma_records_<staging model>`` the staged vendor records compiled Sigma
rules read, as ``ml_login_scores`` the champion's scores the model's
detection reads)::

    DIR/ocsf_<class>/event_date=YYYY-MM-DD/<export id>.parquet
    DIR/ocsf_<class>/_common_metadata         the schema (a Parquet file with no rows)
    DIR/ocsf_<class>/_secfeat_export.json     what each partition was written from

Columns are the model's, in its order; timestamps are UTC instants (Parquet
TIMESTAMP adjusted to UTC, microseconds), so every reader gets the same time
whatever its session zone. ``event_date`` is the UTC date of ``event_at``,
in the folder name only (Hive style), as Spark and Athena discover it. The
schema file lets Spark read a class that has no rows yet (no partitions),
which it otherwise refuses (UNABLE_TO_INFER_SCHEMA).

An export rewrites only the partitions whose rows changed since the last
(new, late, re-staged or deleted events change a partition's fingerprint:
its row count, latest load and a hash of its event uids and loads), and
removes those left empty. Each partition is written beside the old one and
renamed into place, so a reader sees either the old partition or the new,
whole; run the export between the consumer's builds, not during one.
"""

from __future__ import annotations

import json
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

from secfeat import contract

MANIFEST = "_secfeat_export.json"
SCHEMA_FILE = "_common_metadata"  # Parquet's summary-file name, which readers take the schema from
PARTITION_COLUMN = "event_date"


@dataclass(frozen=True)
class ClassExport:
    table: str
    partitions: int  # partitions the export holds after this run
    rewritten: int  # of which this run wrote
    removed: int  # partitions this run deleted (no rows left)
    rows_written: int


def export_ocsf(con: duckdb.DuckDBPyConnection, out: Path) -> list[ClassExport]:
    """Export every OCSF class table `con` holds under `out`."""
    out.mkdir(parents=True, exist_ok=True)
    return [_export_class(con, f"ocsf_{name}", out / f"ocsf_{name}") for name in contract.ocsf_classes()]


# what a compiled Sigma rule reads of a staged record (macros/detections/sigma_detection.sql: sigma_records)
SIGMA_RECORD_COLUMNS = ("event_uid", "event_at", "_loaded_at", "_vendor_record", "_quarantine_reason",
                        "user_name", "actor_user_name", "device_hostname", "dst_endpoint_hostname", "src_endpoint_ip")


def export_sigma_records(con: duckdb.DuckDBPyConnection, out: Path) -> list[ClassExport]:
    """The staged records of every staging model a Sigma log source reads, with
    the columns its rules read (the vendor record as JSON text), by event date,
    as sigma_records_<staging model> under `out`: what compiled Sigma rules
    read on Spark. A staging model the warehouse lacks is left out."""
    from secfeat.sigma.fields import LOG_SOURCES

    exports = []
    for model in sorted({log_source.staging_model for log_source in LOG_SOURCES}):
        present = {name for (name,) in con.execute(
            "select column_name from information_schema.columns where table_schema = 'staging' and table_name = ?",
            [model]).fetchall()}
        if not present:
            continue  # a warehouse of OCSF tables alone (landed elsewhere): no vendor records to export
        if "_vendor_record" not in present:
            raise ValueError(f"staging.{model} has no _vendor_record: rebuild staging "
                             "(dbt build --full-refresh --select path:models/staging+)")
        select_list = ", ".join(f"cast({name} as varchar) as {name}" if name == "_vendor_record" else name
                                for name in SIGMA_RECORD_COLUMNS if name in present)
        source = (f"(select {select_list} from staging.{model} "
                  "where _quarantine_reason is null and event_at is not null)")
        exports.append(_export_class(con, f"sigma_records_{model}", out / f"sigma_records_{model}", source))
    return exports


def export_login_scores(con: duckdb.DuckDBPyConnection, out: Path) -> list[ClassExport]:
    """The champion's kept scores (ml_login_scores, a Python model, which
    Spark cannot run without Databricks) as ml_login_scores under `out`: what
    the model detection reads on Spark. None when the warehouse has not scored yet."""
    present = con.execute("select count(*) from information_schema.tables "
                          "where table_name = 'ml_login_scores' and table_schema = current_schema()").fetchone()[0]
    if not present:
        return []
    return [_export_class(con, "ml_login_scores", out / "ml_login_scores", loaded_column="scored_at")]


def _export_class(con: duckdb.DuckDBPyConnection, table: str, directory: Path, source: str | None = None,
                  loaded_column: str = "_loaded_at") -> ClassExport:
    """Export `source` (a relation; the table `table` by default) as `table` under `directory`;
    a row rewritten since the last export has a later `loaded_column`."""
    if source is None:
        columns = con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_name = ? and table_schema = current_schema() order by ordinal_position", [table]).fetchall()
        if not columns:
            raise ValueError(f"{table} is not in the warehouse: build it first (secfeat build)")
    else:
        columns = [(name, data_type) for name, data_type, *_ in con.execute(f"describe select * from {source}").fetchall()]
    source = source or table
    undated = con.execute(f"select count(*) from {source} where event_at is null").fetchone()[0]
    if undated:
        raise ValueError(f"{table} has {undated} rows without event_at: they belong to no event-date partition")

    fingerprints = {str(day): fingerprint for day, fingerprint in con.execute(f"""
        select
            cast(event_at as date),
            count(*) || ':' || coalesce(cast(max({loaded_column}) as varchar), '') || ':'
                || cast(bit_xor(hash(event_uid, {loaded_column})) as varchar)
        from {source}
        group by 1
    """).fetchall()}
    manifest_path = directory / MANIFEST
    exported = json.loads(manifest_path.read_text())["partitions"] if manifest_path.exists() else {}
    changed = sorted(day for day, fingerprint in fingerprints.items() if exported.get(day) != fingerprint)
    gone = sorted(set(exported) - set(fingerprints))

    directory.mkdir(parents=True, exist_ok=True)
    # timestamps as UTC instants: TIMESTAMP WITH TIME ZONE is written adjusted to UTC
    select_list = ", ".join(
        f"timezone('UTC', {name}) as {name}" if data_type == "TIMESTAMP" else name for name, data_type in columns)
    # the schema alone, which Spark reads first: a class with no rows (no partition) is still a table
    schema = directory / SCHEMA_FILE
    con.execute(f"copy (select {select_list} from {source} limit 0) to '{schema}.partial' (format parquet)")
    Path(f"{schema}.partial").replace(schema)
    rows_written = 0
    if changed:
        export_id = uuid.uuid4().hex
        staging = directory / f".staging-{export_id}"
        days = ", ".join(f"date '{day}'" for day in changed)
        rows_written = con.execute(f"""
            copy (
                select {select_list}, cast(event_at as date) as {PARTITION_COLUMN}
                from {source}
                where cast(event_at as date) in ({days})
            ) to '{staging}' (format parquet, partition_by ({PARTITION_COLUMN}), compression zstd,
                              filename_pattern '{export_id}_{{i}}')
        """).fetchone()[0]
        for day in changed:
            _replace(directory / f"{PARTITION_COLUMN}={day}", staging / f"{PARTITION_COLUMN}={day}")
        shutil.rmtree(staging)
    for day in gone:
        shutil.rmtree(directory / f"{PARTITION_COLUMN}={day}", ignore_errors=True)

    partial = manifest_path.with_name(f".{MANIFEST}.partial")
    partial.write_text(json.dumps({"table": table, "partitions": fingerprints}, indent=1, sort_keys=True))
    partial.replace(manifest_path)
    return ClassExport(table, len(fingerprints), len(changed), len(gone), rows_written)


def _replace(partition: Path, written: Path) -> None:
    """Put the freshly written partition where the old one was: a rename each."""
    if not partition.exists():
        written.rename(partition)
        return
    retired = partition.with_name(f".retired-{uuid.uuid4().hex}")
    partition.rename(retired)
    written.rename(partition)
    shutil.rmtree(retired)
