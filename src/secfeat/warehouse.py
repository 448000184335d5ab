"""The build warehouse and its published, read-only copies.

dbt builds one DuckDB file (``secfeat.duckdb``, or $SECFEAT_DUCKDB_PATH),
which only the building process may open: DuckDB allows one writer per file,
and no reader while it writes. Analysts, notebooks and detections read the
*published* build instead: an immutable copy of the warehouse taken after each
successful build, beside it::

    secfeat.duckdb                         the build warehouse (dbt's)
    secfeat.published/
        current -> builds/<build id>       swapped atomically (a symlink rename)
        builds/<build id>/secfeat.duckdb   never written after it is published
        builds/<build id>/build.json       when, from what, which tables
        builds/<build id>/analyses/*.sql   the compiled analyses of that build

A reader resolves ``current`` once and opens that file read-only, so it sees
one whole build, the previous one or the new one, and holds no lock a build
needs. Publishing copies the checkpointed file (seconds, where rewriting it
table by table takes minutes at scale), then renames; a process killed at any
point leaves ``current`` on the last good build, and the next publish removes
what it left. Old builds are unlinked: a reader that still has one open keeps
reading it (POSIX), and the disk is freed when it closes.

The warehouse file is created with DuckDB's storage of version v1.5.0, so the
DuckDB CLI (the ``duckdb-cli`` package, 1.5.x) opens the published copies.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb

# DuckDB opens one instance per file and configuration in a process: every
# connection to the build warehouse (dbt-duckdb's, via profiles.yml's
# config_options, and ours) passes this. It matters only when DuckDB creates
# the file: the storage version DuckDB CLI 1.5 reads.
BUILD_CONFIG = {"storage_compatibility_version": "v1.5.0"}

CURRENT = "current"
BUILDS = "builds"
PARTIAL_PREFIX = ".partial-"


class WarehouseBusy(RuntimeError):
    """Another process holds the warehouse's build lock."""


@contextmanager
def build_lock(database: str | Path, wait: bool = False):
    """Hold the warehouse's build lock (<warehouse>.lock, an flock): one
    builder at a time (`secfeat run`, `secfeat build`). Without `wait`, raise
    WarehouseBusy at once, naming the holder. The kernel releases the lock
    when its process ends, killed or not."""
    path = Path(f"{database}.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o640)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            holder = os.pread(descriptor, 4096, 0).decode(errors="replace").strip() or "another process"
            raise WarehouseBusy(f"{database} is being built by {holder}") from None
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"pid {os.getpid()} on {socket.gethostname()} since "
                              f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S} UTC\n".encode(), 0)
        try:
            yield path
        finally:
            os.ftruncate(descriptor, 0)
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


class NothingPublished(RuntimeError):
    """No build has been published next to this warehouse yet."""


def default_warehouse() -> Path:
    """The warehouse dbt builds: SECFEAT_DUCKDB_PATH, as profiles/profiles.yml reads it."""
    return Path(os.environ.get("SECFEAT_DUCKDB_PATH") or "secfeat.duckdb")


