"""Sigma's meaning in plain Python, independent of the SQL backend: which
records a rule matches, and at which events a correlation holds. The rule is
read by pySigma (its parse and modifiers); matching is written here from the
specification: case-insensitive strings with * and ? wildcards, |cased and
encoded values as written, a missing field matching nothing (its negation
everything), regular expressions searched, keywords as substrings."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from sigma.conditions import (ConditionAND, ConditionFieldEqualsValueExpression, ConditionNOT, ConditionOR,
                              ConditionValueExpression)
from sigma.rule import SigmaDetectionItem
from sigma.types import (SigmaBool, SigmaCasedString, SigmaCIDRExpression, SigmaCompareExpression, SigmaExists,
                         SigmaExpansion, SigmaFieldReference, SigmaNull, SigmaNumber, SigmaRegularExpression,
                         SigmaString, SpecialChars)

from secfeat.sigma.fields import LogSource

ENCODINGS = {"SigmaBase64Modifier", "SigmaBase64OffsetModifier", "SigmaWideModifier"}
MISSING = object()


def texts(record: dict, field: str, log_source: LogSource) -> list[str | None]:
    """The field's values as text: one, or one per element of an array; None when absent or null."""
    path = log_source.resolve(field)
    if path.constant is not None:
        return [path.constant]

    def walk(value, parts):
        for part in parts:
            value = value.get(part, MISSING) if isinstance(value, dict) else MISSING
            if value is MISSING:
                return MISSING
        return value

    if path.array_at is None:
        return [_text(walk(record, path.parts))]
    array = walk(record, path.parts[:path.array_at + 1])
    if not isinstance(array, list):
        return []
    return [_text(walk(element, path.parts[path.array_at + 1:])) for element in array]


def _text(value) -> str | None:
    if value is MISSING or value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _wildcard_regex(value: SigmaString) -> str:
    out = []
    for part in value.s:
        if isinstance(part, str):
            out.append(re.escape(part))
        elif part == SpecialChars.WILDCARD_MULTI:
            out.append(".*")
        else:
            out.append(".")
    return "".join(out)


def _encoded(condition) -> bool:
    parent = condition.parent
    while parent is not None and not isinstance(parent, SigmaDetectionItem):
        parent = parent.parent
    return parent is not None and any(m.__name__ in ENCODINGS for m in parent.modifiers)


def _string_matches(text: str | None, value: SigmaString, cased: bool) -> bool:
    if text is None:
        return False
    flags = re.DOTALL if cased else re.DOTALL | re.IGNORECASE
    return re.fullmatch(_wildcard_regex(value), text, flags) is not None


def _value_matches(condition, value, record: dict, log_source: LogSource, field: str) -> bool:
    if isinstance(value, SigmaExpansion):
        return any(_value_matches(condition, v, record, log_source, field) for v in value.values)
    if isinstance(value, SigmaExists):
        present = any(t is not None for t in texts(record, field, log_source))
        return present == value.exists
    if isinstance(value, SigmaNull):
        return all(t is None for t in texts(record, field, log_source))
    if isinstance(value, SigmaFieldReference):
        left, right = texts(record, field, log_source)[0], texts(record, value.field, log_source)[0]
        return left is not None and right is not None and left.lower() == right.lower()
    values = texts(record, field, log_source)
    if isinstance(value, SigmaCasedString):
        return any(_string_matches(t, value, True) for t in values)
    if isinstance(value, SigmaString):
        return any(_string_matches(t, value, _encoded(condition)) for t in values)
    if isinstance(value, SigmaNumber):
        return any(t == str(value) for t in values)
    if isinstance(value, SigmaBool):
        return any(t is not None and t.lower() == str(value.boolean).lower() for t in values)
    if isinstance(value, SigmaRegularExpression):
        flags = 0
        for flag in value.flags:
            flags |= {"IGNORECASE": re.IGNORECASE, "MULTILINE": re.MULTILINE, "DOTALL": re.DOTALL}[flag.name]
        return any(t is not None and re.search(str(value.regexp), t, flags) for t in values)
    if isinstance(value, SigmaCIDRExpression):
        def inside(text):
            if text is None or not re.fullmatch(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}", text):
                return False
            number = sum(int(octet) * 256 ** (3 - i) for i, octet in enumerate(text.split(".")))
            network = value.network
            return int(network.network_address) <= number <= int(network.broadcast_address)
        return any(inside(t) for t in values)
    if isinstance(value, SigmaCompareExpression):
        def compare(text):
            try:
                number = float(text)
            except (TypeError, ValueError):
                return False
            limit = value.number.number
            return {"LT": number < limit, "LTE": number <= limit, "GT": number > limit,
                    "GTE": number >= limit}[value.op.name]
        return any(compare(t) for t in values)
    raise NotImplementedError(type(value))


