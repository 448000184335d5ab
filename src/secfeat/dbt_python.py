"""What secfeat's dbt-duckdb Python models share."""


def drop_leftover_temp_tables(session, identifier: str) -> None:
    """An incremental build of a dbt-duckdb Python model writes its new rows
    to a table <identifier>__dbt_tmp<time> that it never drops (it takes it
    for a temporary one): drop those the builds before left behind."""
    leftovers = session.sql(
        "select table_name from duckdb_tables() where database_name = current_database() "
        "and schema_name = current_schema() and starts_with(table_name, $prefix)",
        params={"prefix": f"{identifier}__dbt_tmp"},
    ).fetchall()
    for (name,) in leftovers:
        session.sql(f'drop table "{name}"')
