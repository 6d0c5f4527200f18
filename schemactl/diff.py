"""diff(live, desired) -> changes. Pure and deterministic; the only user of deepdiff."""
from __future__ import annotations

import fnmatch
from collections.abc import Mapping

from deepdiff import DeepDiff

from .changes import (AddNamedVector, AddProperty, Change, CreateCollection, DeleteCollection, FieldChange,
                      PropertyOnlyInCluster, RecreateCollection, ReindexProperty, ScaleReplication, UpdateInPlace,
                      VectorMove)
from . import modules, index_changes
from .normalize import canonical, generic_defaults_aside
from .spec import SOURCE_TYPES, TEXT_TYPES, Collection

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
QUANTIZERS = ("pq", "bq", "sq", "rq")
# What the replication scale API changes (v1.39 derives asyncEnabled from the factor).
SCALED = ("replicationConfig.factor", "replicationConfig.asyncEnabled")


def diff(live: Mapping[str, Collection], desired: Mapping[str, Collection], *,
         physical: Mapping[str, str] | None = None, prune: bool = False,
         index_tasks: bool = True, replication_scale: bool = False) -> tuple[Change, ...]:
    """Every change that takes `live` to `desired`, collections in name order. `index_tasks`:
    the server rebuilds property indexes in place (Weaviate 1.39+)."""
    physical = physical or {}
    changes: list[Change] = []
    for name in sorted(desired):
        source = live_source(name, live, desired[name])
        if source is None:
            changes.append(CreateCollection(name, desired[name]))
        else:
            changes.extend(diff_collection(live[source], desired[name], physical.get(source, source),
                                           index_tasks=index_tasks, replication_scale=replication_scale))
    changes = with_referencing_recreated(changes, live, desired, physical)
    if prune:
        changes.extend(DeleteCollection(n, physical.get(n, n)) for n in sorted(unmanaged(live, desired)))
    return tuple(changes)


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
    reasons = tuple(FieldChange(f"references.{t}", physical.get(t, t), f"the new version of {t}")
                    for t in sorted(wanted.referenced_collections & recreated))
    return _folded_into_recreate(changes, name, live, wanted, physical, reasons)


def _folded_into_recreate(changes: list[Change], name: str, live: Mapping[str, Collection], wanted: Collection,
                          physical: Mapping[str, str], reasons: tuple[FieldChange, ...]) -> list[Change]:
    source = live_source(name, live, wanted)
    assert source is not None  # only collections that exist are folded
    folded = [c for c in changes if c.collection == name
              and isinstance(c, (AddProperty, AddNamedVector, UpdateInPlace, ReindexProperty))]
    fields = [f for c in folded for f in _as_fields(c)]
    change = RecreateCollection(name, physical=physical.get(source, source), reasons=reasons,
                                fields=tuple(fields) + tuple(r for r in reasons if r not in fields),
                                vectors=_vector_moves(live[source], wanted), definition=wanted)
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
    return tuple(out)


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


def unmanaged(live: Mapping[str, Collection], desired: Mapping[str, Collection]) -> list[str]:
    """Live collections no file declares, nor names as the source of a rename."""
    claimed = set(desired) | {c.renamedFrom for c in desired.values() if c.renamedFrom}
    return [n for n in live if n not in claimed]


def diff_collection(live: Collection, desired: Collection, physical: str, *,
                    index_tasks: bool = True, replication_scale: bool = False) -> list[Change]:
    a, b = canonical(live), canonical(desired)
    a = generic_defaults_aside(a, b)
    name = desired.name
    changes: list[Change] = []
    added_props = [p for p in desired.properties if p.name not in a["properties"]]
    cluster_only = [n for n in a["properties"] if n not in b["properties"]]
    fields = _field_changes(_comparable(a, b), _comparable(b, a))
    added_vectors = _added_vectors(a, b)
    immutable = [f for f in fields if not _mutable(f, a, b)]
    scaled = [f for f in immutable if f.path in SCALED] if replication_scale else []
    immutable = [f for f in immutable if f not in scaled]
    reindexed = _reindexed(name, immutable, a, b, desired) if index_tasks else []
    if reindexed:
        done = {f for c in reindexed for f in c.fields}
        immutable, fields = [], [f for f in fields if f not in done]
    if immutable:
        additions = [_added_property(p) for p in added_props] + [_added_vector(v) for v in added_vectors]
        changes.append(RecreateCollection(
            name, physical=physical, reasons=tuple(immutable), fields=tuple(fields + additions),
            vectors=_vector_moves(live, desired), definition=desired))
    else:
        changes.extend(AddProperty(name, p) for p in added_props)
        changes.extend(AddNamedVector(name, v, (desired.vectors or {})[v]) for v in added_vectors)
        if scaled:
            changes.append(ScaleReplication(name, physical=physical, fields=tuple(scaled), definition=desired))
        fields = [f for f in fields if f not in scaled]
        if fields:
            changes.append(UpdateInPlace(name, fields=tuple(fields), definition=desired))
        changes.extend(reindexed)
    changes.extend(PropertyOnlyInCluster(name, n, tuple(a["properties"][n]["dataType"])) for n in cluster_only)
    return changes


def _reindexed(name: str, immutable: list[FieldChange], a: dict, b: dict,
               desired: Collection) -> list[ReindexProperty]:
    """When every setting that cannot change through the class is a property index the server
    rebuilds in place, one ReindexProperty per property; otherwise none (the collection is
    recreated anyway, and the new one gets the indexes from the start)."""
    if not immutable or not all(index_changes.is_index_field(f.path) for f in immutable):
        return []
    changes = []
    for prop, fields in sorted(index_changes.property_changes(immutable).items()):
        ops = index_changes.operations(a["properties"][prop], b["properties"][prop])
        if ops is None:
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
                found[key] = FieldChange(key, _get(a, path), _get(b, path))
    return [found[k] for k in sorted(found)]


