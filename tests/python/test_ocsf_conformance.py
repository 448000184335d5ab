"""The warehouse's OCSF models checked against the OCSF v1.8.0 schema files (not against our own idea of them):
each column's `meta.ocsf_attribute` must name a real attribute of the class and have a compatible type; together
the columns must cover what the class and every object they fill require; and the demo build's values must keep
to the schema's enums, captions, constraints, type rules and version."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pytest

import conftest
from secfeat import contract
from conftest import DbtProject
from ocsf_schema import Attribute, OcsfSchema, SchemaError

pytestmark = pytest.mark.dbt

MODEL_CLASSES = {f"ocsf_{ocsf_class}": ocsf_class for ocsf_class in contract.ocsf_classes()}

# DuckDB column types each OCSF base type may land in (OCSF `time` values are epoch milliseconds, so BIGINT).
INTEGER_TYPES = {"INTEGER", "BIGINT", "HUGEINT"}
DUCKDB_TYPES = {
    "string_t": {"VARCHAR"},
    "integer_t": INTEGER_TYPES,
    "long_t": INTEGER_TYPES,
    "timestamp_t": {"BIGINT"},
    "boolean_t": {"BOOLEAN"},
    "float_t": {"FLOAT", "DOUBLE"},
    "json_t": {"JSON", "VARCHAR"},
}
# timestamp_t is milliseconds since the epoch; 1e12..1e13 ms is 2001..2286, which seconds or microseconds miss.
EPOCH_MILLISECONDS = (10**12, 10**13)
# Enum members captioned "Other" leave the caption attribute to the event source (OCSF's sibling convention).
SOURCE_DEFINED_CAPTION = "Other"


@pytest.fixture(scope="session")
def ocsf_schema_dir() -> Path:
    """The pinned v1.8.0 schema files (PROVENANCE.txt there), beside the project like the samples."""
    schema_dir = conftest.SHARED_DATA / "ocsf"
    if not (schema_dir / "version.json").is_file():
        pytest.skip(f"OCSF schema files not found at {schema_dir} (they sit beside the project in CI)")
    return schema_dir


@pytest.fixture(scope="session")
def ocsf_schema(ocsf_schema_dir) -> OcsfSchema:
    return OcsfSchema(ocsf_schema_dir)


def quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def parent_path(path: str) -> str:
    return path.rpartition(".")[0]


def child_path(object_path: str, name: str) -> str:
    return f"{object_path}.{name}" if object_path else name


def duckdb_type_fits(chain: list[Attribute], duckdb_type: str) -> tuple[bool, str]:
    """Whether a column of duckdb_type can hold the attribute at the end of chain, and what would."""
    list_suffix = "[]" * sum(link.is_array for link in chain)
    if chain[-1].is_object:
        fits = duckdb_type.endswith(list_suffix) and duckdb_type.removesuffix(list_suffix).startswith("STRUCT")
        return fits, f"STRUCT{list_suffix}"
    allowed = {base + list_suffix for base in DUCKDB_TYPES[chain[-1].base_type]}
    return duckdb_type in allowed, " or ".join(sorted(allowed))


@dataclass(repr=False)
class ModelMapping:
    """One OCSF model as built: its columns' OCSF paths (from the manifest) and DuckDB types."""

    model: str
    ocsf_class: str
    schema: OcsfSchema
    project: DbtProject
    paths: dict[str, str]
    column_types: dict[str, str]
    row_count: int

    def __repr__(self) -> str:
        return f"ModelMapping({self.model}, OCSF {self.ocsf_class})"

    @cached_property
    def resolved(self) -> dict[str, list[Attribute]]:
        """Column -> attributes along its path, for the columns the table has and the paths the schema resolves
        (the first two tests report the others)."""
        chains = {}
        for column, path in self.paths.items():
            if column not in self.column_types:
                continue
            try:
                chains[column] = self.schema.resolve_path(self.ocsf_class, path)
            except SchemaError:
                pass
        return chains

    @cached_property
    def column_of(self) -> dict[str, str]:
        return {self.paths[column]: column for column in self.resolved}

    def columns_under(self, object_path: str) -> list[str]:
        return [column for column in self.resolved if self.paths[column].startswith(object_path + ".")]

    def is_mapped(self, path: str) -> bool:
        return path in self.column_of or bool(self.columns_under(path))

    @cached_property
    def populated_objects(self) -> list[str]:
        """'' (the event) and every object path some column maps under, outermost first."""
        objects = {""}
        for column in self.resolved:
            parts = self.paths[column].split(".")
            objects.update(".".join(parts[:depth]) for depth in range(1, len(parts)))
        return sorted(objects, key=lambda path: (path.count(".") if path else -1, path))

    def present_sql(self, path: str) -> str:
        """SQL true where the attribute at path has a value in the row (an object: any column under it)."""
        if path in self.column_of:
            column = self.column_of[path]
            present = f"{quoted(column)} is not null"
            if self.column_types[column].endswith("[]"):
                present += f" and len({quoted(column)}) > 0"
            return f"({present})"
        members = [self.present_sql(self.paths[column]) for column in self.columns_under(path)]
        return "(" + " or ".join(members) + ")" if members else "false"

    def enum_of(self, column: str) -> dict[str, str]:
        """The column's enum: class_uid, category_uid and type_uid as the OCSF server derives them for the class."""
        path = self.paths[column]
        derived = self.schema.derived_enums(self.ocsf_class)
        return derived[path] if path in derived else self.resolved[column][-1].enum

    def count_violations(self, rules: dict[str, str]) -> dict[str, tuple[int, list]]:
        """rule description -> (rows violating, a few of them), for rules given as SQL true on a bad row."""
        if not rules:
            return {}
        descriptions = list(rules)
        counts = self.project.query(
            "select " + ", ".join(f"count_if({rules[d]})" for d in descriptions)
            + f" from main.{quoted(self.model)}"
        )[0]
        failures = {}
        for description, count in zip(descriptions, counts):
            if count:
                shown = [column for column in self.column_types
                         if column in ("source_name", "event_uid") or quoted(column) in rules[description]]
                sample = self.project.query(f"select {', '.join(map(quoted, shown))} from main.{quoted(self.model)}"
                                            f" where {rules[description]} limit 3")
                failures[description] = (count, [dict(zip(shown, row)) for row in sample])
        return failures


