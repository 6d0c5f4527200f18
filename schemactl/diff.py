"""diff(live, desired) -> changes. Pure and deterministic; the only user of deepdiff."""
from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from deepdiff import DeepDiff

from .changes import (AddNamedVector, AddProperty, Change, CreateCollection, DeleteCollection, FieldChange,
                      PropertyMove, RecreateCollection, ReindexProperty, ScaleReplication, UpdateInPlace, VectorMove)
from . import conversions, modules, index_changes
from .naming import logical_of
from .normalize import (QUANTIZERS, canonical, generic_defaults_aside, from_server, get_path,
                        property_defaults, server_chosen_aside, server_quantization_aside)
from .spec import PRIMITIVE_TYPES, SOURCE_TYPES, TEXT_TYPES, Collection

LEGACY_VECTOR = "default"
# With vectorizeClassName on, the module embeds the physical name, which each new version changes.
PHYSICAL_NAME = "the physical name (new with every version)"
_INDEX_MUTABLE = ("ef", "dynamicEfMin", "dynamicEfMax", "dynamicEfFactor", "flatSearchCutoff",
                  "vectorCacheMaxObjects", "filterStrategy", "skip")
# Settings Weaviate v1.39.0 changes in place (PUT /v1/schema/{class}); everything else needs a
# new collection. Patterns are dotted paths; `*` stands for a property or vector name.
MUTABLE = (
    "description",
    "properties.*.description",
    *(f"vectorIndexConfig.{k}" for k in _INDEX_MUTABLE),
    *(f"vectors.*.vectorIndexConfig.{k}" for k in _INDEX_MUTABLE),
    "invertedIndexConfig.bm25.*", "invertedIndexConfig.stopwords.*",
    "invertedIndexConfig.cleanupIntervalSeconds",
    "replicationConfig.deletionStrategy",
    "multiTenancyConfig.autoTenantCreation", "multiTenancyConfig.autoTenantActivation",
    "generative", "generative.*", "reranker", "reranker.*",  # module swaps too
    "objectTtlConfig.*", "invertedIndexConfig.stopwordPresets", "invertedIndexConfig.stopwordPresets.*",
)
# What the replication scale API changes (v1.39 derives asyncEnabled from the factor).
SCALED = ("replicationConfig.factor", "replicationConfig.asyncEnabled")


def diff(live: Mapping[str, Collection], desired: Mapping[str, Collection], *,
         physical: Mapping[str, str] | None = None, prune: bool = False, renamed: Mapping[str, str] | None = None,
         index_actions: frozenset[str] = index_changes.ACTIONS,
         replication_scale: bool = False, single_vectorizer_in_place: bool = True,
         async_from_factor: bool = True) -> tuple[Change, ...]:
    """Every change that takes `live` to `desired`, collections in name order. What the server
    does in place, as its version decides (versions.py): `index_actions` of the property index
    API, `replication_scale`, `single_vectorizer_in_place` (a single vectorizer's settings that
    leave its vectors alone, by PUT); `async_from_factor`: asyncEnabled follows the replication
    factor (else it is a setting of its own, changed in place). `renamed`: old name -> new name of
    the renames the ledger says were done (a referrer may still point at the old name's version)."""
    physical = physical or {}
    done = renames_done(live, desired, renamed or {})
    live = with_renames_followed(live, desired)  # and those under way
    changes: list[Change] = []
    for name in sorted(desired):
        source = live_source(name, live, desired[name])
        if source is None:
            changes.append(CreateCollection(name, desired[name]))
        else:
            changes.extend(diff_collection(live[source], desired[name], physical.get(source, source), renamed=done,
                                           index_actions=index_actions, replication_scale=replication_scale,
                                           single_vectorizer_in_place=single_vectorizer_in_place,
                                           async_from_factor=async_from_factor))
    changes = with_referencing_recreated(changes, live, desired, physical)
    if prune:
        changes.extend(DeleteCollection(n, physical.get(n, n)) for n in sorted(unmanaged(live, desired, physical)))
    return tuple(changes)


def collection_renames(live: Mapping[str, Collection], desired: Mapping[str, Collection]) -> dict[str, str]:
    """Old name -> new name of each collection the files rename that the cluster still holds
    under its old name (a rename under way)."""
    return {c.renamedFrom: name for name, c in desired.items()
            if c.renamedFrom and name not in live and c.renamedFrom in live}


