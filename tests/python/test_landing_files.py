"""src/secfeat/landing.py, the one place raw files are opened: decompression
by magic bytes, decoding, file-level reasons, the recursive scan, and the
rows landing_files is made of. No dbt here."""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
from datetime import datetime, timedelta, timezone

import pyarrow as pa
import pytest

from secfeat import landing

TEXT = '{"EventID": 4624}\n{"EventID": 4625}\n'


def _zstd(data: bytes, streamed: bool = True) -> bytes:
    if not streamed:  # one call: the frame header holds the content size
        return pa.Codec("zstd").compress(data, asbytes=True)
    sink = pa.BufferOutputStream()
    with pa.CompressedOutputStream(sink, "zstd") as stream:  # as `zstd` on a pipe writes it: no content size
        stream.write(data)
    return sink.getvalue().to_pybytes()


@pytest.mark.parametrize("compress, compression", [
    (gzip.compress, "gzip"),
    (_zstd, "zstd"),
    (lambda data: _zstd(data, streamed=False), "zstd"),
    (bz2.compress, "bzip2"),
    (lzma.compress, "xz"),
    (lambda data: data, None),
])
def test_decompress_by_magic_bytes_whatever_the_name(compress, compression):
    data = TEXT.encode()
    assert landing.decompress(compress(data)) == (data, compression)


@pytest.mark.parametrize("compress, compression", [(gzip.compress, "gzip"), (_zstd, "zstd")])
def test_concatenated_archives_are_one_text(compress, compression):
    # as `cat a.gz b.gz` (or log rotation appending) leaves them
    assert landing.decompress(compress(b"a\n") + compress(b"b\n")) == (b"a\nb\n", compression)


# mtime=0 here and below: the same bytes, so the same test ids, in every pytest-xdist worker
@pytest.mark.parametrize("damaged", [
    gzip.compress(TEXT.encode() * 50, mtime=0)[:40],
    _zstd(TEXT.encode() * 50)[:20],
    bz2.compress(TEXT.encode())[:30],
    lzma.compress(TEXT.encode())[:30],
    b"\x1f\x8b not gzip at all",
])
def test_a_damaged_archive_is_quarantined(tmp_path, damaged):
    path = tmp_path / "x.json.gz"
    path.write_bytes(damaged)
    text = landing.read_text(str(path))
    assert (text.content, text.quarantine_reason, text.ignored_reason) == (None, "corrupt_compressed_file", None)
    assert text.sha256 is not None


def test_decode_utf8():
    assert landing.decode("zoë\n".encode()) == ("zoë\n", [], "utf-8")


def test_decode_strips_the_utf8_bom_also_at_line_starts():
    bom = b"\xef\xbb\xbf"
    assert landing.decode(bom + b'{"a": 1}\n' + bom + b'{"b": 2}\n') == ('{"a": 1}\n{"b": 2}\n', [], "utf-8-sig")