@pytest.fixture(scope="module")
def model_mappings(ocsf_schema, demo_build) -> dict[str, ModelMapping]:
    """The metas as dbt compiled them (the manifest), the types as DuckDB built them."""
    manifest = json.loads((demo_build.workdir / "target" / "manifest.json").read_text())
    mappings = {}
    for model, ocsf_class in MODEL_CLASSES.items():
        node = manifest["nodes"][f"model.secfeat.{model}"]
        paths = {}
        for name, column in node["columns"].items():
            meta = column.get("meta") or column.get("config", {}).get("meta") or {}
            if "ocsf_attribute" in meta:
                paths[name] = meta["ocsf_attribute"]
        column_types = {name: type_ for name, type_, *_ in demo_build.query(f"describe main.{quoted(model)}")}
        row_count = demo_build.query(f"select count(*) from main.{quoted(model)}")[0][0]
        mappings[model] = ModelMapping(model, ocsf_class, ocsf_schema, demo_build, paths, column_types, row_count)
    return mappings


@pytest.fixture(params=list(MODEL_CLASSES))
def mapping(request, model_mappings) -> ModelMapping:
    return model_mappings[request.param]


@pytest.fixture
def mapping_with_rows(mapping) -> ModelMapping:
    """Row checks on an empty table would pass whatever the model does, so say so instead."""
    if not mapping.row_count:
        pytest.skip(f"{mapping.model} has no rows in the demo build; its values cannot be checked")
    return mapping


