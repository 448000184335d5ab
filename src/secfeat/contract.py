"""The OCSF contract as Python reads it: the same YAML the dbt macro
`ocsf_contract()` returns (macros/ocsf/ocsf_contract.sql), so the classes and
sources Python code and tests iterate over are the warehouse's own."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

CONTRACT_MACRO = Path(__file__).resolve().parents[2] / "macros" / "ocsf" / "ocsf_contract.sql"


@lru_cache(maxsize=None)
def load(path: Path = CONTRACT_MACRO) -> dict:
    match = re.search(r"\{%-? set contract_yaml -?%\}(.*?)\{%-? endset -?%\}", path.read_text(), re.S)
    if not match:
        raise ValueError(f"{path}: no `set contract_yaml` block")
    return yaml.safe_load(match.group(1))


def ocsf_classes() -> list[str]:
    """Every OCSF class the warehouse exposes (models ocsf_<class>)."""
    return list(load()["classes"])


def sources() -> list[str]:
    """Every landing source (folder landing/<source>/, model stg_<source>__...)."""
    return list(load()["sources"])
