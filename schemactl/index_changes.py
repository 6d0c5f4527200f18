"""Which property index changes Weaviate makes in place, and the requests that make them.

Measured on v1.39.0 (the property index API's builds appeared in 1.39; its DELETE, which turns an
index off at once, from 1.36: versions.py): filterable, searchable and rangeFilters indexes are
turned on (PUT, a server task) and off (DELETE, at once); a tokenization change is one task on the
searchable index that migrates the filterable one with it, or a task on the filterable index when
the property has no searchable one.
"""
from __future__ import annotations

from typing import Literal

from .changes import FieldChange, IndexOperation

Index = Literal["filterable", "searchable", "rangeFilters"]

ACTIONS = frozenset({"enable", "disable", "retokenize"})  # what IndexOperation.action can be
NEWER_SERVER = ("a copy only because this server does not build or re-tokenize property indexes in place (or, "
                "where a warning says so, this key may not ask whether it does): Weaviate 1.39 does (from 1.39.3 "
                "with RUNTIME_REINDEX_ENABLED=true on the server)")
INDEX_SETTINGS: dict[str, Index] = {"indexFilterable": "filterable", "indexSearchable": "searchable", "indexRangeFilters": "rangeFilters"}
SETTINGS = ("tokenization", *INDEX_SETTINGS)


def is_index_field(path: str) -> bool:
    """A top-level property's tokenization or index switch (nested ones are not reachable)."""
    parts = path.split(".")
    return len(parts) == 3 and parts[0] == "properties" and parts[2] in SETTINGS


def operations(before: dict, after: dict) -> tuple[IndexOperation, ...] | None:
    """The requests that take a property's indexes from `before` to `after` (canonical
    property dicts), or None when the server cannot do it in place (a tokenization change on a
    property that keeps no index to carry it)."""
    ops: list[IndexOperation] = []
    for setting, index in INDEX_SETTINGS.items():
        if before[setting] and not after[setting]:
            ops.append(IndexOperation(index, "disable"))
    old, new = before.get("tokenization"), after.get("tokenization")
    if old != new:
        carriers: tuple[tuple[str, Index], ...] = (("indexSearchable", "searchable"), ("indexFilterable", "filterable"))
        carrier = next((i for s, i in carriers if before[s] and after[s]), None)
        if carrier:
            ops.append(IndexOperation(carrier, "retokenize", new))
        elif not (after["indexSearchable"] or after["indexFilterable"]):
            return None  # no index would hold the new tokenization
    for setting, index in INDEX_SETTINGS.items():
        if after[setting] and not before[setting]:
            ops.append(IndexOperation(index, "enable", new if index != "rangeFilters" else None))
    return tuple(ops)


def property_changes(fields: list[FieldChange]) -> dict[str, list[FieldChange]]:
    """Index fields grouped by property name."""
    grouped: dict[str, list[FieldChange]] = {}
    for f in fields:
        grouped.setdefault(f.path.split(".")[1], []).append(f)
    return grouped