def renames_done(live: Mapping[str, Collection], desired: Mapping[str, Collection],
                 recorded: Mapping[str, str]) -> dict[str, str]:
    """Old name -> the name it goes by now, for renames done (`recorded` by the ledger, or still
    in a file as renamedFrom): the new name serves, and no collection has the old one (taken
    since, or a rename that never moved the alias): a reference to an old version of it follows
    the rename. A chain of renames leads to its last name."""
    in_files = {c.renamedFrom: n for n, c in desired.items() if c.renamedFrom}
    steps = {old: new for old, new in {**recorded, **in_files}.items() if old not in live and new in live}
    onward = steps | collection_renames(live, desired)  # a rename under way is a step of the chain too
    found = {}
    for old, name in steps.items():
        seen = {old}
        while name in onward and name not in seen:
            seen.add(name)
            name = onward[name]
        found[old] = name
    return found


def with_renames_followed(live: Mapping[str, Collection],
                          desired: Mapping[str, Collection]) -> Mapping[str, Collection]:
    """`live` with its references to a collection under rename read as naming the new name, as
    the referrers' files do once they follow the rename (planning refuses those that do not):
    the referrer is then recreated after it (with_referencing_recreated), its links kept."""
    renames = collection_renames(live, desired)
    if not renames:
        return live
    return {name: _targets_renamed(c, renames) for name, c in live.items()}


def _targets_renamed(collection: Collection, renames: Mapping[str, str]) -> Collection:
    if not any(t in renames for p in collection.properties if p.is_reference for t in p.data_types):
        return collection

    def renamed(p):
        if not p.is_reference:
            return p
        types = tuple(renames.get(t, t) for t in p.data_types)
        return p.model_copy(update={"dataType": types[0] if isinstance(p.dataType, str) else types})
    return collection.model_copy(update={"properties": tuple(renamed(p) for p in collection.properties)})


def with_referencing_recreated(changes: list[Change], live: Mapping[str, Collection],
                               desired: Mapping[str, Collection], physical: Mapping[str, str]) -> list[Change]:
    """Weaviate's references name a physical collection, so a collection whose references point
    at a recreated one is recreated as well, its references aimed at the new version (same uuids)
    and its vectors reused unless its own vectorization changes too. Repeats down the chain."""
    recreated = {c.collection for c in changes if isinstance(c, RecreateCollection)}
    while True:
        follow = {name for name, wanted in desired.items() if name not in recreated
                  and live_source(name, live, wanted) is not None and wanted.referenced_collections & recreated}
        if not follow:
            return changes
        for name in sorted(follow):
            changes = _recreated_for_references(changes, name, live, desired[name], physical, recreated)
        recreated |= follow


def _recreated_for_references(changes: list[Change], name: str, live: Mapping[str, Collection],
                              wanted: Collection, physical: Mapping[str, str], recreated: set[str]) -> list[Change]:
    """`name`'s additive and in-place changes folded into one RecreateCollection."""
    was = {c.collection: c.physical for c in changes if isinstance(c, RecreateCollection)}  # a renamed one's too
    reasons = tuple(FieldChange(f"references.{t}", was.get(t, physical.get(t, t)), f"the new version of {t}")
                    for t in sorted(wanted.referenced_collections & recreated))
    return _folded_into_recreate(changes, name, live, wanted, physical, reasons)


def _folded_into_recreate(changes: list[Change], name: str, live: Mapping[str, Collection], wanted: Collection,
                          physical: Mapping[str, str], reasons: tuple[FieldChange, ...]) -> list[Change]:
    source = live_source(name, live, wanted)
    assert source is not None  # only collections that exist are folded
    folded = [c for c in changes if c.collection == name
              and isinstance(c, (AddProperty, AddNamedVector, UpdateInPlace, ReindexProperty))]
    fields = [f for c in folded for f in _as_fields(c)]
    # folded are additive and in-place changes only: a collection that renames or drops anything is
    # a recreate already, so nothing here moves a property or a vector
    # the definition as diff_collection makes it (the settings the file leaves to the server, as
    # the server chose them): a copy a stopped apply made for it is the same change's, and resumed
    change = RecreateCollection(name, physical=physical.get(source, source), reasons=reasons,
                                fields=tuple(fields) + tuple(r for r in reasons if r not in fields),
                                vectors=_vector_moves(live[source], wanted),
                                definition=from_server(live[source], wanted))
    kept = [c for c in changes if c not in folded]
    at = next((i for i, c in enumerate(kept) if c.collection == name), len(kept))
    return kept[:at] + [change] + kept[at:]


