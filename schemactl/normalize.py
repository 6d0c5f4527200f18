"""Server defaults (Weaviate v1.39.0, pinned by tests) filled in or stripped.

`canonical()` turns a Collection into a fully explicit dict — what the server would report — so the
differ never special-cases defaults. `minimal()` is the reverse, for `pull`. The `*_aside` functions
and from_server reconcile the two sides where the file leaves a choice to the server
(shard count, distance, index type, default quantization, generic modules' settings): what the
server chose is not drift.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from . import modules
from .errors import SchemactlError
from .spec import vectorizer_modules
from .spec import TEXT_TYPES, Collection, ReplicationConfig, stated_index_type

QUANTIZERS_HNSW = {
    "pq": {"enabled": False, "bitCompression": False, "segments": 0, "centroids": 256,
           "trainingLimit": 100000, "encoder": {"type": "kmeans", "distribution": "log-normal"}},
    "bq": {"enabled": False},
    "sq": {"enabled": False, "trainingLimit": 100000, "rescoreLimit": 20},
    # trainingLimit and centering: reported from 1.39.3 on (older servers report neither)
    "rq": {"enabled": False, "bits": 8, "rescoreLimit": 20, "trainingLimit": 10000, "centering": False},
}
QUANTIZERS = tuple(QUANTIZERS_HNSW)
MULTIVECTOR = {"enabled": False, "aggregation": "maxSim",
               "muvera": {"enabled": False, "ksim": 4, "dprojections": 16, "repetitions": 10}}
DEFAULT_QUANTIZATION = {"skipDefaultQuantization": False, "trackDefaultQuantization": False}
HNSW = {"distance": "cosine", "ef": -1, "efConstruction": 128, "maxConnections": 32,
        "dynamicEfMin": 100, "dynamicEfMax": 500, "dynamicEfFactor": 8, "flatSearchCutoff": 40000,
        "vectorCacheMaxObjects": 1000000000000, "cleanupIntervalSeconds": 300,
        "filterStrategy": "acorn", "skip": False, "multivector": MULTIVECTOR, **DEFAULT_QUANTIZATION,
        **QUANTIZERS_HNSW}
FLAT = {"distance": "cosine", "vectorCacheMaxObjects": 1000000000000, **DEFAULT_QUANTIZATION,
        "bq": {"enabled": False, "rescoreLimit": -1, "cache": False},
        "rq": {"enabled": False, "rescoreLimit": -1, "cache": False, "bits": 8}}
DYNAMIC = {"distance": "cosine", "threshold": 10000, "hnsw": HNSW, "flat": FLAT}
INDEX_DEFAULTS = {"hnsw": HNSW, "flat": FLAT, "dynamic": DYNAMIC}
BM25 = {"b": 0.75, "k1": 1.2}
INVERTED = {"bm25": BM25, "cleanupIntervalSeconds": 60,
            "stopwords": {"preset": "en", "additions": [], "removals": []}, "stopwordPresets": {},
            "indexTimestamps": False, "indexNullState": False, "indexPropertyLength": False,
            "usingBlockMaxWAND": True}
# Blocks the server takes whole: a key a request leaves out of one it gives becomes zero (bm25
# {k1: 1.5} alone stores b 0), so a block a file gives in part is sent with the defaults of the rest.
WHOLE_BLOCKS = {("invertedIndexConfig", "bm25"): BM25}
REPLICATION = {"factor": 1, "asyncEnabled": False, "deletionStrategy": "TimeBasedResolution"}
SHARDING = {"desiredCount": 1}
MULTI_TENANCY = {"enabled": False, "autoTenantCreation": False, "autoTenantActivation": False}
OBJECT_TTL = {"enabled": False, "deleteOn": "", "defaultTtl": 0, "filterExpiredObjects": False}
TEXT_ANALYZER = {"asciiFold": False, "asciiFoldIgnore": [], "stopwordPreset": ""}


def property_defaults(data_type: str) -> dict:
    text = data_type in TEXT_TYPES
    defaults: dict[str, object] = {"indexFilterable": True, "indexSearchable": text, "indexRangeFilters": False}
    if text:
        defaults["tokenization"] = "word"
    return defaults


def canonical(collection: Collection, async_from_factor: bool = True) -> dict:
    """Fully explicit, JSON-like form: properties and vectors keyed by name, lists for types.
    `async_from_factor`: the server derives asyncEnabled from the replication factor (versions.py)."""
    c = collection.model_dump(mode="json", exclude_none=True, exclude={"renamedFrom"})
    per_property = vectorizer_modules(collection)
    c["properties"] = {p["name"]: _property(p, per_property) for p in c.get("properties", [])}
    if "vectors" in c:
        c["vectors"] = {name: _named_vector(v) for name, v in c["vectors"].items()}
    else:
        c["vectorizer"] = _vectorizer(c.get("vectorizer") or {"module": "none"})
        c["vectorIndexType"] = c.get("vectorIndexType", "hnsw")
        c["vectorIndexConfig"] = _index(c["vectorIndexType"], c.get("vectorIndexConfig", {}),
                                        c["vectorizer"]["module"])
    c["invertedIndexConfig"] = merged(INVERTED, c.get("invertedIndexConfig", {}))
    replication = merged(REPLICATION, c.get("replicationConfig", {}))
    # from v1.38 the server derives async replication from the factor (a PUT of another value
    # answers 200 and changes nothing): on once there is more than one replica, whatever a file says
    if async_from_factor:
        replication["asyncEnabled"] = replication["factor"] > 1
    c["replicationConfig"] = replication
    c["multiTenancyConfig"] = merged(MULTI_TENANCY, c.get("multiTenancyConfig", {}))
    if c["multiTenancyConfig"]["enabled"]:
        c.pop("shardingConfig", None)  # the server reports zeros; tenants are the shards
    else:
        c["shardingConfig"] = merged(SHARDING, c.get("shardingConfig", {}))
    ttl = merged(OBJECT_TTL, c.get("objectTtlConfig", {}))
    # switched off, the server keeps the old deleteOn and defaultTtl: they mean nothing then
    c["objectTtlConfig"] = ttl if ttl["enabled"] else dict(OBJECT_TTL)
    for block in modules.BLOCKS:
        c.setdefault(block, {})
    c.setdefault("description", "")
    return c


def generic_defaults_aside(live: dict, desired: dict) -> dict:
    """`live` (canonical) without the settings of generic module blocks that the file does not
    mention: schemactl has no table of what such a module fills in, so a key only the server
    has is taken for one of its defaults, not for drift. Keys the file sets are compared."""
    out = _per_vector(live, desired, "vectorizer", _aside)
    for block in modules.BLOCKS:
        out[block] = _aside(live.get(block) or {}, desired.get(block) or {})
    return out


def _per_vector(live: dict, desired: dict, key: str, aside) -> dict:
    """`live` with `aside(live's, desired's)` laid over `key` (vectorizer, vectorIndexConfig) of
    each vector both sides have: every named vector, or the collection's single one."""
    out = dict(live)
    if "vectors" in live and "vectors" in desired:
        out["vectors"] = {n: ({**v, key: aside(v[key], desired["vectors"][n][key])} if n in desired["vectors"] else v)
                          for n, v in live["vectors"].items()}
    elif key in live and key in desired:
        out[key] = aside(live[key], desired[key])
    return out


