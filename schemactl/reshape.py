"""How an object of the live collection becomes an object of the new version: renamed properties
under their new names, retyped ones converted (conversions.py), dropped ones left out, renamed
named vectors under their new names. Used by the plan (to count what converts) and by the copy
(to write it), so that the copy converts exactly as the plan said. Pure: no client."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import conversions
from .changes import RecreateCollection

CONVERSION_REFUSED = "value does not convert"  # starts the message of an object refused by its conversion


class Unconvertible(Exception):
    """A value the conversion refuses, where the file says nothing of what to do with it."""

    def __init__(self, property_name: str, value: Any, why: str):
        super().__init__(f"{CONVERSION_REFUSED}: {property_name} = {conversions.describe(value)} ({why})")
        self.property_name, self.value, self.why = property_name, value, why


@dataclass(frozen=True)
class Shaped:
    """An object as the new version holds it (what the copy writes and compares)."""

    uuid: Any
    properties: dict
    vector: dict
    references: Any


@dataclass(frozen=True)
class Convert:
    name: str  # in the new version
    conversion: conversions.Conversion
    on_error: str  # refuse, null, skipObject


Keep = dict  # nested property name -> Keep of its own nested properties (None: a leaf)


def _keep(nested) -> Keep:
    return {n.name: (_keep(n.nestedProperties) if n.nestedProperties else None) for n in nested}


def pruned(value: Any, keep: Keep | None) -> Any:
    """An object (or object[]) value with only the nested properties `keep` names."""
    if keep is None:
        return value
    if isinstance(value, list):
        return [pruned(v, keep) for v in value]
    if isinstance(value, dict):
        return {k: pruned(v, keep[k]) for k, v in value.items() if k in keep}
    return value


@dataclass(frozen=True)
class Reshape:
    renamed: tuple[tuple[str, str], ...] = ()  # (new name, live name) of renamed properties
    converted: tuple[Convert, ...] = ()
    vectors: tuple[tuple[str, str], ...] = ()  # (new name, live name) of renamed named vectors
    kept_nested: tuple[tuple[str, Any], ...] = ()  # (new name, Keep) of object properties losing nested ones

    @classmethod
    def of(cls, change: RecreateCollection) -> Reshape:
        renamed = tuple((m.name, m.source) for m in change.property_moves
                        if m.name is not None and m.name != m.source)
        converted = []
        for m in change.property_moves:
            if m.name is None or m.new_type is None or m.old_type == m.new_type or m.conversion == "unsupported":
                continue
            found = conversions.conversion(m.old_type, m.new_type)
            if found is not None:
                converted.append(Convert(m.name, found, m.on_error))
        vectors = tuple((v.name, v.source) for v in change.vectors if v.source)
        nested = {p.name: p.nestedProperties for p in change.definition.properties}
        prunes = tuple((m.name, _keep(nested[m.name] or ())) for m in change.property_moves
                       if m.dropped_nested and m.name is not None)
        return cls(renamed, tuple(converted), vectors, prunes)

    @property
    def identity(self) -> bool:
        return not (self.renamed or self.converted or self.vectors or self.kept_nested)

    def prune(self, name: str, value: Any) -> Any:
        """`value` of property `name` (new name) without the nested properties it loses."""
        keep = dict(self.kept_nested).get(name)
        return value if keep is None else pruned(value, keep)

    def source_property(self, name: str) -> str:
        return dict(self.renamed).get(name, name)

    def source_vector(self, name: str) -> str:
        return dict(self.vectors).get(name, name)

    def apply(self, obj) -> Any:
        """`obj` (as read from the live collection) as the new version holds it; None when its
        conversion says skipObject. Unconvertible when a value does not convert and the file
        says nothing of it."""
        if self.identity:
            return obj
        new_name = {old: new for new, old in self.renamed}
        properties = {new_name.get(k, k): v for k, v in (obj.properties or {}).items()}
        for convert in self.converted:
            value = properties.get(convert.name)
            if value is None:
                continue
            try:
                properties[convert.name] = convert.conversion.convert(value)
            except conversions.NotConvertible as error:
                if convert.on_error == "skipObject":
                    return None
                if convert.on_error == "null":
                    properties.pop(convert.name, None)
                    continue
                raise Unconvertible(convert.name, value, str(error)) from None
        for name, keep in self.kept_nested:
            if properties.get(name) is not None:
                properties[name] = pruned(properties[name], keep)
        new_vector = {old: new for new, old in self.vectors}
        vector = {new_vector.get(k, k): v for k, v in (obj.vector or {}).items()}
        return Shaped(obj.uuid, properties, vector, obj.references)


def check(reshape: Reshape, move_source: str, value: Any) -> str | None:
    """Why `value` of live property `move_source` does not convert (None: it does)."""
    for convert in reshape.converted:
        if reshape.source_property(convert.name) == move_source:
            try:
                convert.conversion.convert(value)
            except conversions.NotConvertible as error:
                return str(error)
    return None