def backfill_candidates(changes: tuple[Change, ...] | list[Change]) -> list[str]:
    """Collections that gain a named vector a module must fill (not `none`): Weaviate v1.39 never
    fills one for objects that exist (an upsert of an unchanged object keeps its vectors)."""
    recreated = {c.collection for c in changes if isinstance(c, RecreateCollection)}
    return sorted({c.collection for c in changes if isinstance(c, AddNamedVector)
                   and c.vector.vectorizer.module != "none" and c.collection not in recreated})


def with_backfill(changes: tuple[Change, ...], live: Mapping[str, Collection], desired: Mapping[str, Collection],
                  physical: Mapping[str, str], collections: list[str]) -> tuple[Change, ...]:
    """The added named vectors of `collections` filled by a new version: their objects copied
    with every other vector reused and the new ones embedded (the write-safe copy protocol)."""
    out = list(changes)
    for name in collections:
        added = sorted(c.vector_name for c in out if isinstance(c, AddNamedVector) and c.collection == name)
        reasons = tuple(_added_vector(v) for v in added)
        out = _folded_into_recreate(out, name, live, desired[name], physical, reasons)
    return tuple(with_referencing_recreated(out, live, desired, physical))  # their referrers follow


def _as_fields(change: Change) -> list[FieldChange]:
    if isinstance(change, AddProperty):
        return [_added_property(change.property)]
    if isinstance(change, AddNamedVector):
        return [_added_vector(change.vector_name)]
    return list(getattr(change, "fields", ()))


def _added_property(prop) -> FieldChange:
    return FieldChange(f"properties.{prop.name}", None, list(prop.data_types))


def _added_vector(name: str) -> FieldChange:
    return FieldChange(f"vectors.{name}", None, "added")


def live_source(name: str, live: Mapping[str, Collection], wanted: Collection) -> str | None:
    """The live collection `wanted` comes from: its own name, or the one it is renamed from."""
    if name in live:
        return name
    if wanted.renamedFrom in live:
        return wanted.renamedFrom
    return None


def unmanaged(live: Mapping[str, Collection], desired: Mapping[str, Collection],
              physical: Mapping[str, str] | None = None) -> list[str]:
    """Live collections no file declares, nor names as the source of a rename: one still to be
    made, or whose old name's alias is still there (a rename stopped before removing it). A
    collection made under the old name once the rename was done (auto-schema makes one from a
    write that still names it) is a new one."""
    physical = physical or {}
    claimed = set(desired) | {c.renamedFrom for name, c in desired.items() if c.renamedFrom and (
        name not in live or physical.get(c.renamedFrom, c.renamedFrom) != c.renamedFrom)}
    return [n for n in live if n not in claimed]


@dataclass(frozen=True)
class Renames:
    """What the file renames (`renamedFrom`) that the live collection still has under the old
    name: new name -> live name, for properties and for named vectors; and `collections`, old
    name -> the name it goes by now, of the collections renamed (renames_done: a reference to an
    old version of one follows it)."""

    properties: dict[str, str]
    vectors: dict[str, str]
    collections: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, live: Collection, desired: Collection, collections: Mapping[str, str] | None = None) -> Renames:
        held = {p.name for p in live.properties}
        properties = {p.name: p.renamedFrom for p in desired.properties
                      if p.renamedFrom and p.name not in held and p.renamedFrom in held}
        live_vectors, wanted = live.vectors or {}, desired.vectors or {}
        vectors = {n: v.renamedFrom for n, v in wanted.items()
                   if v.renamedFrom and n not in live_vectors and v.renamedFrom in live_vectors}
        return cls(properties, vectors, collections or {})

    def applied(self, c: dict) -> dict:
        """Canonical `c` (the live side) with the renames made: keys, names, sourceProperties."""
        if not self.properties and not self.vectors:
            return c
        new_name = {old: new for new, old in self.properties.items()}
        out = dict(c)
        out["properties"] = {new_name.get(k, k): ({**v, "name": new_name[k]} if k in new_name else v)
                             for k, v in c["properties"].items()}
        if "vectors" in c:
            new_vector = {old: new for new, old in self.vectors.items()}
            out["vectors"] = {new_vector.get(k, k): _sources_renamed(v, new_name) for k, v in c["vectors"].items()}
        return out