# Settings a server chooses for a collection created without them, from its own configuration
# (distance: DEFAULT_VECTOR_DISTANCE_METRIC; shards: DEFAULT_SHARDING_COUNT, else one per node).
# `*` stands for a named vector. As Terraform does for settings a provider computes, a file that
# leaves one out keeps whatever the collection has: removing `distance: dot` from a file changes
# nothing; `distance: cosine` does. (The index type and the replication factor are taken into
# the desired collection itself: from_server.)
SERVER_CHOSEN = (
    *((*vector, "vectorIndexConfig", *index, "distance")
      for vector in ((), ("vectors", "*")) for index in ((), ("hnsw",), ("flat",))),
    ("shardingConfig", "desiredCount"),
)


def from_server(live: Collection, desired: Collection) -> Collection:
    """`desired` with what the server chose where the file leaves the choice to it, for the
    settings a new version must then state: the index type (stated_index_type; the server's
    DEFAULT_VECTOR_INDEX) and the replication factor (REPLICATION_MINIMUM_FACTOR), which the
    copy's replica checks go by."""
    return _factor_from_server(live, _index_type_from_server(live, desired))


def _factor_from_server(live: Collection, desired: Collection) -> Collection:
    stated = desired.replicationConfig.factor if desired.replicationConfig else None
    if stated is not None or live.replication_factor == desired.replication_factor:
        return desired
    config = desired.replicationConfig or ReplicationConfig()
    return desired.model_copy(update={"replicationConfig": config.model_copy(update={"factor": live.replication_factor})})