def format_failures(failures: dict[str, tuple[int, list]], total: int) -> str:
    return "\n".join(f"{description}: {count} of {total} rows, e.g. {sample}"
                     for description, (count, sample) in failures.items())


# ---------------------------------------------------------------- the mapping itself


def test_every_ocsf_attribute_path_exists_in_the_class(mapping):
    """A misspelt or misplaced path (user.email instead of user.email_addr) is not OCSF, whatever the column holds."""
    assert mapping.paths, f"{mapping.model}: no column carries meta.ocsf_attribute"
    unresolved = []
    for column, path in mapping.paths.items():
        try:
            mapping.schema.resolve_path(mapping.ocsf_class, path)
        except SchemaError as error:
            unresolved.append(f"{column}: {error}")
    paths = list(mapping.paths.values())
    unresolved += [f"{path}: claimed by several columns" for path in sorted(set(paths)) if paths.count(path) > 1]
    assert not unresolved, f"{mapping.model} (OCSF {mapping.ocsf_class}):\n" + "\n".join(unresolved)


def test_column_types_fit_the_ocsf_types(mapping):
    """Consumers read OCSF types: `time` as epoch milliseconds, ports as integers, arrays as lists."""
    mismatches = [f"{column} ({path}): not a column of the table"
                  for column, path in mapping.paths.items() if column not in mapping.column_types]
    for column, chain in mapping.resolved.items():
        fits, expected = duckdb_type_fits(chain, mapping.column_types[column])
        if not fits:
            array = " array" if any(link.is_array for link in chain) else ""
            mismatches.append(f"{column} ({mapping.paths[column]}, OCSF {chain[-1].type}{array}): "
                              f"{mapping.column_types[column]}, expected {expected}")
    assert not mismatches, f"{mapping.model}:\n" + "\n".join(mismatches)


def test_values_fit_their_ocsf_types(mapping_with_rows):
    """Beyond the column type, OCSF types constrain values: ip_t and email_t by regex, port_t by range, lengths;
    and `time` counts milliseconds (a value in seconds or microseconds lands decades away)."""
    mapping = mapping_with_rows
    checked = {column: chain[-1] for column, chain in mapping.resolved.items()
               if not chain[-1].is_object and (chain[-1].value_constraints or chain[-1].base_type == "timestamp_t")
               and duckdb_type_fits(chain, mapping.column_types[column])[0]}  # the others fail the type test
    assert checked, f"{mapping.model}: no column of a fitting type has an OCSF type with value constraints"
    selects = []
    for column in checked:
        value = f"unnest({quoted(column)})" if mapping.column_types[column].endswith("[]") else quoted(column)
        selects.append(f"select distinct {sql_text(column)}, cast({value} as varchar) "
                       f"from main.{quoted(mapping.model)} where {quoted(column)} is not null")
    misfits = {}
    for column, value in mapping.project.query(" union all ".join(selects)):
        if value is None:
            continue
        attribute, problems = checked[column], []
        constraints = attribute.value_constraints
        if "regex" in constraints and not re.search(constraints["regex"], value):
            problems.append(f"does not match the {attribute.type} regex")
        if "max_len" in constraints and len(value) > constraints["max_len"]:
            problems.append(f"longer than {constraints['max_len']}")
        if "range" in constraints and not constraints["range"][0] <= int(value) <= constraints["range"][1]:
            problems.append(f"outside {constraints['range']}")
        if attribute.base_type == "timestamp_t" and not EPOCH_MILLISECONDS[0] <= int(value) < EPOCH_MILLISECONDS[1]:
            problems.append("not epoch milliseconds between 2001 and 2286")
        if problems:
            misfits.setdefault(f"{column} ({mapping.paths[column]})", []).append(f"{value!r}: {', '.join(problems)}")
    assert not misfits, f"{mapping.model}:\n" + "\n".join(
        f"{column}: {len(values)} values, e.g. {values[:3]}" for column, values in misfits.items())