def _sources_renamed(vector: dict, new_name: dict[str, str]) -> dict:
    if "sourceProperties" not in vector:
        return vector
    return {**vector, "sourceProperties": sorted(new_name.get(p, p) for p in vector["sourceProperties"])}


def diff_collection(live: Collection, desired: Collection, physical: str, *, renamed: Mapping[str, str] | None = None,
                    index_actions: frozenset[str] = index_changes.ACTIONS,
                    replication_scale: bool = False, single_vectorizer_in_place: bool = True,
                    async_from_factor: bool = True) -> list[Change]:
    renames = Renames.of(live, desired, renamed)
    desired = from_server(live, desired)
    a, b = canonical(live, async_from_factor), canonical(desired, async_from_factor)
    stated = desired.model_dump(mode="json", exclude_none=True)
    a = server_quantization_aside(generic_defaults_aside(renames.applied(a), b), b)
    a = server_chosen_aside(a, b, stated)
    name = desired.name
    changes: list[Change] = []
    added_props = [p for p in desired.properties if p.name not in a["properties"]]
    fields = _without_type_defaults(_field_changes(_comparable(a, b), _comparable(b, a)), a, b)
    added_vectors = _added_vectors(a, b)
    moved = _moves_forcing_recreate(a, b, renames)
    immutable = [f for f in fields if not _mutable(f, a, b, single_vectorizer_in_place)
                 and not (f.path == "replicationConfig.asyncEnabled" and not async_from_factor)]
    scaled = [f for f in immutable if f.path in SCALED] if replication_scale else []
    immutable = [f for f in immutable if f not in scaled]
    reindexed = _reindexed(name, immutable, a, b, desired, index_actions) if not moved else []
    if reindexed:
        done = [f for c in reindexed for f in c.fields]  # a list: a setting's values may be lists (unhashable)
        immutable, fields = [], [f for f in fields if f not in done]
    fields, immutable = (_links_followed(f, renames.collections) for f in (fields, immutable))
    if immutable or moved:
        additions = [_added_property(p) for p in added_props] + [_added_vector(v) for v in added_vectors]
        newer = not moved and bool(_reindexed(name, immutable, a, b, desired, index_changes.ACTIONS))
        changes.append(RecreateCollection(
            name, physical=physical, reasons=tuple(immutable + moved), fields=tuple(fields + additions + moved),
            vectors=_vector_moves(live, desired, renames), definition=desired,
            property_moves=property_moves(live, desired, renames),
            version_note=index_changes.NEWER_SERVER if newer else ""))
    else:
        changes.extend(AddProperty(name, p) for p in added_props)
        changes.extend(AddNamedVector(name, v, (desired.vectors or {})[v]) for v in added_vectors)
        if scaled:
            changes.append(ScaleReplication(name, physical=physical, fields=tuple(scaled), definition=desired))
        fields = [f for f in fields if f not in scaled]
        if fields:
            changes.append(UpdateInPlace(name, fields=tuple(fields), definition=desired))
        changes.extend(reindexed)
    return changes


def _without_type_defaults(fields: list[FieldChange], a: dict, b: dict) -> list[FieldChange]:
    """A retyped property's index settings that change only because the new type's defaults
    differ (a text property's tokenization, gone with the text) are said by its dataType."""
    retyped = {n: p["dataType"][0] for n, p in b["properties"].items()
               if n in a["properties"] and a["properties"][n]["dataType"] != p["dataType"]}

    def follows_the_type(f: FieldChange) -> bool:
        parts = f.path.split(".")
        return len(parts) == 3 and parts[0] == "properties" and parts[1] in retyped and parts[2] != "dataType" \
            and f.new == property_defaults(retyped[parts[1]]).get(parts[2])
    return [f for f in fields if not follows_the_type(f)]


