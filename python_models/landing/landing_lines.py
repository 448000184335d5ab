"""One row per line of every file in the landing zone (var landing_dir), at
any depth: the one place raw files are opened. An incremental build reads
only files whose path, size or modification time it has not seen; a
rewritten file replaces its rows, and the staging models the records read
from it.

The landing_lines__dbt_tmp<time> table an incremental build of a Python
model leaves (dbt-duckdb never drops it) is dropped at the end of every
build (macros/dbt/drop_leftover_temp_tables.sql, on-run-end).
"""

import pyarrow as pa

from secfeat import landing


def model(dbt, session):
    dbt.config(materialized="incremental", incremental_strategy="delete+insert", unique_key="source_file")
    ingested_versions, previous_load = {}, None
    if dbt.is_incremental:
        ingested_versions = dict(session.sql(
            f"select distinct source_file, source_file_version from {dbt.this}").fetchall())
        previous_load = session.sql(f"select max(loaded_at) from {dbt.this}").fetchall()[0][0]
    arrived = landing.new_files(dbt.config.get("landing_dir"), ingested_versions)
    loaded_at = landing.load_time(previous_load)
    # streamed: DuckDB reads the batches as they are made
    return pa.RecordBatchReader.from_batches(landing.SCHEMA, landing.record_batches(arrived, loaded_at))
