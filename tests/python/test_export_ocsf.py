"""secfeat export-ocsf: the OCSF tables as Parquet by event date, what the
Spark target reads. Read back, the export must hold exactly the table's rows
(timestamps as the same UTC instants), and a later export must rewrite only
the dates whose rows changed and remove those left empty."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import duckdb
import pytest

from secfeat import contract
from secfeat.export_ocsf import export_ocsf

DAY0 = datetime(2026, 3, 1)


def _warehouse(rows_per_table: int, seed: int) -> duckdb.DuckDBPyConnection:
    """Every OCSF class table, with the columns the export reads and a few more kinds."""
    rng = random.Random(seed)
    con = duckdb.connect()
    for name in contract.ocsf_classes():
        con.execute(f"create table ocsf_{name} (event_uid varchar, status_id integer, is_mfa boolean, "
                    "score double, event_at timestamp, _loaded_at timestamp)")
        for number in range(rows_per_table):
            # instants near midnight too, where a zone slip would change the date
            at = DAY0 + timedelta(days=rng.randint(0, 4), hours=rng.choice((0, 12, 23)),
                                  minutes=rng.choice((0, 59)), microseconds=rng.randint(0, 999_999))
            con.execute(f"insert into ocsf_{name} values (?, ?, ?, ?, ?, ?)",
                        [f"{name}-{number}", rng.choice((1, 2, None)), rng.choice((True, None)), rng.random(),
                         at, datetime(2027, 1, 1)])
    return con


def _exported(path) -> set[tuple]:
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    return set(con.execute(
        f"select event_uid, status_id, is_mfa, score, event_at, _loaded_at, event_date "
        f"from read_parquet('{path}/*/*.parquet', hive_partitioning = true)").fetchall())


def _table(con, table: str) -> set[tuple]:
    utc = timezone.utc
    return {(uid, status, mfa, score, at.replace(tzinfo=utc), loaded.replace(tzinfo=utc), at.date())
            for uid, status, mfa, score, at, loaded in con.execute(
                f"select event_uid, status_id, is_mfa, score, event_at, _loaded_at from {table}").fetchall()}


def _files(path) -> dict[str, set[str]]:
    return {partition.name: {file.name for file in partition.iterdir()}
            for partition in path.iterdir() if partition.name.startswith("event_date=")}


def test_the_export_holds_every_row_and_rewrites_only_what_changed(tmp_path):
    con = _warehouse(rows_per_table=60, seed=4)
    first = export_ocsf(con, tmp_path)
    assert [table.table for table in first] == [f"ocsf_{name}" for name in contract.ocsf_classes()]
    for table in first:
        assert _exported(tmp_path / table.table) == _table(con, table.table), table.table
        assert table.rewritten == table.partitions

    # nothing changed: nothing rewritten
    files = _files(tmp_path / "ocsf_authentication")
    assert all(table.rewritten == 0 and table.removed == 0 for table in export_ocsf(con, tmp_path))
    assert _files(tmp_path / "ocsf_authentication") == files

    # a late event on day 1, a re-staged one (same uid, later load) on day 2, day 4 emptied
    con.execute("insert into ocsf_authentication values ('late', 2, null, 0.5, ?, ?)",
                [DAY0 + timedelta(days=1, hours=3), datetime(2027, 1, 2)])
    restaged = con.execute("select event_uid from ocsf_authentication where cast(event_at as date) = ? limit 1",
                           [(DAY0 + timedelta(days=2)).date()]).fetchone()[0]
    con.execute("update ocsf_authentication set _loaded_at = ? where event_uid = ?", [datetime(2027, 1, 2), restaged])
    con.execute("delete from ocsf_authentication where cast(event_at as date) = ?", [(DAY0 + timedelta(days=4)).date()])
    second = {table.table: table for table in export_ocsf(con, tmp_path)}
    assert _exported(tmp_path / "ocsf_authentication") == _table(con, "ocsf_authentication")
    changed = {f"event_date={(DAY0 + timedelta(days=day)).date()}" for day in (1, 2)}
    after = _files(tmp_path / "ocsf_authentication")
    assert {partition for partition in after if after[partition] != files.get(partition)} == changed
    assert set(files) - set(after) == {f"event_date={(DAY0 + timedelta(days=4)).date()}"}
    assert (second["ocsf_authentication"].rewritten, second["ocsf_authentication"].removed) == (2, 1)
    assert all(table.rewritten == 0 for name, table in second.items() if name != "ocsf_authentication")


def test_an_empty_class_is_exported_as_its_schema(tmp_path):
    """A reader (Spark) takes the schema from _common_metadata when no partition exists yet."""
    con = _warehouse(rows_per_table=0, seed=2)
    exported = export_ocsf(con, tmp_path)
    assert all(table.partitions == 0 for table in exported)
    for table in exported:
        schema = duckdb.connect().execute(
            f"select name, type from parquet_schema('{tmp_path / table.table / '_common_metadata'}') "
            "where name != 'duckdb_schema'").fetchall()
        assert [name for name, _ in schema] == ["event_uid", "status_id", "is_mfa", "score", "event_at", "_loaded_at"]
        assert not list((tmp_path / table.table).glob("event_date=*"))


def test_rows_without_an_event_time_are_an_error_not_a_lost_partition(tmp_path):
    con = _warehouse(rows_per_table=3, seed=1)
    con.execute("insert into ocsf_api_activity values ('undated', 1, null, 0.1, null, ?)", [datetime(2027, 1, 1)])
    with pytest.raises(ValueError, match="ocsf_api_activity has 1 rows without event_at"):
        export_ocsf(con, tmp_path)


def test_a_warehouse_without_the_ocsf_tables_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="is not in the warehouse"):
        export_ocsf(duckdb.connect(), tmp_path)


def test_the_command_exports_the_published_build(tmp_path, capsys):
    """secfeat export-ocsf reads the published copy (never the build warehouse a build may hold)."""
    from secfeat import cli
    from secfeat.warehouse import connect_build, publish

    database = tmp_path / "secfeat.duckdb"
    assert cli.main(["export-ocsf", "--duckdb", str(database), "--out", str(tmp_path / "out")]) == 2
    assert "nothing is published" in capsys.readouterr().err

    source = _warehouse(rows_per_table=5, seed=3)
    with connect_build(database) as con:
        for name in contract.ocsf_classes():
            con.register("rows", source.table(f"ocsf_{name}").arrow())
            con.execute(f"create table ocsf_{name} as select * from rows")
            con.unregister("rows")
    publish(database)
    with connect_build(database) as con:  # written after publishing: not what the export reads
        con.execute("delete from ocsf_authentication")
    assert cli.main(["export-ocsf", "--duckdb", str(database), "--out", str(tmp_path / "out")]) == 0
    assert "Exported build" in capsys.readouterr().err
    assert _exported(tmp_path / "out" / "ocsf_authentication") == _table(source, "ocsf_authentication")