def _moves_forcing_recreate(a: dict, b: dict, renames: Renames) -> list[FieldChange]:
    """Renamed, dropped properties and named vectors: Weaviate changes none of them in place.
    (A retyped property is a dataType field change, immutable already.)"""
    found = [FieldChange(f"properties.{new}.name", old, new) for new, old in sorted(renames.properties.items())]
    # a dropped nested property is a field change of its own already (nestedProperties.<name>)
    found += [FieldChange(f"properties.{n}", a["properties"][n]["dataType"], None)
              for n in a["properties"] if n not in b["properties"]]
    found += [FieldChange(f"vectors.{new}.name", old, new) for new, old in sorted(renames.vectors.items())]
    if "vectors" in a and "vectors" in b:
        found += [FieldChange(f"vectors.{n}", a["vectors"][n]["vectorizer"]["module"], None)
                  for n in sorted(a["vectors"]) if n not in b["vectors"]]
    return found


def property_moves(live: Collection, desired: Collection, renames: Renames) -> tuple[PropertyMove, ...]:
    """Every live property whose values do not copy as they are: dropped (not in the file),
    renamed, or of another data type (converted as the conversion table says)."""
    held = {p.name: p for p in live.properties}
    kept = {renames.properties.get(p.name, p.name) for p in desired.properties}
    moves = [PropertyMove(n, None, "|".join(held[n].data_types), None) for n in sorted(held) if n not in kept]
    for p in desired.properties:
        source = renames.properties.get(p.name, p.name)
        if source not in held:
            continue  # added
        old, new = _renamed_targets(held[source].data_types, live, desired), p.data_types
        gone = dropped_nested(held[source].nestedProperties, p.nestedProperties) if old == new else ()
        move = replace(_retyped(source, p, old, new, renames.collections), dropped_nested=gone)
        retyped_nested = retyped_nested_properties(held[source].nestedProperties, p.nestedProperties)
        if retyped_nested and old == new:
            move = replace(move, conversion="unsupported", reason="schemactl does not convert nested properties ("
                           + ", ".join(f"{p.name}.{n}" for n in retyped_nested) + ")")
        if move.conversion is not None or source != p.name or gone:
            moves.append(move)
    return tuple(moves)


def retyped_nested_properties(live, desired, prefix: str = "") -> list[str]:
    """Nested properties (dotted paths) whose data type the file changes."""
    wanted = {n.name: n for n in desired or ()}
    found: list[str] = []
    for n in live or ():
        other = wanted.get(n.name)
        if other is None:
            continue
        if other.data_types != n.data_types:
            found.append(f"{prefix}{n.name}: {'|'.join(n.data_types)} -> {'|'.join(other.data_types)}")
        elif n.nestedProperties:
            found += retyped_nested_properties(n.nestedProperties, other.nestedProperties, f"{prefix}{n.name}.")
    return found


def dropped_nested(live, desired, prefix: str = "") -> tuple[str, ...]:
    """Nested properties (dotted paths) the live object property has and the file does not."""
    wanted = {n.name: n for n in desired or ()}
    found: list[str] = []
    for n in live or ():
        if n.name not in wanted:
            found.append(prefix + n.name)
        elif n.nestedProperties:
            found += dropped_nested(n.nestedProperties, wanted[n.name].nestedProperties, f"{prefix}{n.name}.")
    return tuple(found)


def _renamed_targets(data_types: tuple[str, ...], live: Collection, desired: Collection) -> tuple[str, ...]:
    """A live property's data types as the file names them (a rename's links to itself follow it)."""
    return tuple(desired.own_name_for(t, live.name) for t in data_types)


def _links_followed(fields: list[FieldChange], renamed: Mapping[str, str]) -> list[FieldChange]:
    """A reference aimed at an old version of its target (a cutover or a rename an apply stopped
    before the referrer followed) said as the links following it, not as a retype: one field
    per target, in with_referencing_recreated's words (a copy a stop left is compared with the
    change it was made for)."""
    out: list[FieldChange] = []
    for f in fields:
        followed = _followed_targets(f, renamed)
        said = [FieldChange(f"references.{new}", old, f"the new version of {new}") for old, new in followed]
        out += [g for g in said or [f] if g not in out]  # two properties linking to one target: said once
    return out