def _index_type_from_server(live: Collection, desired: Collection) -> Collection:
    if desired.vectors is None and live.vectors is None:
        if stated_index_type(desired.vectorIndexType, desired.vectorIndexConfig) is None and live.vectorIndexType:
            return desired.model_copy(update={"vectorIndexType": live.vectorIndexType})
        return desired
    if desired.vectors is None or live.vectors is None:
        return desired
    vectors = {}
    for name, vector in desired.vectors.items():
        before = live.vectors.get(vector.renamedFrom or name) or live.vectors.get(name)
        if before is not None and before.vectorIndexType \
                and stated_index_type(vector.vectorIndexType, vector.vectorIndexConfig) is None:
            vector = vector.model_copy(update={"vectorIndexType": before.vectorIndexType})
        vectors[name] = vector
    return desired.model_copy(update={"vectors": vectors})


def server_chosen_aside(live: dict, desired: dict, stated: dict) -> dict:
    """`live` (canonical) with each SERVER_CHOSEN setting that the file leaves unset (absent from
    `stated`, the file as written) taken as the file's own: the server chose it, and a new version
    made from the file gets the same choice, so it is no drift (a cluster of three nodes gives a
    collection three shards unless its file says otherwise)."""
    out = live
    for path in SERVER_CHOSEN:
        for concrete in _expanded(path, live, desired):
            if get_path(stated, concrete) is None and get_path(desired, concrete) is not None \
                    and get_path(live, concrete) is not None:
                out = _set(out, concrete, get_path(desired, concrete))
    return out


def _expanded(path: tuple[str, ...], live: dict, desired: dict) -> list[tuple[str, ...]]:
    if "*" not in path:
        return [path]
    at = path.index("*")
    names = set(get_path(live, path[:at]) or {}) & set(get_path(desired, path[:at]) or {})
    return [path[:at] + (name,) + path[at + 1:] for name in sorted(names)]


def get_path(data: Any, path: Iterable) -> Any:
    """The value at `path` (keys) in nested dicts; None where it is missing."""
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _set(data: dict, path: tuple[str, ...], value) -> dict:
    """A copy of `data` with `value` at `path` (the dicts on the way copied, the rest shared)."""
    head, *rest = path
    return {**data, head: _set(data[head], tuple(rest), value) if rest else value}


def server_quantization_aside(live: dict, desired: dict) -> dict:
    """`live` (canonical) with a quantizer the server turned on by itself (its DEFAULT_QUANTIZATION:
    trackDefaultQuantization true) taken as the file's own when the file leaves quantization to
    the server (no quantizer on, skipDefaultQuantization off): a new version made from the file
    gets the same default. trackDefaultQuantization is the server's record, fixed at creation (a
    PUT keeps it as it was), so it is never compared."""
    return _per_vector(live, desired, "vectorIndexConfig", _index_aside)


def _index_aside(live: dict, desired: dict) -> dict:
    if "hnsw" in live and "flat" in live and "hnsw" in desired and "flat" in desired:  # dynamic
        return {**live, **{kind: _index_aside(live[kind], desired[kind]) for kind in ("hnsw", "flat")}}
    if "trackDefaultQuantization" not in live or "trackDefaultQuantization" not in desired:
        return live
    out = {**live, "trackDefaultQuantization": desired["trackDefaultQuantization"]}
    left_to_server = not desired.get("skipDefaultQuantization") and not any(
        (desired.get(q) or {}).get("enabled") for q in QUANTIZERS)
    if live["trackDefaultQuantization"] and left_to_server:
        # whole: the server sets its default quantizer's settings itself (RQ's rescoreLimit among
        # them), so settings a file gives a quantizer it does not turn on never reach it
        out.update({q: desired[q] for q in QUANTIZERS if q in desired})
    return out