def test_required_attributes_are_mapped(mapping):
    """The class's required attributes, and those of every object the model fills, must have a column;
    an object's constraints (user: at least one of account/name/uid) must have a column to be met by."""
    gaps = []
    for object_path in mapping.populated_objects:
        owner = mapping.schema.owner_of(mapping.ocsf_class, object_path)
        for name in owner.attributes:
            path = child_path(object_path, name)
            if mapping.schema.attribute(owner, name).is_required and not mapping.is_mapped(path):
                gaps.append(f"{path}: required by {owner.name}, no column maps to it")
        for kind, names in owner.constraints.items():
            if not any(mapping.is_mapped(child_path(object_path, name)) for name in names):
                gaps.append(f"{object_path or owner.name}: constraint {kind} {names}, no column maps to any")
    assert not gaps, f"{mapping.model} (OCSF {mapping.ocsf_class}):\n" + "\n".join(gaps)


# ---------------------------------------------------------------- the values


def test_object_constraints_hold_in_every_row(mapping_with_rows):
    """at_least_one / just_one bind per event: a user with neither name, uid nor account identifies nobody."""
    mapping = mapping_with_rows
    rules = {}
    for object_path in mapping.populated_objects:
        owner = mapping.schema.owner_of(mapping.ocsf_class, object_path)
        present = mapping.present_sql(object_path) if object_path else "true"
        for kind, names in owner.constraints.items():
            assert kind in ("at_least_one", "just_one"), f"{owner.name}: unknown constraint kind {kind}"
            members = [mapping.present_sql(child_path(object_path, name)) for name in names]
            members_present = " + ".join(f"cast({member} as integer)" for member in members)
            violated = "< 1" if kind == "at_least_one" else "<> 1"
            rules[f"{object_path or owner.name}: {kind} {names}"] = f"{present} and ({members_present}) {violated}"
    failures = mapping.count_violations(rules)
    assert not failures, f"{mapping.model}:\n" + format_failures(failures, mapping.row_count)


def test_required_attributes_are_present_in_every_row(mapping_with_rows):
    """A required attribute may not be null, nor may the required parts of any object an event carries."""
    mapping = mapping_with_rows
    rules = {}
    for object_path in mapping.populated_objects:
        owner = mapping.schema.owner_of(mapping.ocsf_class, object_path)
        present = mapping.present_sql(object_path) if object_path else "true"
        for name in owner.attributes:
            path = child_path(object_path, name)
            if mapping.schema.attribute(owner, name).is_required and mapping.is_mapped(path):
                rules[f"{path} (required by {owner.name}) is null"] = f"{present} and not {mapping.present_sql(path)}"
    assert rules, f"{mapping.model}: none of the class's required attributes is mapped"
    failures = mapping.count_violations(rules)
    assert not failures, f"{mapping.model}:\n" + format_failures(failures, mapping.row_count)


def test_enum_values_are_members_of_the_ocsf_enums(mapping_with_rows):
    """An id outside the enum (logon_type_id 6, a class_uid of another class) means nothing to OCSF consumers."""
    mapping = mapping_with_rows
    enum_columns = {column: mapping.enum_of(column) for column in mapping.resolved if mapping.enum_of(column)}
    assert enum_columns, f"{mapping.model}: no column maps to an enum attribute"
    selects = []
    for column in enum_columns:
        value = f"unnest({quoted(column)})" if mapping.column_types[column].endswith("[]") else quoted(column)
        selects.append(f"select distinct {sql_text(column)}, cast({value} as varchar) "
                       f"from main.{quoted(mapping.model)} where {quoted(column)} is not null")
    outsiders = {}
    for column, value in mapping.project.query(" union all ".join(selects)):
        if value is not None and value not in enum_columns[column]:
            outsiders.setdefault(column, set()).add(value)
    in_enum_order = {column: sorted(enum, key=lambda member: (len(member), member))
                     for column, enum in enum_columns.items()}
    assert not outsiders, f"{mapping.model}: values outside the OCSF enum:\n" + "\n".join(
        f"{column} ({mapping.paths[column]}): {sorted(values)} not in {in_enum_order[column]}"
        for column, values in outsiders.items())