def _followed_targets(f: FieldChange, renamed: Mapping[str, str]) -> list[tuple[str, str]]:
    """(old version, name) of each target a reference property's dataType change follows."""
    parts = f.path.split(".")
    if len(parts) != 3 or parts[0] != "properties" or parts[2] != "dataType":
        return []
    if not isinstance(f.old, list) or not isinstance(f.new, list):
        return []
    old, new = [str(t) for t in f.old], [str(t) for t in f.new]
    if len(old) != len(new) or any(t in PRIMITIVE_TYPES for t in old + new):
        return []
    if [_followed_name(t, renamed) for t in old] != new:
        return []
    return [(o, n) for o, n in zip(old, new) if o != n]


def _followed_name(target: str, renamed: Mapping[str, str]) -> str:
    """A live reference target as a plan follows it: its collection (an old version by the
    collection's name), by the name a finished rename gave it. The rename first, even where the
    files declare the old name again: a new collection of that name holds none of the linked
    objects (unlike naming.declared_name, which apply reads recorded renames with)."""
    name = logical_of(target)
    return renamed.get(name, name)


def _retyped(source: str, p, old: tuple[str, ...], new: tuple[str, ...],
             renamed: Mapping[str, str]) -> PropertyMove:
    move = PropertyMove(source, p.name, "|".join(old), "|".join(new), on_error=p.onConvertError or "refuse")
    references = [t for t in (*old, *new) if t not in PRIMITIVE_TYPES]
    if references and len(references) == len(old) + len(new):  # a reference before and after
        if {_followed_name(t, renamed) for t in old} <= set(new) and source == p.name:
            # gaining target collections, or re-pointed from an old version of its target to the
            # target's alias (a cutover the referencing collection has not followed yet, a rename's
            # too): links kept
            return replace(move, conversion=None)
        why = ("renaming a reference property is not supported yet" if source != p.name and old == new
               else "a reference property can gain target collections, nothing else: its links cannot follow")
        return replace(move, conversion="unsupported", reason=why)
    if old == new:
        return move
    found = conversions.conversion(old[0], new[0])
    if found is None:
        return replace(move, conversion="unsupported", reason=conversions.unsupported_reason(old[0], new[0]))
    return replace(move, conversion=found.kind)


def _reindexed(name: str, immutable: list[FieldChange], a: dict, b: dict,
               desired: Collection, allowed: frozenset[str]) -> list[ReindexProperty]:
    """When every setting that cannot change through the class is a property index the server
    changes in place (the actions it has), one ReindexProperty per property; otherwise none (the
    collection is recreated anyway, and the new one gets the indexes from the start)."""
    if not immutable or not all(index_changes.is_index_field(f.path) for f in immutable):
        return []
    changes = []
    for prop, fields in sorted(index_changes.property_changes(immutable).items()):
        ops = index_changes.operations(a["properties"][prop], b["properties"][prop])
        if ops is None or any(op.action not in allowed for op in ops):
            return []
        changes.append(ReindexProperty(name, property_name=prop, operations=ops, fields=tuple(fields),
                                       definition=desired))
    return changes


def _comparable(side: dict, other: dict) -> dict:
    """What the field diff looks at: properties and named vectors present on both sides only
    (added ones become their own changes; removed properties are drift of their own)."""
    out = dict(side)
    out["properties"] = {k: v for k, v in side["properties"].items() if k in other["properties"]}
    if "vectors" in side and "vectors" in other:
        out["vectors"] = {k: v for k, v in side["vectors"].items() if k in other["vectors"]}
    return out


def _added_vectors(a: dict, b: dict) -> list[str]:
    if "vectors" not in a or "vectors" not in b:
        return []
    return sorted(set(b["vectors"]) - set(a["vectors"]))


def _field_changes(a: dict, b: dict) -> list[FieldChange]:
    """deepdiff's findings as FieldChanges; lists count as single values."""
    found: dict[str, FieldChange] = {}
    if a == b:  # the common case, and far cheaper than a deep diff
        return []
    tree = DeepDiff(a, b, view="tree")
    for report in tree.values():
        for item in report:
            path = item.path(output_format="list")
            cut = next((i for i, p in enumerate(path) if isinstance(p, int)), len(path))
            path = path[:cut]
            key = ".".join(map(str, path))
            if key not in found:
                found[key] = FieldChange(key, get_path(a, path), get_path(b, path))
    return [found[k] for k in sorted(found)]


