"""secfeat: a dbt-centric SQL feature warehouse for security telemetry.

``secfeat.connect()`` opens the published build read-only (secfeat.warehouse).
"""

__version__ = "0.1.0"


def connect(database=None):
    """A read-only DuckDB connection to the last published build of the
    warehouse (default: $SECFEAT_DUCKDB_PATH, else secfeat.duckdb): never
    blocked by a running build, never blocking it."""
    from secfeat.warehouse import connect as connect_published  # duckdb loads only when asked

    return connect_published(database)
