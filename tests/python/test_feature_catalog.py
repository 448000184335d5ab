"""The feature catalog test (tests/assert_features_are_catalogued.sql) passes on
the project as it is and fails, naming the feature, on a copy whose catalog or
feature definitions were broken. It reads only dbt's graph, so each case is one
parse and one test against an empty warehouse."""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import PROJECT_ROOT
from secfeat.warehouse import connect_build

pytestmark = pytest.mark.dbt

CATALOG_TEST = "assert_features_are_catalogued"
PROJECT_DIRS = ("models", "macros", "seeds", "snapshots", "python_models", "profiles", "analyses")
IGNORE = shutil.ignore_patterns(".venv", "target", "logs", "*.duckdb", "*.duckdb.wal", "*.published", "mlruns",
                                ".make", ".git", "__pycache__")


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """What dbt reads of the project, without warehouses, runtime state or the pytest suite."""
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy2(PROJECT_ROOT / "dbt_project.yml", project)
    for name in PROJECT_DIRS:
        shutil.copytree(PROJECT_ROOT / name, project / name, ignore=IGNORE)
    shutil.copytree(PROJECT_ROOT / "tests" / "generic", project / "tests" / "generic", ignore=IGNORE)
    for path in (PROJECT_ROOT / "tests").glob("*"):
        if path.is_file() and path.suffix in (".sql", ".yml"):
            shutil.copy2(path, project / "tests")
    return project


def run_catalog_test(project: Path, monkeypatch) -> tuple[bool, list[tuple]]:
    """dbt test of the catalog test alone on the project copy; (passed, its failing rows)."""
    from dbt.cli.main import dbtRunner

    work = project.parent
    monkeypatch.setenv("SECFEAT_DUCKDB_PATH", str(work / "catalog.duckdb"))
    result = dbtRunner().invoke([
        "test", "--select", CATALOG_TEST, "--store-failures",
        "--project-dir", str(project),
        "--profiles-dir", str(project / "profiles"),
        "--target-path", str(work / "target"),
        "--log-path", str(work / "logs"),
        "--vars", json.dumps({"landing_dir": str(work / "landing")}),
        "--quiet",
    ])
    assert result.exception is None, result.exception
    # the results also hold the project's on-run-start hook
    (test_result,) = [r for r in result.result.results if r.node.resource_type == "test"]
    assert test_result.status in ("pass", "fail"), test_result.message  # ran: no compile or SQL error
    rows = []
    if test_result.status == "fail":
        con = connect_build(work / "catalog.duckdb")
        try:
            rows = con.sql(f"select node_unique_id, column_name, problem from {test_result.node.relation_name}"
                           " order by all").fetchall()
        finally:
            con.close()
    return test_result.status == "pass", rows


def test_the_catalog_test_passes_on_the_project(project_copy, monkeypatch):
    passed, rows = run_catalog_test(project_copy, monkeypatch)
    assert passed, rows


def test_a_feature_column_without_an_owner_fails_it(project_copy, monkeypatch):
    properties = project_copy / "models" / "features" / "_features__models.yml"
    document = yaml.safe_load(properties.read_text())
    (model,) = [m for m in document["models"] if m["name"] == "feat_src_ip_latest"]
    (index,) = [i for i, c in enumerate(model["columns"]) if c["name"] == "distinct_users_failed_1h"]
    column = copy.deepcopy(model["columns"][index])  # anchors share one dict between columns
    del column["config"]["meta"]["owner"]
    model["columns"][index] = column
    properties.write_text(yaml.safe_dump(document, sort_keys=False))

    passed, rows = run_catalog_test(project_copy, monkeypatch)
    assert not passed
    assert rows == [("model.secfeat.feat_src_ip_latest", "distinct_users_failed_1h", "meta.owner is missing or empty")]


def test_a_feature_added_to_a_macro_but_not_to_the_catalog_fails_it(project_copy, monkeypatch):
    definitions = project_copy / "macros" / "features" / "src_ip_features.sql"
    sql, added = re.subn(
        r"(\{% macro src_ip_features\(\) -%\}\s*\{\{ return\(\[)",
        r"""\1
        {'name': 'distinct_users_5m', 'aggregate': 'count_distinct', 'window': '5 minutes',
         'expression': 'user_key'},""",
        definitions.read_text(),
    )
    assert added == 1, "src_ip_features() no longer looks as this test expects"
    definitions.write_text(sql)

    passed, rows = run_catalog_test(project_copy, monkeypatch)
    assert not passed
    assert ("macro.secfeat.src_ip_features", "distinct_users_5m",
            "defined in src_ip_features() but documented in no model or snapshot column") in rows
    assert {row[1] for row in rows} == {"distinct_users_5m"}