def _mutable(change: FieldChange, a: dict, b: dict, single_vectorizer_in_place: bool = True) -> bool:
    if _removes_a_module_block(change.path, a, b):
        return False
    if any(fnmatch.fnmatchcase(change.path, pattern) for pattern in MUTABLE):
        return True
    return _turns_on_a_quantizer(change.path, a, b) or _module_setting_in_place(change.path, a, b,
                                                                                single_vectorizer_in_place)


def _removes_a_module_block(path: str, a: dict, b: dict) -> bool:
    """v1.39 swaps a generative or reranker module in place but never drops one (PUT without it
    answers 200 and keeps it): removing one needs a new collection."""
    block = path.split(".")[0]
    return block in ("generative", "reranker") and bool(a.get(block)) and not b.get(block)


def _module_setting_in_place(path: str, a: dict, b: dict, single_vectorizer_in_place: bool = True) -> bool:
    """A vectorizer's setting its module's table says the server changes in place (same module):
    a named vector's, or a single (legacy) vectorizer's where the server's version takes it by PUT
    (measured on 1.37.5, 1.38.8, 1.39.0: options.* read back as sent)."""
    parts = path.split(".")
    legacy = parts[:1] == ["vectorizer"]
    if legacy and not single_vectorizer_in_place:
        return False
    if not legacy and (parts[:1] != ["vectors"] or "vectorizer" not in parts[:3]):
        return False
    at = parts.index("vectorizer")
    if len(parts) <= at + 1:
        return False
    before, after = _as_dict(get_path(a, parts[: at + 1])), _as_dict(get_path(b, parts[: at + 1]))
    module = str(after.get("module"))
    return module == before.get("module") and modules.get(module).changes_in_place(parts[at + 1])


def _turns_on_a_quantizer(path: str, a: dict, b: dict) -> bool:
    """On an HNSW index, enabling a quantizer where none was on is in place, and so is tuning
    rq's rescoreLimit; switching or tuning others is not. Flat indexes refuse it ("bq is
    immutable", v1.39.0)."""
    parts = path.split(".")
    if len(parts) < 2 or parts[-2] not in QUANTIZERS and parts[-1] not in QUANTIZERS:
        return False
    at = parts.index(next(p for p in parts if p in QUANTIZERS))
    config_path, quantizer = parts[:at], parts[at]
    if _index_kind(config_path, b) != "hnsw":
        return False
    before, after = _as_dict(get_path(a, config_path)), _as_dict(get_path(b, config_path))
    was_on = [q for q in QUANTIZERS if (before.get(q) or {}).get("enabled")]
    if quantizer == "rq" and parts[at + 1:] == ["rescoreLimit"]:  # tuned, or set as rq is turned on
        return was_on in ([], ["rq"]) and bool((after.get("rq") or {}).get("enabled"))
    return not was_on and bool((after.get(quantizer) or {}).get("enabled"))


def _index_kind(config_path: list[str], side: dict) -> str:
    """hnsw / flat / dynamic for the index config at `config_path` (a dynamic index's own
    hnsw and flat parts are named by the path)."""
    if config_path and config_path[-1] in ("hnsw", "flat"):
        return config_path[-1]
    return str(get_path(side, [*config_path[:-1], "vectorIndexType"]) or "hnsw")


# ---- vectors: reuse or re-embed ---------------------------------------------------------------

def _as_dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def vectorization_inputs(collection: Collection, renames: Renames | None = None) -> dict[str, dict]:
    """What goes into each vector: module, the settings that decide its model (per the module's
    table), class name (if vectorized), and the properties it reads with their settings, in the
    order their values enter the text. `renames`: the live side, its names as the file has them
    (a renamed property's name is not in the text unless vectorizePropertyName is on)."""
    c = canonical(collection)
    vectors = c.get("vectors") or {LEGACY_VECTOR: {"vectorizer": c["vectorizer"]}}
    new_name = {old: new for new, old in (renames.properties if renames else {}).items()}
    new_vector = {old: new for new, old in (renames.vectors if renames else {}).items()}
    out: dict[str, dict] = {}
    for name, vector in vectors.items():
        vectorizer = vector["vectorizer"]
        module = vectorizer["module"]
        name = new_vector.get(name, name)
        if module == "none":
            out[name] = {"module": "none"}  # the user's own vectors: always copied as they are
            continue
        out[name] = {
            "module": module,
            "model": modules.vector_identity(module, {k: v for k, v in vectorizer.items() if k != "module"}),
            "className": PHYSICAL_NAME if vectorizer.get("vectorizeClassName") else None,
            "properties": _vectorized_properties(c, module, vector.get("sourceProperties"), new_name),
        }
    return out


