"""The DuckDB functions the warehouse's SQL calls that DuckDB lacks, as a
dbt-duckdb plugin (profiles.yml: ``plugins: [{module: secfeat.duckdb_functions}]``),
which registers them when dbt opens the warehouse. DuckDB keeps them per open
database: dbt's cursors see them, and so does any connection of the process to it.

- ``secfeat_pseudonym(varchar) -> varchar``: the keyed hash (HMAC-SHA256, 32 hex
  digits) of an identifier the SQL has already normalized (macro
  ``secfeat.pseudonym``, behind ``secfeat.pseudonymize_identifier``). The key is
  read from environment variable SECFEAT_PSEUDONYMIZATION_KEY at every call and
  never leaves this process: DuckDB has no HMAC, and a key in the SQL text would
  be written to target/ and logs/dbt.log.
- ``secfeat_pseudonymization_key_fingerprint() -> varchar``: the keyed hash of a
  fixed text, which tells two keys apart without revealing either; the
  warehouse records it to notice a key change.
- ``secfeat_replace_identifiers(text, identifiers varchar[], pseudonyms varchar[])
  -> varchar``: free text with each identifier, where it stands as a whole word
  (any case), replaced by its pseudonym (macro ``secfeat.replace_identifiers_in_text``).
  In SQL it would be a regular expression compiled per row: 60 us a row.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from functools import lru_cache

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from dbt.adapters.duckdb.plugins import BasePlugin

KEY_VARIABLE = "SECFEAT_PSEUDONYMIZATION_KEY"
MINIMUM_KEY_LENGTH = 16
PSEUDONYM_HEX_DIGITS = 32  # 128 bits: no collision among any realistic number of identities
FINGERPRINT_TEXT = b"secfeat pseudonymization key fingerprint"
# pseudonyms kept across batches: users and IPs repeat; bounded, so memory is too
CACHE_ENTRIES_MAX = 200_000


class PseudonymizationKeyError(RuntimeError):
    pass


def pseudonymization_key(environ=os.environ) -> bytes:
    """The key, or an error that says what to set (never what was set)."""
    key = environ.get(KEY_VARIABLE, "")
    if not key:
        raise PseudonymizationKeyError(
            f"environment variable {KEY_VARIABLE} is not set: var pseudonymize_identifiers needs a secret key "
            f"of at least {MINIMUM_KEY_LENGTH} characters there (e.g. `openssl rand -hex 32`, from a secret "
            "store), never in the repository or a dbt var")
    if len(key) < MINIMUM_KEY_LENGTH:
        raise PseudonymizationKeyError(
            f"environment variable {KEY_VARIABLE} is shorter than {MINIMUM_KEY_LENGTH} characters: "
            "use a long random secret (e.g. `openssl rand -hex 32`)")
    return key.encode("utf-8")


def pseudonym(value: str, key: bytes) -> str:
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:PSEUDONYM_HEX_DIGITS]


def key_fingerprint(key: bytes) -> str:
    return hmac.new(key, FINGERPRINT_TEXT, hashlib.sha256).hexdigest()[:16]


_cached_key: bytes | None = None
_cache: dict[str, str] = {}


def _pseudonym_cached(value: str, key: bytes) -> str:
    global _cached_key
    if key != _cached_key:
        _cache.clear()
        _cached_key = key
    elif len(_cache) >= CACHE_ENTRIES_MAX:
        _cache.clear()
    hashed = _cache.get(value)
    if hashed is None:
        hashed = _cache[value] = pseudonym(value, key)
    return hashed


def pseudonyms(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """A batch's pseudonyms (nulls stay null), each distinct value hashed once."""
    key = pseudonymization_key()
    encoded = pc.dictionary_encode(values)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    distinct = pa.array([_pseudonym_cached(value, key) for value in encoded.dictionary.to_pylist()], pa.string())
    return pc.take(distinct, encoded.indices)


@lru_cache(maxsize=100_000)
def _whole_word(identifier: str) -> re.Pattern:
    return re.compile(r"(?<![0-9a-z_])" + re.escape(identifier) + r"(?![0-9a-z_])", re.IGNORECASE)


def replace_identifiers(text: str | None, identifiers: list, pseudonyms: list) -> str | None:
    """`text` with each identifier (in order) replaced by its pseudonym where it is a whole word."""
    if not text:
        return text
    for identifier, replacement in zip(identifiers or (), pseudonyms or ()):
        if identifier and replacement is not None and identifier.lower() in text.lower():
            text = _whole_word(identifier).sub(lambda _: replacement, text)
    return text


def replace_identifiers_in_batch(texts, identifiers, pseudonyms) -> pa.Array:
    return pa.array(
        [replace_identifiers(*row) for row in zip(texts.to_pylist(), identifiers.to_pylist(), pseudonyms.to_pylist())],
        pa.string())


def pseudonymization_key_fingerprint() -> str:
    return key_fingerprint(pseudonymization_key())


def register(conn: duckdb.DuckDBPyConnection) -> None:
    """Create the functions unless this database already has them: DuckDB keeps
    them per database instance, which a second connection in the process shares."""
    varchar = duckdb.sqltype("VARCHAR")
    varchars = duckdb.list_type(varchar)
    functions = {
        "secfeat_pseudonym": dict(function=pseudonyms, parameters=[varchar], type="arrow"),
        "secfeat_replace_identifiers": dict(
            function=replace_identifiers_in_batch, parameters=[varchar, varchars, varchars], type="arrow"),
        "secfeat_pseudonymization_key_fingerprint": dict(
            function=pseudonymization_key_fingerprint, parameters=[], type="native", side_effects=True),
    }
    registered = {name for (name,) in conn.execute(
        "select function_name from duckdb_functions() where list_contains(?, function_name)", [list(functions)]).fetchall()}
    for name, spec in functions.items():
        if name not in registered:
            conn.create_function(name, return_type=varchar, **spec)


class Plugin(BasePlugin):
    def configure_connection(self, conn: duckdb.DuckDBPyConnection) -> None:
        register(conn)
