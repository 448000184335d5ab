"""A small resolver for the OCSF schema source files (github.com/ocsf/ocsf-schema), enough to check the warehouse's
models against them: class and object inheritance (`extends`), profiles (`$include` and `profiles`), attribute
definitions merged over dictionary.json, enums, constraints and the derived class/type uids."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

# Types the others derive from. timestamp_t stays itself: OCSF times are epoch milliseconds, not any long.
BASE_TYPES = {"string_t", "integer_t", "long_t", "float_t", "boolean_t", "json_t", "timestamp_t"}


class SchemaError(LookupError):
    """A path or name that the schema does not define."""


def deep_merge(base: dict, override: dict) -> dict:
    """OCSF's merge: nested dicts (enum, annotations) merge key by key, anything else is replaced by the override."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


@dataclass(frozen=True)
class Attribute:
    """One attribute as defined where it is used: its dictionary entry overlaid with the class's or object's."""

    name: str
    definition: dict
    object_names: frozenset[str] = field(repr=False)
    types: dict = field(repr=False)

    @property
    def type(self) -> str:
        declared = self.definition.get("type")
        return self.definition.get("object_type", declared) if declared == "object_t" else declared

    @property
    def is_object(self) -> bool:
        return self.type in self.object_names

    @property
    def type_names(self) -> list[str]:
        """The attribute's type and those it derives from, down to its base type (hostname_t, string_t)."""
        names = [self.type]
        while names[-1] not in BASE_TYPES:
            parent = self.types.get(names[-1], {}).get("type")
            if parent is None or parent in names:
                raise SchemaError(f"attribute {self.name!r}: type {self.type!r} resolves to no base type")
            names.append(parent)
        return names

    @property
    def base_type(self) -> str:
        """The primitive type (string_t, integer_t, ...) a scalar attribute's type derives from."""
        return self.type_names[-1]

    @property
    def value_constraints(self) -> dict:
        """regex, range and max_len of the type (the most derived type that sets each wins)."""
        constraints = {}
        for type_name in reversed(self.type_names):
            constraints.update({key: value for key, value in self.types.get(type_name, {}).items()
                                if key in ("regex", "range", "max_len")})
        return constraints

    @property
    def is_array(self) -> bool:
        return bool(self.definition.get("is_array"))

    @property
    def requirement(self) -> str | None:
        return self.definition.get("requirement")

    @property
    def profile(self) -> str | None:
        """The profile the attribute comes with, None when it belongs to the class or object itself."""
        return self.definition.get("profile")

    @property
    def is_required(self) -> bool:
        """Required by the class or object itself; a profile's required attributes bind only where it is applied."""
        return self.requirement == "required" and self.profile is None

    @property
    def enum(self) -> dict[str, str]:
        """Enum member (as text) -> caption."""
        return {value: member.get("caption") for value, member in self.definition.get("enum", {}).items()}

    @property
    def sibling(self) -> str | None:
        """The caption attribute of an enum id (status for status_id)."""
        return self.definition.get("sibling")


@dataclass(frozen=True)
class Definition:
    """A resolved event class or object: its own and inherited attributes, constraints and profiles."""

    name: str
    caption: str
    attributes: dict[str, dict]
    constraints: dict[str, list[str]]
    profiles: tuple[str, ...]
    category: str | None = None
    uid: int | None = None