def _vectorized_properties(c: dict, module: str, sources: list[str] | None, new_name: dict[str, str]) -> list:
    """The properties a vector reads, with their per-property settings, in the order Weaviate
    joins their values: sorted by name (its text2vec modules sort the property names). With
    sourceProperties, v1.39 also vectorizes numbers, dates, booleans and objects it names.
    A renamed property is listed under its new name where its name is not in the text."""
    readable = TEXT_TYPES + (SOURCE_TYPES if sources is not None else ())
    found = []
    for p in c["properties"].values():
        settings = (p.get("vectorizer") or {}).get(module, {"skip": False, "vectorizePropertyName": False})
        if p["dataType"][0] in readable and not settings["skip"] and (sources is None or p["name"] in sources):
            found.append([p["name"], p["dataType"][0], settings["vectorizePropertyName"]])
    found.sort()
    for entry in found:
        if entry[0] in new_name and not entry[2]:
            entry[0] = new_name[entry[0]]
    return found


def _vector_moves(live: Collection, desired: Collection, renames: Renames | None = None) -> tuple[VectorMove, ...]:
    renames = renames or Renames({}, {})
    before, after = vectorization_inputs(live, renames), vectorization_inputs(desired)
    for name, inputs in before.items():  # a generic module's own defaults are not a change
        wanted = after.get(name, {})
        if inputs["module"] == wanted.get("module") and modules.unsure_of_vectors(inputs["module"]):
            inputs["model"] = {k: v for k, v in inputs.get("model", {}).items() if k in wanted.get("model", {})}
    moves = []
    for name in sorted(after):
        source = renames.vectors.get(name)
        moves.append(replace(_vector_move(name, before, after), source=source) if source else
                     _vector_move(name, before, after))
    renamed = set(renames.vectors.values())
    stored = vectorization_inputs(live)  # by their live names: the single vector is "default"
    moves += [VectorMove(n, "drop", "not in the file: its vectors are not copied")
              for n in sorted(stored) if n not in after and n not in renamed]
    return tuple(moves)


def _vector_move(name: str, before: dict, after: dict) -> VectorMove:
    if after[name]["module"] == "none" and name not in before:
        return VectorMove(name, "empty", "new vector without a vectorizer: nothing stored to copy, objects have "
                                         "none until the application sets them")
    if after[name]["module"] == "none":
        return VectorMove(name, "reuse", "no vectorizer: the stored vectors are copied")
    if name not in before:
        return VectorMove(name, "re-embed", "new vector")
    if after[name]["className"] == PHYSICAL_NAME:
        return VectorMove(name, "re-embed", "vectorizeClassName is on: the module embeds the physical "
                                            "name, which the new version changes")
    if before[name] == after[name]:
        return VectorMove(name, "reuse", "vectorization unchanged")
    changed = [k for k in after[name] if after[name][k] != before[name].get(k)]
    unsure = ("; schemactl has no table of which " + after[name]["module"] + " settings change "
              "its vectors, so it re-embeds to be safe") if modules.unsure_of_vectors(after[name]["module"]) \
        and "model" in changed else ""
    detail = _text_change(before[name]["properties"], after[name]["properties"]) if changed == ["properties"] else ""
    return VectorMove(name, "re-embed", f"{', '.join(changed)} changed{detail}{unsure}")


def _text_change(before: list, after: list) -> str:
    """What changes in the embedded text, in a few words."""
    old, new = {e[0]: e for e in before}, {e[0]: e for e in after}
    parts = [f"{n} no longer read" for n in old if n not in new]
    parts += [f"{n} now read" for n in new if n not in old]
    parts += [f"{n} read differently" for n in new if n in old and old[n] != new[n]]
    if not parts and [e[0] for e in before] != [e[0] for e in after]:
        parts.append("the properties enter the text in another order (Weaviate joins them sorted by name)")
    if not parts:
        parts.append("a renamed property's name is in the text (vectorizePropertyName)")
    return f": {'; '.join(parts)}"