def _aside(live: dict, desired: dict) -> dict:
    if not live or live.get("module") != desired.get("module") or modules.get(str(live["module"])).typed:
        return live
    return {k: v for k, v in live.items() if k in desired}


def minimal(collection: Collection, async_from_factor: bool = True) -> Collection:
    """The same collection with every value that equals the server default left out
    (`async_from_factor`: as canonical)."""
    full = canonical(collection, async_from_factor)
    defaults = canonical(Collection.model_validate(_skeleton(collection), strict=False), async_from_factor)
    data = _without_defaults(full, defaults)
    data["name"] = collection.name
    data["properties"] = [_minimal_property(p, collection) for p in full["properties"].values()]
    if "vectors" in full:
        data["vectors"] = {n: {**_without_defaults(v, _named_vector(_vector_skeleton(v))),
                               "vectorizer": _minimal_vectorizer(v["vectorizer"])}
                           for n, v in full["vectors"].items()}
        for name, vector in full["vectors"].items():
            _keep_shape(data["vectors"][name], vector)
    else:
        data["vectorizer"] = _minimal_vectorizer(full["vectorizer"])
        _keep_shape(data, full)
    if full["multiTenancyConfig"]["enabled"]:
        data.setdefault("multiTenancyConfig", {})["enabled"] = True
    return Collection.model_validate(_prune_empty(data), strict=False)


# ---- helpers --------------------------------------------------------------------------------

def merged(defaults: dict, values: dict) -> dict:
    """`defaults` overlaid with `values`, recursively (dicts merge, anything else replaces).
    `defaults` is copied; `values` is taken over as it is (callers pass data they own)."""
    return _overlaid(_copied(defaults), values)


def _overlaid(base: dict, values: dict) -> dict:
    """`values` laid over `base`, which is changed in place (callers pass a fresh one)."""
    for key, value in values.items():
        base[key] = merged(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) \
            else value
    return base


