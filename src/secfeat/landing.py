"""Reading the landing zone: every file under it, at any depth, whatever its
compression or encoding, turned into text the staging models split and parse.

A file is identified by its path, size and modification time (its version):
stat() tells a new or rewritten file apart without reading the rest, so an
incremental build opens only what arrived. The content hash is kept for the
record, not for change detection: hashing would read every file on every build.

Nothing is dropped: a file that cannot be read as text is one record with a
file-level reason, and a line that is not valid UTF-8 keeps its bytes
(backslash-escaped) and is quarantined by the staging models as invalid_utf8.

A Parquet file (Amazon Security Lake's OCSF, any columnar export) is text too:
each row one line of JSON, nested columns as nested objects, maps as objects,
so the staging models read it exactly as they read JSON lines.
"""

from __future__ import annotations

import base64
import bz2
import gzip
import hashlib
import json
import lzma
import os
from dataclasses import dataclass
from functools import partial
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

# the first bytes of each compressed format, whatever the file is called
COMPRESSIONS = {
    b"\x1f\x8b": "gzip",
    b"\x28\xb5\x2f\xfd": "zstd",
    b"BZh": "bzip2",
    b"\xfd7zXZ\x00": "xz",
}
PARQUET_MAGIC = b"PAR1"
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}

# One row per line of every file, the file's attributes on each (DuckDB stores
# the repeats for almost nothing). Rows, not one text per file: a build then
# reads the new files' lines without touching the old files' text.
SCHEMA = pa.schema([
    ("landing_folder", pa.string()),
    ("source_file", pa.string()),
    ("source_file_version", pa.string()),
    ("file_size", pa.int64()),
    ("modified_at", pa.timestamp("us")),
    ("loaded_at", pa.timestamp("us")),
    ("content_sha256", pa.string()),
    ("compression", pa.string()),
    ("encoding", pa.string()),
    ("file_quarantine_reason", pa.string()),
    ("file_ignored_reason", pa.string()),
    ("line_count", pa.int64()),
    ("line_number", pa.int64()),
    ("line", pa.large_string()),
    ("is_invalid_utf8", pa.bool_()),
])


class LandingDirMissing(FileNotFoundError):
    pass


