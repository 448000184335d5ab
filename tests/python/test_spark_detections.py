"""The detection layer on Spark 4: detections (the project's rules, the
compiled Sigma rules over the staged records, the model's detection over its
exported scores), signals, their verdicts, entity risk and alerts, built by
dbt-spark from what `secfeat export-ocsf` writes of a DuckDB build.

A simulated org lands a day at a time. After the first days, and again after
one more day (DuckDB and Spark each building incrementally), Spark must hold
the same signals (withdrawn ones included), verdicts, risk timeline and
alerts as DuckDB, and keep when it first saw each signal."""

from __future__ import annotations

import pytest

from conftest import DailyLanding, DbtProject, SparkProject, build_with_first_champion
from secfeat.export_ocsf import export_login_scores, export_ocsf, export_sigma_records
from secfeat.warehouse import connect_build

pytestmark = [pytest.mark.dbt, pytest.mark.spark]

END = "2026-03-01"

# what each table must hold on both engines: floats rounded (the JVM's and C's arithmetic may differ in the
# last bit), lists joined, timestamps as text to the microsecond
COMPARED = {
    "signals": "signal_id, detection, detection_kind, severity, entity_type, entity_key, event_uid, {ts(event_at)}, "
               "user_key, src_endpoint_ip, round(score, 9), model_version, has_baseline, withdrawn_at is null",
    "triaged_signals": "signal_id, verdict, suppression_id",
    "entity_risk": "entity_type, entity_key, {ts(event_at)}, round(risk, 9), is_over_threshold, "
                   "contributing_detections, {join(detections)}, signal_id",
    "alerts": "alert_id, status, daily_rank, detection, {join(detections)}, detection_kind, title, description, "
              "severity, entity_type, entity_key, {ts(first_event_at)}, {ts(last_event_at)}, event_count, "
              "{join(evidence_event_uids)}, round(entity_risk, 9), round(score, 9), model_version, "
              "detection_rule_uid, detection_author",
}
DIALECTS = {
    "duckdb": {"ts": "strftime({}, '%Y-%m-%d %H:%M:%S.%f')", "join": "array_to_string({}, ',')"},
    "spark": {"ts": "date_format({}, 'yyyy-MM-dd HH:mm:ss.SSSSSS')", "join": "array_join({}, ',')"},
}


def _select(table: str, dialect: str) -> str:
    columns = COMPARED[table]
    for function, template in DIALECTS[dialect].items():
        while "{" + function + "(" in columns:
            start = columns.index("{" + function + "(")
            end = columns.index(")}", start)
            columns = columns[:start] + template.format(columns[start + len(function) + 2:end]) + columns[end + 2:]
    return f"select {columns} from {table}"


def _export(duckdb_project: DbtProject, out) -> None:
    with connect_build(duckdb_project.database) as con:
        export_ocsf(con, out)
        export_sigma_records(con, out)
        export_login_scores(con, out)


def _assert_same_tables(duckdb_project: DbtProject, spark: SparkProject, context: str) -> None:
    for table in COMPARED:
        on_duckdb = set(duckdb_project.query(_select(table, "duckdb")))
        on_spark = set(spark.query(_select(table, "spark")))
        assert on_spark == on_duckdb, (f"{table} {context}: only on Spark {sorted(on_spark - on_duckdb)[:3]}, "
                                       f"only on DuckDB {sorted(on_duckdb - on_spark)[:3]}")


def test_spark_raises_the_same_signals_and_alerts_as_duckdb(tmp_path):
    org = DailyLanding(tmp_path, days=3, events_per_day=3000, seed=5, end=END)
    for day in org.days[:-1]:
        org.land(day)
    (tmp_path / "duckdb").mkdir()
    duckdb_project = DbtProject(tmp_path / "duckdb", org.landing, as_of=f"{END} 00:00:00")
    build_with_first_champion(duckdb_project)
    parquet = tmp_path / "parquet"
    spark = SparkProject(tmp_path, parquet, **duckdb_project.vars)
    spark.reset()

    _export(duckdb_project, parquet)
    spark.run("run", "--selector", "spark_features")
    spark.run("seed", "--selector", "spark_detections")
    spark.run("run", "--selector", "spark_detections")
    _assert_same_tables(duckdb_project, spark, "after the first days")
    first_seen = dict(spark.query("select signal_id, cast(first_seen_at as string) from signals"))

    # one more day: DuckDB's scheduled build, the export of what changed, Spark's incremental builds
    org.land(org.days[-1])
    duckdb_project.run("run")
    _export(duckdb_project, parquet)
    spark.run("run", "--selector", "spark_features")
    spark.run("run", "--selector", "spark_detections")
    _assert_same_tables(duckdb_project, spark, "after one more day")
    again = dict(spark.query("select signal_id, cast(first_seen_at as string) from signals"))
    assert len(again) > len(first_seen), "the day raised no signal: the incremental build was not tested"
    assert {signal: again[signal] for signal in first_seen} == first_seen, "Spark forgot when it first saw a signal"
    # every kind of detection was compared: the project's rules, the model's, a compiled Sigma rule's
    kinds = set(duckdb_project.query("select distinct detection_kind, left(detection, 6) = 'sigma_' from signals"))
    assert kinds == {("rule", False), ("model", False), ("rule", True)}, kinds
    assert duckdb_project.query("select count(*) from alerts where status = 'raised'") != [(0,)]
