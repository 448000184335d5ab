"""The YAML that repeats the OCSF contract or the feature catalog is generated
(`make generate`); it must say what the macros say now, and a change to the
contract must make it stale."""

from __future__ import annotations

import re
import shutil

import pytest

from conftest import PROJECT_ROOT
from secfeat import generate_yaml

pytestmark = pytest.mark.dbt

# what the generator reads: the macros, the project file and the models' YAML and SQL
PROJECT_PARTS = ("macros", "models", "python_models", "snapshots", "profiles")


def test_the_generated_yaml_is_up_to_date():
    stale = generate_yaml.stale_files(PROJECT_ROOT)
    assert not stale, f"run `make generate`: stale {[str(p.relative_to(PROJECT_ROOT)) for p in stale]}"


def test_a_new_contract_column_makes_the_staging_and_ocsf_yaml_stale(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy2(PROJECT_ROOT / "dbt_project.yml", project)
    for part in PROJECT_PARTS:
        shutil.copytree(PROJECT_ROOT / part, project / part, ignore=shutil.ignore_patterns("__pycache__"))
    contract = project / "macros" / "ocsf" / "ocsf_contract.sql"
    text, added = re.subn(r"(\n  service_name: \{type: varchar, ocsf: service.name\}\n)",
                          r"\1  service_uid: {type: varchar, ocsf: service.uid}\n", contract.read_text())
    assert added == 1
    text, added = re.subn(r"(dst_endpoint_svc_name, service_name,)", r"\1 service_uid,", text)
    assert added == 1, "the authentication columns no longer look as this test expects"
    contract.write_text(text)

    stale = {str(path.relative_to(project)) for path in generate_yaml.stale_files(project)}
    assert stale == {"models/staging/_staging__models.yml", "models/ocsf/_ocsf__models.yml"}
    rendered = generate_yaml.render(project)
    assert "service_uid" in rendered[project / "models/ocsf/_ocsf__models.yml"]