@dataclass(frozen=True)
class LandedFile:
    """A file in the landing zone as stat() sees it."""

    landing_folder: str  # the top-level folder: the source it was landed for ('' at the root)
    source_file: str  # landing_dir joined with the path below it, as the lineage columns show it
    size: int
    modified_ns: int
    # the name to open, when the file's name holds bytes that are not UTF-8
    # (source_file shows them backslash-escaped: a name is text in the warehouse)
    path: str | None = None

    @property
    def os_path(self) -> str:
        return self.path or self.source_file

    @property
    def version(self) -> str:
        return hashlib.md5(f"{self.source_file}|{self.size}|{self.modified_ns}".encode()).hexdigest()

    @property
    def modified_at(self) -> datetime:
        return datetime.fromtimestamp(self.modified_ns // 1000 / 1_000_000, timezone.utc).replace(tzinfo=None)


@dataclass
class FileText:
    """What a file holds, as text, or why it holds none."""

    content: str | None
    invalid_utf8_lines: list[int]
    compression: str | None
    encoding: str | None
    sha256: str | None
    quarantine_reason: str | None = None
    ignored_reason: str | None = None


def scan(landing_dir: str | Path) -> list[LandedFile]:
    """Every regular file under landing_dir, sorted by path. Fails naming the
    directory when it does not exist: an empty warehouse reported as a good
    build is worse than a failed one."""
    root = str(landing_dir)
    if not os.path.isdir(root):
        raise LandingDirMissing(
            f"landing_dir {root!r} does not exist (resolved from {os.getcwd()!r} to "
            f"{os.path.abspath(root)!r}): set the dbt var landing_dir to the folder the log shippers write to"
        )
    files = []
    for folder, subfolders, names in os.walk(root):
        subfolders.sort()
        for name in sorted(names):
            path = os.path.join(folder, name)
            shown = as_text(path)
            landed = partial(LandedFile, as_text(_landing_folder(root, path)), shown,
                             path=None if shown == path else path)
            try:
                stat = os.stat(path)
            except OSError:
                # a dangling link or a file removed while scanning: visible, unreadable
                files.append(landed(-1, 0))
                continue
            if os.path.isfile(path):
                files.append(landed(stat.st_size, stat.st_mtime_ns))
    return sorted(files, key=lambda landed: landed.source_file)


def as_text(name: str) -> str:
    """A file name as text: bytes that are not UTF-8 (os.walk hands them over
    as surrogate escapes, which no Arrow or DuckDB string can hold) shown
    backslash-escaped, as invalid lines are."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _landing_folder(root: str, path: str) -> str:
    parts = Path(os.path.relpath(path, root)).parts
    return parts[0] if len(parts) > 1 else ""


def decompress(data: bytes) -> tuple[bytes, str | None]:
    for magic, compression in COMPRESSIONS.items():
        if data.startswith(magic):
            if compression == "gzip":
                return gzip.decompress(data), compression
            if compression == "zstd":
                # pyarrow's codec (a dependency already; the zstandard module is
                # not): streamed, so frames written without a content size and
                # several concatenated frames read too, and a truncated one fails
                stream = pa.CompressedInputStream(pa.BufferReader(data), "zstd")
                return stream.read(), compression
            if compression == "bzip2":
                return bz2.decompress(data), compression
            return lzma.decompress(data), compression
    return data, None


def decode(data: bytes) -> tuple[str, list[int], str]:
    """Text of the bytes, the 1-based numbers of the lines that are not valid
    UTF-8 (kept backslash-escaped), and the encoding found. Byte order marks
    are dropped, also at the start of a line (files concatenated with cat)."""
    for bom, encoding in UTF16_BOMS.items():
        if data.startswith(bom):
            # PowerShell's Out-File and many Windows exports write UTF-16
            return data[len(bom):].decode(encoding, errors="backslashreplace"), [], encoding
    encoding = "utf-8"
    if data.startswith(UTF8_BOM):
        data, encoding = data[len(UTF8_BOM):], "utf-8-sig"
    try:
        text, invalid = data.decode("utf-8"), []
    except UnicodeDecodeError:
        # only now line by line: a clean file decodes in one call
        pieces, invalid = [], []
        for number, line in enumerate(data.split(b"\n"), start=1):
            try:
                pieces.append(line.decode("utf-8"))
            except UnicodeDecodeError:
                pieces.append(line.decode("utf-8", errors="backslashreplace"))
                invalid.append(number)
        text = "\n".join(pieces)
    if "\n\ufeff" in text:
        text = text.replace("\n\ufeff", "\n")
    return text, invalid, encoding


def read_text(path: str) -> FileText:
    try:
        with open(path, "rb") as file:
            raw = file.read()
    except OSError:
        return FileText(None, [], None, None, None, quarantine_reason="unreadable_file")
    sha256 = hashlib.sha256(raw).hexdigest()
    try:
        data, compression = decompress(raw)
    except Exception:  # noqa: BLE001 - any decoder's error means the same: a damaged archive
        return FileText(None, [], None, None, sha256, quarantine_reason="corrupt_compressed_file")
    if not data.strip():
        return FileText(None, [], compression, None, sha256, ignored_reason="empty_file")
    if data.startswith(PARQUET_MAGIC):
        try:
            content = parquet_as_json_lines(data)
        except Exception:  # noqa: BLE001 - any reader's error means the same: a damaged file
            return FileText(None, [], compression, "parquet", sha256, quarantine_reason="corrupt_parquet_file")
        if not content:
            return FileText(None, [], compression, "parquet", sha256, ignored_reason="empty_file")
        return FileText(content, [], compression, "parquet", sha256)
    if b"\x00" in data and not any(data.startswith(bom) for bom in UTF16_BOMS):
        return FileText(None, [], compression, None, sha256, quarantine_reason="binary_file")
    content, invalid, encoding = decode(data)
    return FileText(content, invalid, compression, encoding, sha256)


def parquet_as_json_lines(data: bytes) -> str:
    """The rows of a Parquet file as JSON lines, read a row group at a time."""
    lines = []
    for batch in pq.ParquetFile(pa.BufferReader(data)).iter_batches(batch_size=10_000):
        lines.extend(json.dumps(row, default=_json_value, ensure_ascii=False, separators=(",", ":"))
                     for row in batch.to_pylist(maps_as_pydicts="lossy"))
    return "".join(line + "\n" for line in lines)


def _json_value(value):
    """What JSON cannot hold as is: times as ISO 8601 (a zone-less Parquet time is UTC), bytes as base64."""
    if isinstance(value, datetime):
        return value.isoformat() if value.tzinfo else value.isoformat() + "Z"
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return str(value)


def lines_of(text: FileText) -> list[str]:
    """The file's lines, split at LF only (a CR before it stays, for the
    staging models to trim); the empty string after a final newline is not a
    line, blank lines inside the file are."""
    lines = text.content.split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


def record_batches(files: Iterable[LandedFile], loaded_at: datetime) -> Iterator[pa.RecordBatch]:
    """The landing_lines rows of these files, one batch per file, streamed: a
    build holds about one file in memory."""
    for landed in files:
        text = (read_text(landed.os_path) if landed.size >= 0
                else FileText(None, [], None, None, None, quarantine_reason="unreadable_file"))
        if text.content is None:
            # a file without text is one row, line 0, carrying its reason
            lines, numbers, line_count = [None], np.zeros(1, dtype=np.int64), 0
        else:
            lines = lines_of(text)
            numbers = np.arange(1, len(lines) + 1, dtype=np.int64)
            line_count = len(lines)
        invalid = np.isin(numbers, np.asarray(text.invalid_utf8_lines, dtype=np.int64))
        file_values = {
            "landing_folder": landed.landing_folder,
            "source_file": landed.source_file,
            "source_file_version": landed.version,
            "file_size": landed.size,
            "modified_at": landed.modified_at,
            "loaded_at": loaded_at,
            "content_sha256": text.sha256,
            "compression": text.compression,
            "encoding": text.encoding,
            "file_quarantine_reason": text.quarantine_reason,
            "file_ignored_reason": text.ignored_reason,
            "line_count": line_count,
        }
        arrays = [pa.repeat(pa.scalar(value, type=SCHEMA.field(name).type), len(lines))
                  for name, value in file_values.items()]
        arrays += [pa.array(numbers), pa.array(lines, type=pa.large_string()), pa.array(invalid)]
        yield pa.RecordBatch.from_arrays(arrays, schema=SCHEMA)


def new_files(landing_dir: str | Path, ingested_versions: dict[str, str]) -> list[LandedFile]:
    """Files whose path was never ingested, or whose size or time changed since."""
    return [landed for landed in scan(landing_dir) if ingested_versions.get(landed.source_file) != landed.version]


def load_time(previous: datetime | None) -> datetime:
    """Now, but always after an earlier load: downstream models find what is
    new by comparing load times, so a clock set back must not hide files."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    return max(now, previous + timedelta(microseconds=1)) if previous is not None else now
