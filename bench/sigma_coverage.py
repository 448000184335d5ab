"""How many of a Sigma rule set compile and run here, per log source, and why the rest do not.

    python bench/sigma_coverage.py PATH... [--duckdb secfeat.duckdb]

Compiles the rules (secfeat.sigma.compiler, into a scratch folder: the
project's models are not touched), then runs each compiled rule's DuckDB
condition over its staging model in the published build (the demo's, by
default): a rule runs when its SQL executes, whatever it matches. Prints per
log source the rules given, compiled, run, and the reasons the rest were
skipped, counted. For SigmaHQ: fetch SigmaHQ/sigma (never commit its rules) and
pass its rules folders.
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
from pathlib import Path

from sigma.correlations import SigmaCorrelationRule

from secfeat import warehouse
from secfeat.sigma.compiler import _condition, compile_rules, load_rules
from secfeat.sigma.fields import log_source_of


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", type=Path, nargs="+")
    parser.add_argument("--duckdb", type=Path, default=warehouse.default_warehouse())
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        report = compile_rules(args.paths, Path(scratch) / "sigma")
    compiled = {(outcome.file, outcome.rule_id) for outcome in report.compiled}
    documents, _ = load_rules(args.paths)
    build, con = warehouse.open_current(args.duckdb)
    ran, failed = collections.Counter(), []
    try:
        for file, rule in documents:
            if (file, str(rule.id or "")) not in compiled or isinstance(rule, SigmaCorrelationRule):
                continue
            log_source = log_source_of(rule.logsource)
            try:
                con.execute(f"select count(*) from staging.{log_source.staging_model} "
                            f"where _quarantine_reason is null and ({_condition(rule, log_source, 'duckdb')})")
                ran[log_source.name] += 1
            except Exception as error:  # noqa: BLE001 - counted and listed
                failed.append((log_source.name, file, str(error).splitlines()[0]))
    finally:
        con.close()
    reasons = collections.Counter()
    for outcome in report.outcomes:
        if not outcome.model:
            reason = outcome.reason.split(":")[0] if outcome.reason.startswith("field ") else outcome.reason
            reasons[(outcome.log_source, reason[:90])] += 1
    print(f"{'log source':<26} {'given':>6} {'compiled':>9} {'ran':>5}")
    for name, (done, skipped) in report.by_log_source().items():
        print(f"{name:<26} {done + skipped:>6} {done:>9} {ran.get(name, 0):>5}")
    print("\nskipped, by reason:")
    for (name, reason), count in reasons.most_common():
        print(f"{count:>6}  {name}: {reason}")
    for name, file, error in failed:
        print(f"failed to run: {name} {file}: {error}")
    print(f"\n(build {build.build_id} of {args.duckdb})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