def test_captions_match_their_enum_ids(mapping_with_rows):
    """A caption (status, activity_name, type_name, ...) that is given must be the schema's caption of its id, so a
    filter on either agrees (OCSF's validator leaves a missing caption alone, and the source's own for Other);
    type_uid is class_uid * 100 + activity_id."""
    mapping = mapping_with_rows
    rules = {}
    for column, chain in mapping.resolved.items():
        sibling = chain[-1].sibling
        sibling_path = child_path(parent_path(mapping.paths[column]), sibling) if sibling else None
        if sibling_path not in mapping.column_of:
            continue
        enum = mapping.enum_of(column)
        checked = {value: caption for value, caption in enum.items() if caption != SOURCE_DEFINED_CAPTION}
        cases = " ".join(f"when {sql_text(value)} then {sql_text(caption)}" for value, caption in checked.items())
        id_text = f"cast({quoted(column)} as varchar)"
        rules[f"{mapping.column_of[sibling_path]} is not the caption of {column}"] = (
            f"{id_text} in ({', '.join(map(sql_text, checked)) or 'null'})"
            f" and {quoted(mapping.column_of[sibling_path])} <> (case {id_text} {cases} end)")
    missing = {"class_uid", "activity_id", "type_uid"} - set(mapping.column_of)
    assert not missing, f"{mapping.model}: no column maps to {sorted(missing)}"
    class_uid, activity_id, type_uid = (quoted(mapping.column_of[path]) for path in ("class_uid", "activity_id",
                                                                                        "type_uid"))
    rules["type_uid is not class_uid * 100 + activity_id"] = (
        f"{type_uid} is distinct from {class_uid} * 100 + {activity_id}")
    failures = mapping.count_violations(rules)
    assert not failures, f"{mapping.model}:\n" + format_failures(failures, mapping.row_count)


def test_class_and_category_are_the_schema_class(mapping_with_rows, ocsf_schema):
    """class_uid is category_uid * 1000 + the class file's uid; a model holds exactly its own class."""
    mapping = mapping_with_rows
    missing = {"class_uid", "category_uid"} - set(mapping.column_of)
    assert not missing, f"{mapping.model}: no column maps to {sorted(missing)}"
    class_uid = ocsf_schema.class_uid(mapping.ocsf_class)
    category_uid = ocsf_schema.category_uid(mapping.ocsf_class)
    rows = mapping.project.query(
        f"select distinct {quoted(mapping.column_of['class_uid'])}, {quoted(mapping.column_of['category_uid'])}"
        f" from main.{quoted(mapping.model)}")
    assert rows == [(class_uid, category_uid)], (
        f"{mapping.model}: (class_uid, category_uid) {rows}, OCSF {mapping.ocsf_class} is {(class_uid, category_uid)}")


def test_metadata_version_is_the_schema_version(mapping_with_rows, ocsf_schema):
    """metadata.version tells consumers which schema to read the event with: the one the models follow."""
    mapping = mapping_with_rows
    mapped = "metadata.version" in mapping.column_of
    assert mapped, f"{mapping.model}: no column maps to metadata.version"
    column = quoted(mapping.column_of["metadata.version"])
    versions = mapping.project.query(f"select distinct {column} from main.{quoted(mapping.model)}")
    assert versions == [(ocsf_schema.version,)], (
        f"{mapping.model}: metadata.version {sorted(versions, key=str)}, schema files are {ocsf_schema.version}")