@pytest.mark.parametrize("bom, codec, encoding", [
    (b"\xff\xfe", "utf-16-le", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be", "utf-16-be"),
])
def test_decode_utf16_with_a_bom(bom, codec, encoding):
    assert landing.decode(bom + "zoë\r\nbob\r\n".encode(codec)) == ("zoë\r\nbob\r\n", [], encoding)


def test_lines_that_are_not_utf8_are_kept_escaped_and_numbered():
    text, invalid, encoding = landing.decode(b"ok\nJOS\xc9\nfine\n\xff\xfe\n")
    assert text == "ok\nJOS\\xc9\nfine\n\\xff\\xfe\n"
    assert (invalid, encoding) == ([2, 4], "utf-8")


@pytest.mark.parametrize("data, quarantine, ignored", [
    (b"", None, "empty_file"),
    (b"  \r\n\t\n", None, "empty_file"),
    (gzip.compress(b"", mtime=0), None, "empty_file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary_file", None),
    (gzip.compress(b"\x00\x01\x02", mtime=0), "binary_file", None),
])
def test_files_without_text(tmp_path, data, quarantine, ignored):
    path = tmp_path / "f"
    path.write_bytes(data)
    text = landing.read_text(str(path))
    assert (text.content, text.quarantine_reason, text.ignored_reason) == (None, quarantine, ignored)


def test_utf16_is_not_taken_for_binary(tmp_path):
    path = tmp_path / "export.json"
    path.write_bytes(gzip.compress(b"\xff\xfe" + TEXT.encode("utf-16-le")))
    text = landing.read_text(str(path))
    assert (text.content, text.compression, text.encoding, text.quarantine_reason) == (
        TEXT, "gzip", "utf-16-le", None)


def test_an_unreadable_file(tmp_path):
    text = landing.read_text(str(tmp_path))  # a directory cannot be read as a file
    assert (text.content, text.quarantine_reason) == (None, "unreadable_file")


def _tree(root):
    files = {
        "windows/a.json": b"1\n",
        "windows/2026/10/30/x.json": b"2\n",
        "cloudtrail/AWSLogs/1/CloudTrail/us-east-1/2026/06/01/b.json.gz": gzip.compress(b"{}"),
        "root.txt": b"r\n",
    }
    for relative, data in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(data)
    return files


def test_scan_finds_every_file_at_any_depth(tmp_path):
    files = _tree(tmp_path)
    scanned = landing.scan(tmp_path)
    assert [(f.source_file, f.landing_folder, f.size) for f in scanned] == sorted(
        (str(tmp_path / relative), relative.split("/")[0] if "/" in relative else "", len(data))
        for relative, data in files.items())
    assert all(f.path is None and f.os_path == f.source_file for f in scanned)


def test_scan_keeps_a_dangling_link_as_an_unreadable_file(tmp_path):
    (tmp_path / "okta").mkdir()
    (tmp_path / "okta" / "gone.json").symlink_to(tmp_path / "nowhere")
    (landed,) = landing.scan(tmp_path)
    assert (landed.landing_folder, landed.size) == ("okta", -1)
    (batch,) = landing.record_batches([landed], datetime(2026, 6, 1))
    assert batch.to_pylist()[0]["file_quarantine_reason"] == "unreadable_file"


def test_a_file_name_that_is_not_utf8(tmp_path):
    folder = os.path.join(os.fsencode(tmp_path), b"windows")
    os.mkdir(folder)
    with open(os.path.join(folder, b"caf\xe9.json"), "wb") as file:
        file.write(TEXT.encode())
    (landed,) = landing.scan(tmp_path)
    assert landed.source_file == f"{tmp_path}/windows/caf\\xe9.json"  # text the warehouse can hold
    assert os.fsencode(landed.os_path) == os.path.join(folder, b"caf\xe9.json")  # the name to open
    (batch,) = landing.record_batches([landed], datetime(2026, 6, 1))
    rows = batch.to_pylist()
    assert {(row["landing_folder"], row["source_file"]) for row in rows} == {("windows", landed.source_file)}
    assert "\n".join(row["line"] for row in rows) == TEXT.rstrip("\n")


def test_a_missing_landing_dir_fails_naming_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(landing.LandingDirMissing) as raised:
        landing.scan("no_such_landing")
    message = str(raised.value)
    assert "'no_such_landing'" in message and str(tmp_path / "no_such_landing") in message
    assert isinstance(raised.value, FileNotFoundError)


def test_record_batches_hold_one_file_each_a_row_per_line(tmp_path):
    _tree(tmp_path)
    loaded_at = datetime(2026, 6, 1, 12)
    scanned = landing.scan(tmp_path)
    batches = list(landing.record_batches(scanned, loaded_at))
    assert len(batches) == len(scanned)
    assert all(batch.schema == landing.SCHEMA for batch in batches)
    rows = [row for batch in batches for row in batch.to_pylist()]
    gz = next(row for row in rows if row["source_file"].endswith(".gz"))
    assert (gz["compression"], gz["line_number"], gz["line"], gz["loaded_at"]) == ("gzip", 1, "{}", loaded_at)
    for batch in batches:
        numbers = batch.column("line_number").to_pylist()
        count = batch.column("line_count")[0].as_py()
        assert numbers == (list(range(1, count + 1)) if count else [0])


def test_lines_split_at_line_feeds_only_and_keep_blank_ones(tmp_path):
    (tmp_path / "sshd").mkdir()
    (tmp_path / "sshd" / "auth.log").write_bytes(b"a\r\n\nb\xe9\x0bc\n")
    (batch,) = landing.record_batches(landing.scan(tmp_path), datetime(2026, 6, 1))
    rows = batch.to_pylist()
    assert [(r["line_number"], r["line"], r["is_invalid_utf8"]) for r in rows] == [
        (1, "a\r", False), (2, "", False), (3, "b\\xe9\x0bc", True)]


def test_a_file_is_new_until_ingested_and_again_when_rewritten(tmp_path):
    path = tmp_path / "sshd" / "auth.log"
    path.parent.mkdir()
    path.write_text("a\n")
    os.utime(path, ns=(1_780_000_000_000_000_000,) * 2)
    (landed,) = landing.new_files(tmp_path, {})
    assert landing.new_files(tmp_path, {landed.source_file: landed.version}) == []
    os.utime(path, ns=(1_780_000_000_000_000_001,) * 2)  # touched: a new version
    assert [f.source_file for f in landing.new_files(tmp_path, {landed.source_file: landed.version})] == [str(path)]
    assert landed.modified_at == datetime(2026, 5, 28, 20, 26, 40)


def test_load_time_moves_forward_even_when_the_clock_goes_back():
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    future = now + timedelta(days=1)
    assert landing.load_time(future) == future + timedelta(microseconds=1)
    assert now <= landing.load_time(None) <= now + timedelta(minutes=1)
    assert now <= landing.load_time(now - timedelta(days=1)) <= now + timedelta(minutes=1)