class OcsfSchema:
    """The schema files of one OCSF version, read lazily and resolved on demand."""

    def __init__(self, root: Path):
        self.root = root
        self._classes: dict[str, Definition] = {}
        self._objects: dict[str, Definition] = {}

    def _read(self, relative: str | Path) -> dict:
        return json.loads((self.root / relative).read_text(encoding="utf-8"))

    @cached_property
    def version(self) -> str:
        return self._read("version.json")["version"]

    @cached_property
    def dictionary(self) -> dict:
        return self._read("dictionary.json")

    @cached_property
    def categories(self) -> dict[str, dict]:
        return self._read("categories.json")["attributes"]

    @cached_property
    def object_names(self) -> frozenset[str]:
        return frozenset(path.stem for path in (self.root / "objects").glob("*.json"))

    @cached_property
    def _class_files(self) -> dict[str, Path]:
        files = {}
        for path in sorted((self.root / "events").rglob("*.json")):
            files[json.loads(path.read_text(encoding="utf-8"))["name"]] = path
        return files

    def _profile_attributes(self, profile_file: str) -> dict[str, dict]:
        profile = self._read(profile_file)
        return {name: {**definition, "profile": profile["name"]} for name, definition in profile["attributes"].items()}

    def _own_attributes(self, raw: dict) -> dict[str, dict]:
        """A file's attributes over those its profiles bring (tagged with the profile, unless the file overrides)."""
        own: dict[str, dict] = {}
        explicit = dict(raw.get("attributes", {}))
        includes = list(explicit.pop("$include", []))
        includes += [f"profiles/{name}.json" for name in raw.get("profiles", [])
                     if f"profiles/{name}.json" not in includes]
        for include in includes:
            for name, definition in self._profile_attributes(include).items():
                own[name] = deep_merge(own.get(name, {}), definition)
        for name, definition in explicit.items():
            own[name] = deep_merge(own.get(name, {}), definition)
        return own

    def _resolve(self, raw: dict, parent: Definition | None) -> Definition:
        inherited = parent.attributes if parent else {}
        attributes = dict(inherited)
        for name, definition in self._own_attributes(raw).items():
            attributes[name] = deep_merge(inherited.get(name, {}), definition)
        return Definition(
            name=raw["name"],
            caption=raw["caption"],
            attributes=attributes,
            # a file's constraints replace its parent's (file.json clears _entity's with {})
            constraints=raw["constraints"] if "constraints" in raw else (parent.constraints if parent else {}),
            profiles=tuple(dict.fromkeys((*(parent.profiles if parent else ()), *raw.get("profiles", ())))),
            category=raw.get("category", parent.category if parent else None),
            uid=raw.get("uid"),
        )

    def event_class(self, name: str) -> Definition:
        if name not in self._classes:
            if name not in self._class_files:
                raise SchemaError(f"no event class named {name!r}")
            raw = json.loads(self._class_files[name].read_text(encoding="utf-8"))
            parent = self.event_class(raw["extends"]) if "extends" in raw else None
            self._classes[name] = self._resolve(raw, parent)
        return self._classes[name]

    def object(self, name: str) -> Definition:
        if name not in self._objects:
            if name not in self.object_names:
                raise SchemaError(f"no object named {name!r}")
            raw = self._read(Path("objects") / f"{name}.json")
            parent = self.object(raw["extends"]) if "extends" in raw else None
            self._objects[name] = self._resolve(raw, parent)
        return self._objects[name]

    def attribute(self, owner: Definition, name: str) -> Attribute:
        if name not in owner.attributes:
            raise SchemaError(f"{owner.name!r} has no attribute {name!r}")
        definition = deep_merge(self.dictionary["attributes"].get(name, {}), owner.attributes[name])
        return Attribute(name, definition, self.object_names, self.dictionary["types"]["attributes"])

    def resolve_path(self, class_name: str, path: str) -> list[Attribute]:
        """The attributes along a dotted path from an event class, e.g. process.parent_process.file.path."""
        owner, chain = self.event_class(class_name), []
        for depth, name in enumerate(path.split(".")):
            if depth and not chain[-1].is_object:
                raise SchemaError(f"{path!r}: {'.'.join(path.split('.')[:depth])} is a {chain[-1].type}, "
                                  "not an object")
            try:
                attribute = self.attribute(owner, name)
            except SchemaError as error:
                raise SchemaError(f"{path!r}: {error}") from None
            chain.append(attribute)
            if attribute.is_object:
                owner = self.object(attribute.type)
        return chain

    def owner_of(self, class_name: str, object_path: str) -> Definition:
        """The class itself for '', else the object at object_path."""
        if not object_path:
            return self.event_class(class_name)
        return self.object(self.resolve_path(class_name, object_path)[-1].type)

    def category_uid(self, class_name: str) -> int:
        return self.categories[self.event_class(class_name).category]["uid"]

    def class_uid(self, class_name: str) -> int:
        """category_uid * 1000 + the class file's uid."""
        return self.category_uid(class_name) * 1000 + self.event_class(class_name).uid

    def derived_enums(self, class_name: str) -> dict[str, dict[str, str]]:
        """The enums the OCSF server generates per class (the files only hold placeholders such as 0 'Base Event')."""
        event_class = self.event_class(class_name)
        class_uid = self.class_uid(class_name)
        activities = self.attribute(event_class, "activity_id").enum
        return {
            "category_uid": {str(self.category_uid(class_name)): self.categories[event_class.category]["caption"]},
            "class_uid": {str(class_uid): event_class.caption},
            "type_uid": {str(class_uid * 100 + int(activity_id)): f"{event_class.caption}: {caption}"
                         for activity_id, caption in activities.items()},
        }