def _get(data: dict, path: list) -> object:
    for part in path:
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def _mutable(change: FieldChange, a: dict, b: dict) -> bool:
    if _removes_a_module_block(change.path, a, b):
        return False
    if any(fnmatch.fnmatchcase(change.path, pattern) for pattern in MUTABLE):
        return True
    return _turns_on_a_quantizer(change.path, a, b) or _module_setting_in_place(change.path, a, b)


def _removes_a_module_block(path: str, a: dict, b: dict) -> bool:
    """v1.39 swaps a generative or reranker module in place but never drops one (PUT without it
    answers 200 and keeps it): removing one needs a new collection."""
    block = path.split(".")[0]
    return block in ("generative", "reranker") and bool(a.get(block)) and not b.get(block)


def _module_setting_in_place(path: str, a: dict, b: dict) -> bool:
    """A named vector's setting its module's table says the server changes in place (same module).
    v1.39 refuses it for a single (legacy) vectorizer: "can only update generative and reranker
    module configs"."""
    parts = path.split(".")
    if parts[:1] != ["vectors"] or "vectorizer" not in parts[:3]:
        return False  # a single (legacy) vectorizer's config: v1.39 refuses any change in place
    at = parts.index("vectorizer")
    if len(parts) <= at + 1:
        return False
    before, after = _as_dict(_get(a, parts[: at + 1])), _as_dict(_get(b, parts[: at + 1]))
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
    before, after = _as_dict(_get(a, config_path)), _as_dict(_get(b, config_path))
    was_on = [q for q in QUANTIZERS if (before.get(q) or {}).get("enabled")]
    if quantizer == "rq" and parts[at + 1:] == ["rescoreLimit"]:
        return was_on == ["rq"] and bool((after.get("rq") or {}).get("enabled"))
    return not was_on and bool((after.get(quantizer) or {}).get("enabled"))


def _index_kind(config_path: list[str], side: dict) -> str:
    """hnsw / flat / dynamic for the index config at `config_path` (a dynamic index's own
    hnsw and flat parts are named by the path)."""
    if config_path and config_path[-1] in ("hnsw", "flat"):
        return config_path[-1]
    return str(_get(side, [*config_path[:-1], "vectorIndexType"]) or "hnsw")


# ---- vectors: reuse or re-embed ---------------------------------------------------------------

def _as_dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def vectorization_inputs(collection: Collection) -> dict[str, dict]:
    """What goes into each vector: module, the settings that decide its model (per the module's
    table), class name (if vectorized), and the properties it reads with their settings."""
    c = canonical(collection)
    vectors = c.get("vectors") or {LEGACY_VECTOR: {"vectorizer": c["vectorizer"]}}
    out: dict[str, dict] = {}
    for name, vector in vectors.items():
        vectorizer = vector["vectorizer"]
        module = vectorizer["module"]
        if module == "none":
            out[name] = {"module": "none"}  # the user's own vectors: always copied as they are
            continue
        out[name] = {
            "module": module,
            "model": modules.vector_identity(module, {k: v for k, v in vectorizer.items() if k != "module"}),
            "className": PHYSICAL_NAME if vectorizer.get("vectorizeClassName") else None,
            "properties": _vectorized_properties(c, module, vector.get("sourceProperties")),
        }
    return out


def _vectorized_properties(c: dict, module: str, sources: list[str] | None) -> list:
    """The properties a vector reads, with their per-property settings. With sourceProperties,
    v1.39 also vectorizes numbers, dates, booleans and objects it names."""
    readable = TEXT_TYPES + (SOURCE_TYPES if sources is not None else ())
    found = []
    for p in c["properties"].values():
        settings = (p.get("vectorizer") or {}).get(module, {"skip": False, "vectorizePropertyName": False})
        if p["dataType"][0] in readable and not settings["skip"] and (sources is None or p["name"] in sources):
            found.append([p["name"], p["dataType"][0], settings["vectorizePropertyName"]])
    return sorted(found)


def _vector_moves(live: Collection, desired: Collection) -> tuple[VectorMove, ...]:
    before, after = vectorization_inputs(live), vectorization_inputs(desired)
    for name, inputs in before.items():  # a generic module's own defaults are not a change
        wanted = after.get(name, {})
        if inputs["module"] == wanted.get("module") and modules.unsure_of_vectors(inputs["module"]):
            inputs["model"] = {k: v for k, v in inputs.get("model", {}).items() if k in wanted.get("model", {})}
    moves = []
    for name in sorted(after):
        if after[name]["module"] == "none":
            moves.append(VectorMove(name, "reuse", "no vectorizer: the stored vectors are copied"))
        elif name not in before:
            moves.append(VectorMove(name, "re-embed", "new vector"))
        elif after[name]["className"] == PHYSICAL_NAME:
            moves.append(VectorMove(name, "re-embed", "vectorizeClassName is on: the module embeds the physical "
                                                      "name, which the new version changes"))
        elif before[name] == after[name]:
            moves.append(VectorMove(name, "reuse", "vectorization unchanged"))
        else:
            changed = [k for k in after[name] if after[name][k] != before[name].get(k)]
            unsure = ("; schemactl has no table of which " + after[name]["module"] + " settings change "
                      "its vectors, so it re-embeds to be safe") if modules.unsure_of_vectors(after[name]["module"]) \
                and "model" in changed else ""
            moves.append(VectorMove(name, "re-embed", f"{', '.join(changed)} changed{unsure}"))
    return tuple(moves)
