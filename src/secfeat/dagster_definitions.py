"""The scheduled build as Dagster definitions (pip install -e '.[dagster]'):
every model of the scheduled build as a Dagster asset, a job that builds
them and publishes the warehouse, and a schedule running it every minute.
For a team that already runs Dagster; `secfeat run --every 60s` is the same
loop without it.

    SECFEAT_PROJECT_DIR=/srv/secfeat dagster dev -m secfeat.dagster_definitions

The job takes the warehouse's build lock as `secfeat run` and `secfeat
build` do, so it never overlaps them; a run that finds the lock held fails
at once (Dagster's retry policy or the next tick tries again), and
publishes nothing. Loading the definitions parses the project
(`dbt parse`) when its manifest is missing or DAGSTER_DBT_PARSE_PROJECT_ON_LOAD is set.
"""

import os
import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

from secfeat import warehouse

PROJECT_DIR = Path(os.environ.get("SECFEAT_PROJECT_DIR", ".")).resolve()
WAREHOUSE = Path(os.environ.get("SECFEAT_DUCKDB_PATH", PROJECT_DIR / "secfeat.duckdb"))
DBT = Path(sys.executable).parent / "dbt"  # the dbt of this environment, whatever PATH says

secfeat_project = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR / "profiles",
                             target_path=os.environ.get("DBT_TARGET_PATH", "target"))
if os.environ.get("DAGSTER_DBT_PARSE_PROJECT_ON_LOAD") or not secfeat_project.manifest_path.exists():
    # the assets are read from the manifest: parse in this process (no dbt on PATH needed)
    from dbt.cli.main import dbtRunner

    parsed = dbtRunner().invoke(["parse", "--quiet", "--project-dir", str(PROJECT_DIR),
                                 "--profiles-dir", str(PROJECT_DIR / "profiles"),
                                 "--target-path", str(secfeat_project.target_path)])
    if not parsed.success:
        raise RuntimeError(f"dbt could not parse {PROJECT_DIR}: {parsed.exception}")


@dbt_assets(manifest=secfeat_project.manifest_path, selector="scheduled")
def secfeat_scheduled_build(context: dg.AssetExecutionContext, dbt: DbtCliResource):  # Dagster reads the hint
    """The scheduled build (selectors.yml's default), then a publish for readers."""
    with warehouse.build_lock(WAREHOUSE):
        yield from dbt.cli(["build"], context=context).stream()
        published = warehouse.publish(WAREHOUSE, note={"published_after": "dagster"})
        context.log.info(f"published build {published.build_id}: {published.database}")


scheduled_build_job = dg.define_asset_job("secfeat_scheduled_build", selection=[secfeat_scheduled_build])

defs = dg.Definitions(
    assets=[secfeat_scheduled_build],
    jobs=[scheduled_build_job],
    schedules=[dg.ScheduleDefinition(job=scheduled_build_job, cron_schedule="* * * * *",
                                     execution_timezone="UTC")],
    resources={"dbt": DbtCliResource(project_dir=secfeat_project, profiles_dir=str(PROJECT_DIR / "profiles"),
                                     dbt_executable=str(DBT))},
)
