"""The feature layer on Spark 4: the same models and macros, built by
dbt-spark in a local session (local[2]) from the OCSF Parquet that
`secfeat export-ocsf` writes from the DuckDB build.

Spark first builds on an export of empty tables. Then one stream (several
random streams of test_features and its hand-made late cases, merged) lands
in batches. After each, DuckDB builds its features
incrementally, the OCSF tables are exported (only the partitions that
changed), and Spark builds its features incrementally (insert_overwrite of
the event dates an arrival changes): every feature table on Spark must equal
DuckDB's, and the brute-force reference. Then a full refresh on Spark must
give the same, and the entity-latest tables the reference's values."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SparkProject
from feature_reference import SRC_IP_FEATURES, USER_FEATURES, first_difference, process_prevalence, same
from test_features import (AS_OF, INCREMENTAL_MODELS, OCSF_TABLES, STREAM_CASES, Stream, _activity_rows,
                           _country_rows, _event_rows, _expected_event_rows, _land, _prevalence_rows, _reference,
                           _reset, feature_project)  # noqa: F401 (a fixture)
from secfeat.export_ocsf import export_ocsf
from secfeat.warehouse import connect_build

pytestmark = [pytest.mark.dbt, pytest.mark.spark]

MERGED_CASES = ("random-0", "random-3", "random-7", "random-12", "late-logon-older-than-the-longest-window",
                "late-launches-make-a-process-common", "located-logons-at-one-instant-and-late-between",
                "new-country-within-and-after-30-days")
SPARK_MODELS = ("path:models/ocsf", "path:models/intermediate", *INCREMENTAL_MODELS,
                "feat_user_authentication_events", "feat_activity_events", "feat_authentication_events")
LATEST_MODELS = ("feat_user_latest", "feat_src_ip_latest")


def merged(cases: tuple[str, ...]) -> Stream:
    """One stream of several: batch n of each lands in batch n."""
    stream = Stream()
    for case in cases:
        part = STREAM_CASES[case]()
        for table, rows in part.rows.items():
            stream.rows[table] += rows
        assert not part.batch_of.keys() & stream.batch_of.keys(), f"{case} reuses an event uid"
        stream.batch_of |= part.batch_of
        for batch, at in enumerate(part.ingested_at):
            if batch < len(stream.ingested_at):
                stream.ingested_at[batch] = max(stream.ingested_at[batch], at)
            else:
                stream.ingested_at.append(at)
    return stream


def _event_grain_rows(project, model: str) -> dict:
    """Every row of an event-grain table by its key, every column but
    _computed_at (when it was computed), timestamps as text to the microsecond."""
    columns = [(column, data_type) for column, data_type in _COLUMNS[model] if column != "_computed_at"]
    key_length = 2 if model == "feat_user_activity_events" else 1  # (event_uid, activity_kind), else event_uid
    rows = project.query("select " + ", ".join(
        project.timestamp_text(column) if data_type == "TIMESTAMP" else column for column, data_type in columns)
        + f" from {model}")
    return {row[:key_length]: dict(zip((column for column, _ in columns), row)) for row in rows}


# per event-grain model, its columns and their types in the DuckDB build
_COLUMNS: dict[str, list[tuple[str, str]]] = {}


def _duckdb_timestamp_text(column: str) -> str:
    return f"strftime({column}, '%Y-%m-%d %H:%M:%S.%f')"


def _assert_same(actual: dict, expected: dict, context: str) -> None:
    if not same(actual, expected):
        pytest.fail(f"{context}: {first_difference(actual, expected)}")


def _exported_files(ocsf_dir: Path) -> dict[tuple[str, str], set[str]]:
    """The Parquet files of each exported (table, event date)."""
    files: dict[tuple[str, str], set[str]] = {}
    for path in ocsf_dir.glob("ocsf_*/event_date=*/*.parquet"):
        files.setdefault((path.parent.parent.name, path.parent.name.removeprefix("event_date=")), set()).add(path.name)
    return files


def test_spark_features_equal_duckdb_and_brute_force_full_and_incremental(feature_project, tmp_path):
    duckdb_project, stream = feature_project, merged(MERGED_CASES)
    ocsf_dir = tmp_path / "ocsf"
    spark = SparkProject(tmp_path, ocsf_dir, as_of=AS_OF.isoformat(sep=" "),
                         privileged_role_uid_pattern=duckdb_project.vars["privileged_role_uid_pattern"],
                         rare_process_max_devices=duckdb_project.vars["rare_process_max_devices"])
    _reset(duckdb_project)
    spark.reset()
    duckdb_project.timestamp_text = _duckdb_timestamp_text

    # the first build, before any event: every class exported as its schema alone
    with connect_build(duckdb_project.database) as con:
        export_ocsf(con, ocsf_dir)
    spark.run("run", "--select", *SPARK_MODELS)
    for model in INCREMENTAL_MODELS:
        assert spark.query(f"select count(*) from {model}") == [(0,)], model

    for batch in range(len(stream.ingested_at)):
        _land(duckdb_project, stream, batch)
        duckdb_project.run("run", "--select", *INCREMENTAL_MODELS, "int_located_logons", "int_user_activity_events",
                           "feat_user_authentication_events", "feat_authentication_events")
        before = _exported_files(ocsf_dir)
        with connect_build(duckdb_project.database) as con:
            export_ocsf(con, ocsf_dir)
        # the export rewrites the event dates that received rows, and no other
        after = _exported_files(ocsf_dir)
        rewritten = {partition for partition, name in after.items() if before.get(partition) != name}
        landed = {(table, str(row["event_at"].date())) for table in OCSF_TABLES for row in stream.landed(table, batch)}
        assert rewritten == landed, f"export after batch {batch}"

        spark.run("run", "--select", *SPARK_MODELS)
        _COLUMNS.update({model: duckdb_project.query(
            "select column_name, data_type from information_schema.columns "
            f"where table_name = '{model}' order by ordinal_position") for model in INCREMENTAL_MODELS})
        for model in INCREMENTAL_MODELS:
            # equal, floats to a relative 1e-9 (the JVM's and C's sin and cos differ in the last bit)
            _assert_same(_event_grain_rows(spark, model), _event_grain_rows(duckdb_project, model),
                         f"{model} on Spark and DuckDB after batch {batch}")
        reference = _reference(duckdb_project)
        _assert_same(_event_rows(spark), _expected_event_rows(reference), f"Spark events after batch {batch}")
        _assert_same(_activity_rows(spark), reference.at_every_activity(), f"Spark activity after batch {batch}")
        _assert_same(_country_rows(spark), reference.at_every_logon_with_a_country(),
                     f"Spark countries after batch {batch}")
        assert _prevalence_rows(spark) == process_prevalence(reference.inputs), f"Spark prevalence after batch {batch}"
    incremental = {model: _event_grain_rows(spark, model) for model in INCREMENTAL_MODELS}

    spark.run("run", "--select", *SPARK_MODELS, *LATEST_MODELS, "--full-refresh")
    for model in INCREMENTAL_MODELS:
        _assert_same(_event_grain_rows(spark, model), incremental[model], f"{model}: full refresh on Spark")
    latest = {row[0]: dict(zip(USER_FEATURES, row[1:])) for row in spark.query(
        f"select user_key, {', '.join(USER_FEATURES)} from feat_user_latest")}
    _assert_same(latest, reference.users_as_of(AS_OF), "feat_user_latest on Spark")
    latest_src_ips = {row[0]: dict(zip(SRC_IP_FEATURES, row[1:])) for row in spark.query(
        f"select src_endpoint_ip, {', '.join(SRC_IP_FEATURES)} from feat_src_ip_latest")}
    _assert_same(latest_src_ips, reference.src_ips_as_of(AS_OF), "feat_src_ip_latest on Spark")
