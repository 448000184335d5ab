"""The project's pySigma backend: a Sigma rule's detection as one SQL condition
over a staging row, in DuckDB's or Spark's dialect, with Sigma's meaning on both:

- fields are read from the row's ``_vendor_record`` (JSON) by the path
  ``fields.LogSource.resolve`` gives; a field of an array of objects (Okta's
  ``target``) matches when any element does;
- strings compare case-insensitively, ``*`` and ``?`` are wildcards (LIKE with
  ESCAPE); ``|cased`` and the encoded values of ``|base64``/``|base64offset``/
  ``|wide`` compare as written;
- a missing field matches nothing, and ``not`` of a condition that matched
  nothing is true: ``NOT coalesce(x, false)``, never SQL's NULL;
- ``|re`` is a regular expression (RE2 on DuckDB, Java's on Spark), searched,
  case-sensitive unless ``|i``; ``|cidr`` is an IPv4 range on the dotted quad;
- a keyword (a value without a field) is a case-insensitive substring of the
  source's keyword field (sshd's message) or of the record's JSON text.

What it cannot say exactly raises ``SigmaFeatureNotSupportedByBackendError``
with the reason, which the compile report lists per rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, ClassVar

from sigma.conditions import ConditionFieldEqualsValueExpression, ConditionItem, ConditionNOT, ConditionOR, \
    ConditionAND, ConditionValueExpression
from sigma.conversion.base import TextQueryBackend
from sigma.conversion.deferred import DeferredQueryExpression
from sigma.conversion.state import ConversionState
from sigma.exceptions import SigmaFeatureNotSupportedByBackendError
from sigma.rule import SigmaDetectionItem
from sigma.types import CompareOperators, SigmaCasedString, SigmaString, SpecialChars

from secfeat.sigma.fields import FieldNotInSource, FieldPath, LogSource

RECORD_COLUMN = "_vendor_record"


class SigmaFieldMissing(SigmaFeatureNotSupportedByBackendError):
    """A rule's field that its log source's records do not have."""


class DuckDBDialect:
    name = "duckdb"
    like_escape = "ESCAPE '\\'"  # DuckDB's literals take backslashes as written

    @staticmethod
    def literal(text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    def path(self, parts: tuple[str, ...]) -> str:
        return "$." + ".".join('"' + part.replace('"', '\\"') + '"' for part in parts)

    def value(self, parts: tuple[str, ...]) -> str:
        return f"json_extract_string({RECORD_COLUMN}, {self.literal(self.path(parts))})"

    def any_element(self, array: tuple[str, ...], member: tuple[str, ...], condition: Callable[[str], str]) -> str:
        elements = (f"json_extract_string({RECORD_COLUMN}, "
                    f"{self.literal(self.path(array) + '[*]' + self.path(member)[1:])})")
        return f"len(list_filter({elements}, lambda element: {condition('element')})) > 0"

    def exists(self, parts: tuple[str, ...]) -> str:
        # a field present as JSON null counts as absent, as on Spark
        return f"({self.value(parts)} is not null)"

    def record_text(self) -> str:
        return f"cast({RECORD_COLUMN} as varchar)"

    @staticmethod
    def regex(expression: str, pattern: str) -> str:
        return f"regexp_matches({expression}, {pattern})"

    @staticmethod
    def to_double(expression: str) -> str:
        return f"try_cast({expression} as double)"


class SparkDialect(DuckDBDialect):
    name = "spark"
    # Spark un-escapes backslashes in literals: '\\' in the SQL text is one backslash
    like_escape = "ESCAPE '\\\\'"

    @staticmethod
    def literal(text: str) -> str:
        # 'it''s' is two adjacent literals in Spark (its): escape the quote with a backslash
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"

    def path(self, parts: tuple[str, ...]) -> str:
        return "$" + "".join("." + part if re.fullmatch(r"[A-Za-z0-9_]+", part) else "['" + part + "']"
                             for part in parts)

    def value(self, parts: tuple[str, ...]) -> str:
        return f"get_json_object({RECORD_COLUMN}, {self.literal(self.path(parts))})"

    def any_element(self, array: tuple[str, ...], member: tuple[str, ...], condition: Callable[[str], str]) -> str:
        elements = (f"transform(from_json({self.value(array)}, 'array<string>'), "
                    f"element -> get_json_object(element, {self.literal(self.path(member))}))")
        return f"exists({elements}, element -> {condition('element')})"

    def exists(self, parts: tuple[str, ...]) -> str:
        # Spark has no json_exists: a field present as JSON null counts as absent
        return f"({self.value(parts)} is not null)"

    def record_text(self) -> str:
        return RECORD_COLUMN

    @staticmethod
    def regex(expression: str, pattern: str) -> str:
        return f"({expression} rlike {pattern})"

    @staticmethod
    def to_double(expression: str) -> str:
        return f"try_cast({expression} as double)"


DIALECTS = {"duckdb": DuckDBDialect(), "spark": SparkDialect()}

# modifiers whose values are encodings: lower-casing them would match other bytes
_ENCODING_MODIFIERS = {"SigmaBase64Modifier", "SigmaBase64OffsetModifier", "SigmaWideModifier",
                       "SigmaUTF16Modifier", "SigmaUTF16LEModifier", "SigmaUTF16BEModifier"}


class SecfeatBackend(TextQueryBackend):
    """Converts one rule at a time: set `log_source` first (convert_rule_condition)."""

    name: ClassVar[str] = "secfeat SQL (DuckDB, Spark)"
    formats: ClassVar[dict[str, str]] = {"default": "a SQL condition over a staging row"}
    requires_pipeline: ClassVar[bool] = False

    precedence: ClassVar[tuple[type[ConditionItem], type[ConditionItem], type[ConditionItem]]] = (
        ConditionNOT, ConditionAND, ConditionOR)
    group_expression: ClassVar[str] = "({expr})"
    token_separator: str = " "
    or_token: ClassVar[str] = "or"
    and_token: ClassVar[str] = "and"
    not_token: ClassVar[str] = "not"
    eq_token: ClassVar[str] = " = "
    re_escape: ClassVar[tuple[str, ...]] = ()
    re_escape_escape_char: bool = False
    re_flag_prefix: bool = True
    convert_or_as_in: ClassVar[bool] = True
    in_expressions_allow_wildcards: ClassVar[bool] = False

    def __init__(self, dialect: str = "duckdb", **options: Any):
        super().__init__(None, False, **options)
        self.dialect = DIALECTS[dialect]
        self.log_source: LogSource | None = None

    def convert_rule_condition(self, rule, log_source: LogSource) -> str:
        """The rule's detection as one SQL condition (its conditions OR-ed)."""
        self.log_source = log_source
        self.convert_rule(rule)  # returns nothing for a rule only a correlation uses: read its result
        queries = rule.get_conversion_result()
        if not queries:
            raise SigmaFeatureNotSupportedByBackendError("the rule converts to no condition")
        return queries[0] if len(queries) == 1 else " or ".join(f"({query})" for query in queries)

    def finalize_query_default(self, rule, query, index, state):
        return query

    # ---- fields
    def resolve(self, field: str) -> FieldPath:
        try:
            return self.log_source.resolve(field)
        except FieldNotInSource as missing:
            raise SigmaFieldMissing(str(missing)) from None

    def field_sql(self, field: str) -> str:
        """A scalar field's text (or a constant)."""
        path = self.resolve(field)
        if path.constant is not None:
            return self.dialect.literal(path.constant)
        if path.array_at is not None:
            raise SigmaFeatureNotSupportedByBackendError(f"field {field}: an array, read only by value matches")
        return self.dialect.value(path.parts)

    def on_field(self, field: str, condition: Callable[[str], str]) -> str:
        """`condition` of the field's text; of any element's, for a field inside an array."""
        path = self.resolve(field)
        if path.constant is not None:
            return condition(self.dialect.literal(path.constant))
        if path.array_at is None:
            return condition(self.dialect.value(path.parts))
        return self.dialect.any_element(path.parts[:path.array_at + 1], path.parts[path.array_at + 1:], condition)

    def escape_and_quote_field(self, field_name: str) -> str:
        return self.field_sql(field_name)

    # ---- strings
    @staticmethod
    def plain(value: SigmaString, lower: bool) -> str:
        if value.contains_placeholder():
            raise SigmaFeatureNotSupportedByBackendError(f"placeholder in {value.original!r} (|expand) has no value")
        text = "".join(part for part in value.s if isinstance(part, str))
        return text.lower() if lower else text

    @staticmethod
    def like_pattern(value: SigmaString, lower: bool) -> str:
        pattern = []
        for part in value.s:
            if isinstance(part, str):
                part = part.lower() if lower else part
                pattern.append(part.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_"))
            elif part == SpecialChars.WILDCARD_MULTI:
                pattern.append("%")
            elif part == SpecialChars.WILDCARD_SINGLE:
                pattern.append("_")
            else:
                raise SigmaFeatureNotSupportedByBackendError(f"placeholder in {value.original!r} (|expand) has no value")
        return "".join(pattern)

    def string_match(self, expression: str, value: SigmaString, cased: bool) -> str:
        compared = expression if cased else f"lower({expression})"
        if not value.contains_special():
            return f"{compared} = {self.dialect.literal(self.plain(value, not cased))}"
        return f"{compared} like {self.dialect.literal(self.like_pattern(value, not cased))} {self.dialect.like_escape}"

    @staticmethod
    def encoded(condition) -> bool:
        parent = condition.parent
        while parent is not None and not isinstance(parent, SigmaDetectionItem):
            parent = parent.parent
        return parent is not None and any(modifier.__name__ in _ENCODING_MODIFIERS for modifier in parent.modifiers)

    def convert_value_str(self, value: SigmaString, state: ConversionState) -> str:
        return self.dialect.literal(self.plain(value, lower=not isinstance(value, SigmaCasedString)))

    def convert_condition_field_eq_expansion(self, condition, state):
        values = condition.value.values  # windash, base64offset: variants OR-ed
        if self.encoded(condition):
            values = [SigmaCasedString.from_sigma_string(v) if type(v) is SigmaString else v for v in values]
        return self.convert_condition_or(ConditionOR(
            [ConditionFieldEqualsValueExpression(condition.field, value) for value in values],
            getattr(condition, "source", None)), state)

    def convert_condition_field_eq_val_str(self, condition, state):
        cased = self.encoded(condition)
        return self.on_field(condition.field, lambda text: self.string_match(text, condition.value, cased))

    def convert_condition_field_eq_val_str_case_sensitive(self, condition, state):
        return self.on_field(condition.field, lambda text: self.string_match(text, condition.value, True))

    def convert_condition_field_eq_val_num(self, condition, state):
        # JSON numbers and number-like text compare as text: EventID 4625 is '4625'
        literal = self.dialect.literal(str(condition.value))
        return self.on_field(condition.field, lambda text: f"{text} = {literal}")

    def convert_condition_field_eq_val_bool(self, condition, state):
        literal = self.dialect.literal(str(condition.value.boolean).lower())
        return self.on_field(condition.field, lambda text: f"lower({text}) = {literal}")

    def decide_convert_condition_as_in_expression(self, condition, state):
        if any(isinstance(arg, ConditionFieldEqualsValueExpression)
               and (isinstance(arg.value, SigmaCasedString) or self.encoded(arg)) for arg in condition.args):
            return False
        return super().decide_convert_condition_as_in_expression(condition, state)

    def convert_condition_as_in_expression(self, condition, state):
        values = ", ".join(self.dialect.literal(
            self.plain(arg.value, True) if isinstance(arg.value, SigmaString) else str(arg.value))
            for arg in condition.args)
        return self.on_field(condition.args[0].field, lambda text: f"lower({text}) in ({values})")

    # ---- NULL-safe negation: a condition that matched nothing is false, its negation true
    def convert_condition_not(self, condition: ConditionNOT, state: ConversionState):
        inner = self.convert_condition(condition.args[0], state)
        if isinstance(inner, DeferredQueryExpression):
            raise SigmaFeatureNotSupportedByBackendError("a deferred expression under not")
        return f"not coalesce({inner}, false)"

    # ---- |exists, null
    def convert_condition_field_exists(self, condition, state):
        path = self.resolve(condition.field)
        if path.constant is not None:
            return "true"
        if path.array_at is not None:
            return self.on_field(condition.field, lambda text: f"{text} is not null")
        return self.dialect.exists(path.parts)

    def convert_condition_field_not_exists(self, condition, state):
        return f"not coalesce({self.convert_condition_field_exists(condition, state)}, false)"

    def convert_condition_field_eq_val_null(self, condition, state):
        # `field: null`: absent, or JSON null
        return f"{self.field_sql(condition.field)} is null"

    # ---- |re
    def convert_value_re(self, value, state) -> str:
        return self.dialect.literal(value.escape(self.re_escape, self.re_escape_char,
                                                 self.re_escape_escape_char, self.re_flag_prefix))

    def convert_condition_field_eq_val_re(self, condition, state):
        pattern = self.convert_value_re(condition.value, state)
        return self.on_field(condition.field, lambda text: self.dialect.regex(text, pattern))

    # ---- |cidr: the dotted quad's number in the network's range
    def convert_condition_field_eq_val_cidr(self, condition, state):
        network = condition.value.network
        if network.version != 4:
            raise SigmaFeatureNotSupportedByBackendError(f"|cidr of an IPv6 network ({network})")
        low, high = int(network.network_address), int(network.broadcast_address)

        def in_range(text: str) -> str:
            number = " + ".join(f"try_cast(split_part({text}, '.', {i + 1}) as bigint) * {256 ** (3 - i)}"
                                for i in range(4))
            quad = self.dialect.regex(text, self.dialect.literal(r"^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$"))
            return f"({quad} and ({number}) between {low} and {high})"

        return self.on_field(condition.field, in_range)

    # ---- |gt, |gte, |lt, |lte
    def convert_condition_field_compare_op_val(self, condition, state):
        operator = {CompareOperators.LT: "<", CompareOperators.LTE: "<=",
                    CompareOperators.GT: ">", CompareOperators.GTE: ">="}[condition.value.op]
        number = condition.value.number.number
        return self.on_field(condition.field, lambda text: f"{self.dialect.to_double(text)} {operator} {number}")

    # ---- |fieldref: case-insensitive, like every string match
    def convert_condition_field_eq_field(self, condition, state):
        return f"lower({self.field_sql(condition.field)}) = lower({self.field_sql(condition.value.field)})"

    def convert_condition_field_eq_val_timestamp_part(self, condition, state):
        raise SigmaFeatureNotSupportedByBackendError("timestamp part modifiers (|minute, |hour...)")

    def convert_condition_field_eq_query_expr(self, condition, state):
        raise SigmaFeatureNotSupportedByBackendError("query expressions (placeholders resolved by a pipeline)")

    def convert_condition_query_expr(self, condition, state):
        raise SigmaFeatureNotSupportedByBackendError("query expressions (placeholders resolved by a pipeline)")

    # ---- keywords: a substring of the keyword field, or of the whole record
    def keyword_text(self) -> str:
        if self.log_source.keyword_field:
            return self.field_sql(self.log_source.keyword_field)
        return self.dialect.record_text()

    def convert_condition_val_str(self, condition: ConditionValueExpression, state):
        value = condition.value
        if not value.startswith(SpecialChars.WILDCARD_MULTI):
            value = SpecialChars.WILDCARD_MULTI + value
        if not value.endswith(SpecialChars.WILDCARD_MULTI):
            value = value + SpecialChars.WILDCARD_MULTI
        return self.string_match(self.keyword_text(), value, cased=isinstance(condition.value, SigmaCasedString))

    def convert_condition_val_num(self, condition, state):
        return self.convert_condition_val_str(ConditionValueExpression(SigmaString(str(condition.value))), state)

    def convert_condition_val_re(self, condition, state):
        return self.dialect.regex(self.keyword_text(), self.convert_value_re(condition.value, state))