def _copied(value):
    """A copy of JSON-like data (much cheaper than copy.deepcopy, which it replaces here)."""
    if isinstance(value, dict):
        return {k: _copied(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copied(v) for v in value]
    return value


# schemactl's own keys in a file, never sent to the server: how data moves, not what is stored
MOVE_KEYS = ("renamedFrom", "onConvertError")


def _property(p: dict, per_property: list[str]) -> dict:
    types = [p["dataType"]] if isinstance(p["dataType"], str) else list(p["dataType"])
    out = _overlaid(property_defaults(types[0]), {k: v for k, v in p.items() if k not in MOVE_KEYS})
    out["dataType"] = types
    out.setdefault("description", "")
    out["textAnalyzer"] = merged(TEXT_ANALYZER, p.get("textAnalyzer", {}))
    if "nestedProperties" in p:
        out["nestedProperties"] = {n["name"]: _property(n, []) for n in p["nestedProperties"]}
    # each module gets the property's settings over its own defaults (they differ by module)
    out["vectorizer"] = {m: {**property_settings_defaults(m), **p.get("vectorizer", {})} for m in per_property}
    if not per_property:
        out.pop("vectorizer")
    return out


def property_settings_defaults(module: str) -> dict:
    return dict(modules.get(module).property_defaults)


def collapse_property_settings(per_module: dict[str, dict]) -> dict:
    """One property's per-module settings as the single block a file has: a setting is written
    when some module holds a value other than its default; all modules must then agree."""
    out = {}
    for key in ("skip", "vectorizePropertyName"):
        values = {m: s.get(key, property_settings_defaults(m)[key]) for m, s in per_module.items()}
        if all(v == property_settings_defaults(m)[key] for m, v in values.items()):
            continue
        if len(set(values.values())) > 1:
            raise SchemactlError(f"{key} differs between its modules ("
                                 + ", ".join(f"{m}: {v}" for m, v in sorted(values.items())) + ")")
        out[key] = next(iter(values.values()))
    return out


def _vectorizer(v: dict) -> dict:
    return merged(modules.get(v["module"]).file_defaults(), v)


def _named_vector(v: dict) -> dict:
    kind = v.get("vectorIndexType", "hnsw")
    module = v["vectorizer"]["module"]
    out = {"vectorizer": _vectorizer(v["vectorizer"]), "vectorIndexType": kind,  # renamedFrom left out
           "vectorIndexConfig": _index(kind, v.get("vectorIndexConfig", {}), module)}
    if "sourceProperties" in v:
        out["sourceProperties"] = sorted(v["sourceProperties"])
    return out


def _index(kind: str, config: dict, module: str = "none") -> dict:
    defaults = INDEX_DEFAULTS[kind]
    if modules.get(module).multivector and kind == "hnsw":  # the server turns multivector on for them
        defaults = merged(defaults, {"multivector": {"enabled": True}})
    return merged(defaults, config)


def _skeleton(c: Collection) -> dict:
    """The smallest collection of the same shape: its defaults are what `minimal` removes."""
    data: dict = {"name": c.name}
    if c.vectors is not None:
        data["vectors"] = {n: {"vectorizer": {"module": "none"}} for n in c.vectors}
    elif c.vectorIndexType:
        data["vectorIndexType"] = c.vectorIndexType
    if c.multi_tenant:
        data["multiTenancyConfig"] = {"enabled": True}
    return data


def _vector_skeleton(v: dict) -> dict:
    return {"vectorizer": {"module": v["vectorizer"]["module"]}, "vectorIndexType": v["vectorIndexType"]}


def _keep_shape(out: dict, full: dict) -> None:
    """The index type decides which defaults apply, so a non-default one is always written."""
    if full["vectorIndexType"] != "hnsw":
        out["vectorIndexType"] = full["vectorIndexType"]


def _minimal_vectorizer(full: dict) -> dict:
    """A vectorizer without default-valued settings; module and model selection always stay."""
    return {**_without_defaults(full, modules.get(full["module"]).file_defaults()), "module": full["module"]}


def _minimal_property(p: dict, c: Collection) -> dict:
    out = _without_defaults({k: v for k, v in p.items() if k != "vectorizer"},
                            {**property_defaults(p["dataType"][0]), "description": "",
                             "textAnalyzer": TEXT_ANALYZER})
    settings = collapse_property_settings(p.get("vectorizer", {}))
    if settings:
        out["vectorizer"] = settings
    out["name"] = p["name"]
    out["dataType"] = p["dataType"][0] if len(p["dataType"]) == 1 else p["dataType"]
    if "nestedProperties" in p:
        out["nestedProperties"] = [_minimal_property(n, c) for n in p["nestedProperties"].values()]
    return out


def _without_defaults(values: dict, defaults: dict) -> dict:
    out = {}
    for key, value in values.items():
        default = defaults.get(key, _MISSING)
        if isinstance(value, dict) and isinstance(default, dict):
            inner = _without_defaults(value, default)
            if inner:
                out[key] = inner
        elif value != default:
            out[key] = value
    return out


def _prune_empty(value):
    if isinstance(value, dict):
        return {k: _prune_empty(v) for k, v in value.items() if v not in ({}, None)}
    if isinstance(value, list):
        return [_prune_empty(v) for v in value]
    return value


_MISSING = object()


def stated(collection: Collection, settings: Iterable[tuple[str, Any]]) -> Collection:
    """`collection` with each (canonical dotted path, value) written into it: a setting a file
    leaves at its default stated, so that an update sends it instead of leaving the server's
    value. A path the file format cannot hold is left out (the caller checks what the server kept)."""
    data = collection.model_dump(mode="json", exclude_none=True)
    for path, value in settings:
        if value is None:
            continue
        candidate = _copied(data)
        if _put(candidate, path.split("."), value):
            try:
                _parsed(candidate)
            except ValueError:
                continue
            data = candidate
    return _parsed(data)


def _parsed(data: dict) -> Collection:
    return Collection.model_validate_json(json.dumps(data))  # JSON mode: lists are arrays


def _put(data: dict, path: list[str], value: Any) -> bool:
    """Write `value` at canonical `path` in a file's form (properties a list, keyed here by
    name); False where the form has no place for it."""
    head, *rest = path
    if not rest:
        data[head] = value
        return True
    child = data.get(head)
    if head in ("properties", "nestedProperties"):
        found = next((p for p in child or [] if p.get("name") == rest[0]), None)
        return found is not None and len(rest) > 1 and _put(found, rest[1:], value)
    if child is None:
        child = data[head] = {}
    return isinstance(child, dict) and _put(child, rest, value)