def connect_build(database: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """The build warehouse, with the configuration dbt-duckdb opens it with
    (in a process where dbt has it open, DuckDB refuses another one)."""
    return duckdb.connect(str(database), read_only=read_only, config=dict(BUILD_CONFIG))


def published_root(database: str | Path) -> Path:
    database = Path(database)
    return database.parent / f"{database.stem}.published"


@dataclass(frozen=True)
class PublishedBuild:
    build_id: str
    directory: Path
    database: Path
    manifest: dict

    @property
    def analyses(self) -> Path:
        return self.directory / "analyses"


def current_build(database: str | Path | None = None) -> PublishedBuild:
    """The build readers get now; NothingPublished when there is none."""
    database = Path(database) if database is not None else default_warehouse()
    link = published_root(database) / CURRENT
    try:
        directory = Path(os.path.realpath(link, strict=True))
    except OSError:
        raise NothingPublished(
            f"nothing is published next to {database} yet ({link} is missing): build it with "
            "`secfeat build` (or `secfeat publish` after a plain `dbt build`)") from None
    manifest_path = directory / "build.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    return PublishedBuild(directory.name, directory, directory / database.name, manifest)


def connect(database: str | Path | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published build of `database` (default:
    $SECFEAT_DUCKDB_PATH, else secfeat.duckdb). It reads that build until it
    is closed, whatever is published meanwhile: reconnect to see a newer one."""
    return open_current(database)[1]


def open_current(database: str | Path | None = None,
                 attempts: int = 5) -> tuple[PublishedBuild, duckdb.DuckDBPyConnection]:
    """The current build and a read-only connection to it."""
    for attempt in range(attempts):
        build = current_build(database)
        try:
            return build, duckdb.connect(str(build.database), read_only=True)
        except (duckdb.IOException, duckdb.CatalogException):
            # the build resolved was replaced and removed before it was opened: resolve again
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def new_build_id() -> str:
    return f"{datetime.now(timezone.utc):%Y%m%dT%H%M%S%fZ}-{os.getpid()}"


def publish(database: str | Path, *, compiled_analyses: Path | None = None, note: dict | None = None,
            build_id: str | None = None) -> PublishedBuild:
    """Publish the warehouse as it is now: checkpoint it, copy the file into
    a new build folder, check the copy opens, then point `current` at it and
    remove older builds. Holds the warehouse open meanwhile, so no build can
    write to it halfway through the copy (a running build makes this fail
    at once, with DuckDB's lock error)."""
    database = Path(database)
    if not database.exists():
        raise FileNotFoundError(f"no warehouse at {database}: build it first")
    root = published_root(database)
    builds = root / BUILDS
    builds.mkdir(parents=True, exist_ok=True)
    build_id = build_id or new_build_id()
    partial = builds / f"{PARTIAL_PREFIX}{build_id}"
    started = time.perf_counter()
    con = connect_build(database)
    try:
        # everything into the main file (the WAL is not copied), then nothing writes until the copy is done
        con.execute("checkpoint")
        tables = {f"{schema}.{name}": rows for schema, name, rows in con.execute(
            "select schema_name, table_name, estimated_size from duckdb_tables() "
            "where database_name = current_database() order by all").fetchall()}
        partial.mkdir()
        copy = partial / database.name
        shutil.copyfile(database, copy)
        _fsync(copy)
    finally:
        con.close()
    _check_opens(copy, expected_tables=len(tables))
    if compiled_analyses is not None and compiled_analyses.is_dir():
        shutil.copytree(compiled_analyses, partial / "analyses")
    manifest = {
        "build_id": build_id,
        "published_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "warehouse": str(database.resolve()),
        "host": socket.gethostname(),
        "bytes": copy.stat().st_size,
        "tables": tables,
        **(note or {}),
    }
    (partial / "build.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n")
    directory = builds / build_id
    partial.rename(directory)
    _swap_current(root, directory)
    manifest["publish_seconds"] = round(time.perf_counter() - started, 3)
    remove_unpublished(database)
    return PublishedBuild(build_id, directory, directory / database.name, manifest)


def remove_unpublished(database: str | Path) -> list[Path]:
    """Every build folder but the current one, and what killed publishes left
    (partial copies, a dangling link being swapped in). Returns what it removed."""
    root = published_root(database)
    builds = root / BUILDS
    if not builds.is_dir():
        return []
    try:
        current = Path(os.path.realpath(root / CURRENT, strict=True)).name
    except OSError:
        current = None
    removed = []
    for entry in builds.iterdir():
        if entry.name != current:
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    for leftover in root.glob(f"{CURRENT}.*"):
        leftover.unlink(missing_ok=True)
        removed.append(leftover)
    return removed


def _swap_current(root: Path, directory: Path) -> None:
    """`current` -> directory in one rename: a reader resolves the old target or the new one."""
    incoming = root / f"{CURRENT}.{directory.name}"
    incoming.unlink(missing_ok=True)
    incoming.symlink_to(Path(BUILDS) / directory.name)
    os.replace(incoming, root / CURRENT)
    _fsync(root)


def _check_opens(copy: Path, expected_tables: int) -> None:
    con = duckdb.connect(str(copy), read_only=True)
    try:
        (found,), = con.execute("select count(*) from duckdb_tables() where database_name = current_database()")\
            .fetchall()
    finally:
        con.close()
    if found != expected_tables:
        raise RuntimeError(f"the copy {copy} holds {found} tables, the warehouse {expected_tables}: not published")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