def _keyword_text(record: dict, log_source: LogSource) -> str:
    if log_source.keyword_field:
        return texts(record, log_source.keyword_field, log_source)[0] or ""
    return json.dumps(record)


def evaluate(node, record: dict, log_source: LogSource) -> bool:
    if isinstance(node, ConditionAND):
        return all(evaluate(arg, record, log_source) for arg in node.args)
    if isinstance(node, ConditionOR):
        return any(evaluate(arg, record, log_source) for arg in node.args)
    if isinstance(node, ConditionNOT):
        return not evaluate(node.args[0], record, log_source)
    if isinstance(node, ConditionFieldEqualsValueExpression):
        return _value_matches(node, node.value, record, log_source, node.field)
    if isinstance(node, ConditionValueExpression):
        value = node.value
        if isinstance(value, SigmaRegularExpression):
            return re.search(str(value.regexp), _keyword_text(record, log_source)) is not None
        text = _keyword_text(record, log_source)
        return re.search(_wildcard_regex(value), text, re.DOTALL | re.IGNORECASE) is not None
    raise NotImplementedError(type(node))


def rule_matches(rule, record: dict, log_source: LogSource) -> bool:
    if any(texts(record, name, log_source)[0] != value for name, value in log_source.record_filter.items()):
        return False
    return any(evaluate(condition.parsed, record, log_source) for condition in rule.detection.parsed_condition)


def correlation_hits(rule, rows: list[dict], log_source: LogSource) -> set[str]:
    """rows: {event_uid, event_at, record}. The events at which the correlation holds."""
    kind = rule.type.name.lower()
    span = timedelta(seconds=rule.timespan.seconds)
    bases = [reference.rule for reference in rule.rules]

    def key_of(row, base):
        keys = []
        for name in rule.group_by or []:
            alias = rule.aliases.aliases.get(name) if rule.aliases else None
            field = name if alias is None else next(
                f for r, f in alias.mapping.items() if r.reference in (base.name, str(base.id)))
            text = texts(row["record"], field, log_source)[0]
            if text is None:
                return None
            keys.append(text.lower())
        return tuple(keys)

    matched = []  # (row, rule index, group key)
    for row in rows:
        for index, base in enumerate(bases):
            if rule_matches(base, row["record"], log_source):
                key = key_of(row, base)
                if key is not None:
                    matched.append((row, index, key))
    hits = set()
    operator = {"GT": lambda a, b: a > b, "GTE": lambda a, b: a >= b, "LT": lambda a, b: a < b,
                "LTE": lambda a, b: a <= b, "EQ": lambda a, b: a == b, "NEQ": lambda a, b: a != b}
    for row, index, key in matched:
        at = row["event_at"]
        window = [(r, i) for r, i, k in matched if k == key and at - span <= r["event_at"] <= at]
        if kind == "event_count":
            holds = operator[rule.condition.op.name](len({r["event_uid"] for r, _ in window}), rule.condition.count)
        elif kind == "value_count":
            field = rule.condition.fieldref
            values = set()
            for r, i in window:
                text = texts(r["record"], field, log_source)[0]
                if text is not None:
                    values.add(text.lower())
            holds = operator[rule.condition.op.name](len(values), rule.condition.count)
        elif kind == "temporal":
            holds = len({i for _, i in window}) >= len(bases)
        else:  # temporal_ordered: the last rule's event ends a chain t0 <= t1 <= ... within the span
            holds = index == len(bases) - 1 and _ordered_chain(matched, key, at, span, len(bases))
        if holds:
            hits.add(row["event_uid"])
    return hits


def _ordered_chain(matched, key, end_at, span, length) -> bool:
    events = sorted((r["event_at"], i) for r, i, k in matched if k == key and end_at - span <= r["event_at"] <= end_at)
    step = 0
    for at, index in events:  # greedy: the earliest start in the window that the order allows
        if index == step:
            step += 1
            if step == length - 1:
                break
    # the chain's last step is the event at end_at itself (any event of the last rule at or before it in order)
    return step >= length - 1
