"""`secfeat sigma compile PATH...`: Sigma rules into detection models.

Each rule (specification v2, correlation rules included) whose log source the
warehouse stages becomes one model, ``det_sigma_<name>.sql``, in the output
folder (``models/detections/sigma`` by default): its condition in DuckDB's and
Spark's SQL (secfeat.sigma.backend), its metadata (id, title, author, status,
level as severity, ATT&CK tags, references, licence) in the model's meta,
which the detection catalog, the docs site and every exported finding carry.
The folder is regenerated: its det_sigma_* files are rewritten, those of
rules no longer given are removed. A rule that cannot run here is skipped,
with its reason, in the folder's COMPILE_REPORT.md, which is deterministic
(sorted, no times): a team reviews and commits both like any model.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationConditionOperator, SigmaCorrelationRule, SigmaCorrelationType
from sigma.exceptions import SigmaError
from sigma.rule import SigmaRule

from secfeat.sigma.backend import SecfeatBackend
from secfeat.sigma.fields import LogSource, LogSourceNotInWarehouse, log_source_of

DIALECTS = ("duckdb", "spark")
MODEL_PREFIX = "det_sigma_"
REPORT_FILE = "COMPILE_REPORT.md"
PROPERTIES_FILE = "_sigma__models.yml"
SEVERITIES = {"informational": "low", "low": "low", "medium": "medium", "high": "high", "critical": "critical"}
# ATT&CK Enterprise tactics (stable ids): a rule's attack.<tactic> tag
TACTICS = {
    "reconnaissance": ("TA0043", "Reconnaissance"), "resource_development": ("TA0042", "Resource Development"),
    "initial_access": ("TA0001", "Initial Access"), "execution": ("TA0002", "Execution"),
    "persistence": ("TA0003", "Persistence"), "privilege_escalation": ("TA0004", "Privilege Escalation"),
    "defense_evasion": ("TA0005", "Defense Evasion"), "credential_access": ("TA0006", "Credential Access"),
    "discovery": ("TA0007", "Discovery"), "lateral_movement": ("TA0008", "Lateral Movement"),
    "collection": ("TA0009", "Collection"), "command_and_control": ("TA0011", "Command and Control"),
    "exfiltration": ("TA0010", "Exfiltration"), "impact": ("TA0040", "Impact"),
}
OPERATORS = {SigmaCorrelationConditionOperator.GT: ">", SigmaCorrelationConditionOperator.GTE: ">=",
             SigmaCorrelationConditionOperator.LT: "<", SigmaCorrelationConditionOperator.LTE: "<=",
             SigmaCorrelationConditionOperator.EQ: "=", SigmaCorrelationConditionOperator.NEQ: "!="}
CORRELATION_TYPES = {SigmaCorrelationType.EVENT_COUNT: "event_count", SigmaCorrelationType.VALUE_COUNT: "value_count",
                     SigmaCorrelationType.TEMPORAL: "temporal",
                     SigmaCorrelationType.TEMPORAL_ORDERED: "temporal_ordered"}


@dataclass(frozen=True)
class AttackData:
    """MITRE ATT&CK Enterprise as its STIX bundle (enterprise-attack.json) names it."""

    version: str
    techniques: dict[str, str]  # T1110.003 -> Password Spraying

    @classmethod
    def load(cls, path: Path) -> AttackData:
        bundle = json.loads(path.read_text(encoding="utf-8"))
        techniques, version = {}, None
        for item in bundle.get("objects", []):
            if item.get("type") == "x-mitre-collection":
                version = item.get("x_mitre_version")
            if item.get("type") != "attack-pattern" or item.get("revoked") or item.get("x_mitre_deprecated"):
                continue
            for reference in item.get("external_references", []):
                if reference.get("source_name") == "mitre-attack" and reference.get("external_id"):
                    techniques[reference["external_id"]] = item.get("name")
        if not techniques:
            raise ValueError(f"{path}: no ATT&CK techniques (attack-pattern objects) in it")
        return cls(version or "unknown", techniques)


class SkipRule(Exception):
    """Why a rule does not compile."""


@dataclass
class RuleOutcome:
    file: str
    rule_id: str
    title: str
    log_source: str
    model: str | None = None
    reason: str | None = None


@dataclass
class CompileReport:
    outcomes: list[RuleOutcome] = field(default_factory=list)

    @property
    def compiled(self) -> list[RuleOutcome]:
        return [outcome for outcome in self.outcomes if outcome.model]

    def by_log_source(self) -> dict[str, tuple[int, int]]:
        counts: dict[str, list[int]] = {}
        for outcome in self.outcomes:
            counts.setdefault(outcome.log_source, [0, 0])[0 if outcome.model else 1] += 1
        return {name: (compiled, skipped) for name, (compiled, skipped) in sorted(counts.items())}

    def markdown(self) -> str:
        lines = ["# Sigma compile report", "",
                 "Written by `secfeat sigma compile`: every rule given, compiled into a model or skipped with why.",
                 "", "| log source | compiled | skipped |", "|---|---|---|"]
        lines += [f"| {name} | {compiled} | {skipped} |" for name, (compiled, skipped) in self.by_log_source().items()]
        lines += ["", "| rule | log source | model or reason |", "|---|---|---|"]
        for outcome in self.outcomes:
            title = outcome.title.replace("|", "\\|")
            what = f"`{outcome.model}`" if outcome.model else "skipped: " + outcome.reason.replace("|", "\\|")
            lines.append(f"| {title} (`{outcome.file}`) | {outcome.log_source} | {what} |")
        return "\n".join(lines) + "\n"


def load_rules(paths: list[Path]) -> tuple[list[tuple[str, object]], list[RuleOutcome]]:
    """Every rule under `paths` (files or folders of .yml), in file order, with
    references between them resolved; a file that is no Sigma is an outcome."""
    files = sorted({file for path in paths for file in ([path] if path.is_file() else path.rglob("*.yml"))})
    root = _common_root(paths)
    documents, unreadable = [], []
    for file in files:
        name = _relative(file, root)
        try:
            collection = SigmaCollection.from_yaml(file.read_text(encoding="utf-8"), collect_errors=True,
                                                   resolve_references=False)
        except Exception as error:  # noqa: BLE001 - YAML, encoding: reported per file
            unreadable.append(RuleOutcome(name, "", file.stem, "not staged",
                                          reason=f"not a Sigma file: {_one_line(error)}"))
            continue
        documents += [(name, rule) for rule in collection.rules]
    # correlations may name rules of other files: resolved over all of them, an unknown name the rule's error
    collection = SigmaCollection([rule for _, rule in documents], resolve_references=False)
    for _, rule in documents:
        if isinstance(rule, SigmaCorrelationRule):
            try:
                rule.resolve_rule_references(collection)
            except SigmaError as error:
                rule.errors.append(error)
    return documents, unreadable


def compile_rules(paths: list[Path], out_dir: Path, rule_url_base: str | None = None,
                  attack: AttackData | None = None) -> CompileReport:
    """Compile the rules under `paths` into `out_dir`. `rule_url_base` joined with a
    rule's file (relative to the folder the paths share) is where it is published;
    `attack` names the ATT&CK version and techniques (else ids only, as tagged)."""
    documents, outcomes = load_rules(paths)
    names_taken: set[str] = set()
    models: dict[str, str] = {}
    descriptions: dict[str, str] = {}
    for file, rule in documents:
        outcome = RuleOutcome(file, str(rule.id or ""), rule.title or "(untitled)", "unknown")
        outcomes.append(outcome)
        try:
            if not rule._output:
                raise SkipRule("referenced by a correlation rule (generate: false): compiled into it")
            if rule.errors:
                raise SkipRule("invalid rule: " + "; ".join(sorted({str(error) for error in rule.errors})))
            log_source, text = _model_text(rule, file, rule_url_base, attack)
            outcome.log_source = log_source.name
        except (SkipRule, SigmaError, LogSourceNotInWarehouse) as skipped:
            outcome.reason = _one_line(skipped)
            if isinstance(rule, SigmaRule) and outcome.log_source == "unknown":
                try:
                    outcome.log_source = log_source_of(rule.logsource).name
                except LogSourceNotInWarehouse:
                    outcome.log_source = "not staged"
            continue
        model = _unique_name(rule, names_taken)
        outcome.model = model
        models[model] = text.replace("__MODEL__", model.removeprefix("det_"))
        descriptions[model] = _description(rule, file)
    report = CompileReport(sorted(outcomes, key=lambda o: (o.log_source, o.file, o.title, o.rule_id)))
    _write(out_dir, models, descriptions, report)
    return report


def _description(rule, file: str) -> str:
    kind = f"Sigma {CORRELATION_TYPES.get(rule.type, 'correlation')} correlation rule" \
        if isinstance(rule, SigmaCorrelationRule) else "Sigma rule"
    parts = [f"{kind}: {rule.title}.", (rule.description or "").strip(),
             f"Author: {rule.author or 'unknown'} (rule {rule.id}, {file}, licence "
             f"{(getattr(rule, 'license', None) or 'DRL-1.1').strip()}).",
             *(f"Reference: {reference}" for reference in rule.references or [])]
    return " ".join(part for part in parts if part)


def _model_text(rule, file: str, rule_url_base: str | None, attack: AttackData | None) -> tuple[LogSource, str]:
    if isinstance(rule, SigmaCorrelationRule):
        log_source, correlation = _correlation(rule)
        call = f"secfeat.sigma_correlation(rule, {_jinja(correlation)})"
    else:
        log_source = log_source_of(rule.logsource)
        conditions = {dialect: _condition(rule, log_source, dialect) for dialect in DIALECTS}
        call = f"secfeat.sigma_detection(rule, {_jinja(conditions)})"
    meta = _meta(rule, file, log_source, rule_url_base, attack)
    author = meta["rule_author"] or "unknown"
    header = (
        f"{{#- Generated by `secfeat sigma compile` from {file}: change the rule and compile again.\n"
        f"    Sigma rule {meta['rule_uid']} by {author}, under {meta['rule_license']}: alerts and findings\n"
        f"    from it keep its author. -#}}\n"
    )
    return log_source, (header + f"{{%- set rule = {_jinja(meta)} -%}}\n"
                        "{{ config(meta={'detection': rule}) }}\n" + "{{ " + call + " }}\n")


def _condition(rule: SigmaRule, log_source: LogSource, dialect: str) -> str:
    backend = SecfeatBackend(dialect)
    condition = backend.convert_rule_condition(rule, log_source)
    if log_source.record_filter:
        checks = [f"{backend.field_sql(name)} = {backend.dialect.literal(value)}"
                  for name, value in log_source.record_filter.items()]
        condition = " and ".join(checks) + f" and ({condition})"
    return condition


def _correlation(rule: SigmaCorrelationRule) -> tuple[LogSource, dict]:
    kind = CORRELATION_TYPES.get(rule.type)
    if kind is None:
        raise SkipRule(f"correlation type {rule.type.name.lower()} is not supported (event_count, value_count, "
                       "temporal, temporal_ordered are)")
    if rule.condition is not None and getattr(rule.condition, "fieldref", None) and kind != "value_count":
        raise SkipRule("a field in the condition of a correlation other than value_count")
    referenced = [reference.rule for reference in rule.rules]
    if any(isinstance(base, SigmaCorrelationRule) for base in referenced):
        raise SkipRule("a correlation of correlations is not supported")
    log_sources = {log_source_of(base.logsource).name: log_source_of(base.logsource) for base in referenced}
    if len(log_sources) != 1:
        raise SkipRule("a correlation across log sources (" + ", ".join(sorted(log_sources)) + ") is not supported")
    log_source = next(iter(log_sources.values()))
    bases = []
    for base in referenced:
        entry = {"condition": {d: _condition(base, log_source, d) for d in DIALECTS}, "group_by": []}
        for key in rule.group_by or []:
            entry["group_by"].append(_field_sql(_aliased(rule, key, base), log_source))
        if kind == "value_count":
            entry["value"] = _field_sql(_aliased(rule, rule.condition.fieldref, base), log_source)
        bases.append(entry)
    if kind in ("temporal", "temporal_ordered"):
        operator, count = ">=", len(referenced)
        if rule.condition is not None and rule.condition.count is not None:
            operator, count = OPERATORS[rule.condition.op], rule.condition.count
    else:
        operator, count = OPERATORS[rule.condition.op], rule.condition.count
    return log_source, {"type": kind, "timespan_seconds": rule.timespan.seconds, "operator": operator,
                        "count": count, "rules": bases}


def _aliased(rule: SigmaCorrelationRule, name: str, base) -> str:
    alias = rule.aliases.aliases.get(name) if rule.aliases else None
    if alias is None:
        return name
    for reference, field_name in alias.mapping.items():
        if reference.reference in (base.name, str(base.id)):
            return field_name
    raise SkipRule(f"alias {name} names no field of rule {base.name or base.id}")


def _field_sql(name: str, log_source: LogSource) -> dict:
    out = {}
    for dialect in DIALECTS:
        backend = SecfeatBackend(dialect)
        backend.log_source = log_source
        out[dialect] = backend.field_sql(name)
    return out


def _meta(rule, file: str, log_source: LogSource, rule_url_base: str | None, attack: AttackData | None) -> dict:
    tags = sorted(str(tag) for tag in (rule.tags or []))
    techniques = [tag.split(".", 1)[1].upper() for tag in tags
                  if re.fullmatch(r"attack\.t\d{4}(\.\d{3})?", tag.lower())]
    tactics = [TACTICS[tag.split(".", 1)[1]] for tag in tags
               if tag.lower().startswith("attack.") and tag.split(".", 1)[1] in TACTICS]
    level = rule.level.name.lower() if rule.level else "medium"
    # a rule that names no licence is taken as SigmaHQ's (they name none in the file)
    license_ = (getattr(rule, "license", None) or "DRL-1.1").strip()
    return {
        "name": "__MODEL__",
        "title": rule.title or "",
        "attack_technique_uid": min(techniques) if techniques else None,
        "attack_technique_name": attack.techniques.get(min(techniques)) if attack and techniques else None,
        "attack_tactic_uid": tactics[0][0] if tactics else None,
        "attack_tactic_name": tactics[0][1] if tactics else None,
        "severity": SEVERITIES.get(level, "medium"),
        "entity": "record",
        "kind": "sigma",
        "log_source": log_source.name,
        "source": log_source.source,
        "staging_model": log_source.staging_model,
        "rule_uid": str(rule.id or ""),
        "rule_name": rule.name,
        "rule_author": rule.author,
        "rule_status": rule.status.name.lower() if rule.status else None,
        "rule_level": level,
        "rule_description": rule.description,
        "rule_references": list(rule.references or []),
        "rule_tags": tags,
        "rule_file": file,
        "rule_url": rule_url_base.rstrip("/") + "/" + file if rule_url_base else None,
        "rule_license": license_,
        # ATT&CK ids as the rule's author tagged them; names and version from ATT&CK's data when given
        "attack_version": f"ATT&CK Enterprise v{attack.version}" if attack else
        "as tagged by the rule (ids only; compile with --attack-data to check them and name the version)",
        "attack_unknown_techniques": sorted(set(techniques) - set(attack.techniques)) if attack else [],
    }


def _unique_name(rule, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", (rule.name or rule.title or str(rule.id)).lower()).strip("_")[:50]
    name = MODEL_PREFIX + (base or "rule")
    if name in taken:
        name = f"{name}_{str(rule.id)[:8]}"
    taken.add(name)
    return name


def _write(out_dir: Path, models: dict[str, str], descriptions: dict[str, str], report: CompileReport) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob(MODEL_PREFIX + "*.sql"):
        if stale.stem not in models:
            stale.unlink()
    for model, text in models.items():
        (out_dir / f"{model}.sql").write_text(text, encoding="utf-8")
    (out_dir / REPORT_FILE).write_text(report.markdown(), encoding="utf-8")
    properties = ["# Written by `secfeat sigma compile`: each compiled rule's description (its meta is in the model).",
                  "version: 2", "", "models:"]
    for model in sorted(descriptions):
        properties += [f"  - name: {model}", f"    description: {json.dumps(descriptions[model])}"]
    (out_dir / PROPERTIES_FILE).write_text("\n".join(properties) + ("\n" if descriptions else " []\n"),
                                           encoding="utf-8")


def _jinja(value) -> str:
    """A Jinja literal of a JSON-like value (JSON's string escapes are Jinja's)."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_jinja(item) for item in value) + "]"
    return "{" + ", ".join(f"{json.dumps(key)}: {_jinja(item)}" for key, item in value.items()) + "}"


def _one_line(error: Exception) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return re.sub(r"\s+", " ", text)


def _common_root(paths: list[Path]) -> Path:
    folders = [path if path.is_dir() else path.parent for path in paths]
    root = folders[0].resolve()
    for folder in folders[1:]:
        while not folder.resolve().is_relative_to(root):
            root = root.parent
    return root


def _relative(file: Path, root: Path) -> str:
    try:
        return file.resolve().relative_to(root).as_posix()
    except ValueError:
        return file.as_posix()
