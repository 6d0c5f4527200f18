"""Server defaults (Weaviate v1.39.0, pinned by tests) filled in or stripped, on both sides alike.

`canonical()` turns a Collection into a fully explicit dict — what the server would report — so the
differ never special-cases defaults. `minimal()` is the reverse, for `pull`.
"""
from __future__ import annotations

from .rest import vectorizer_modules
from .spec import TEXT_TYPES, Collection

HF = "text2vec-huggingface"
QUANTIZERS_HNSW = {
    "pq": {"enabled": False, "bitCompression": False, "segments": 0, "centroids": 256,
           "trainingLimit": 100000, "encoder": {"type": "kmeans", "distribution": "log-normal"}},
    "bq": {"enabled": False},
    "sq": {"enabled": False, "trainingLimit": 100000, "rescoreLimit": 20},
    "rq": {"enabled": False, "bits": 8, "rescoreLimit": 20},
}
HNSW = {"distance": "cosine", "ef": -1, "efConstruction": 128, "maxConnections": 32,
        "dynamicEfMin": 100, "dynamicEfMax": 500, "dynamicEfFactor": 8, "flatSearchCutoff": 40000,
        "vectorCacheMaxObjects": 1000000000000, "cleanupIntervalSeconds": 300,
        "filterStrategy": "acorn", "skip": False, **QUANTIZERS_HNSW}
FLAT = {"distance": "cosine", "vectorCacheMaxObjects": 1000000000000,
        "bq": {"enabled": False, "rescoreLimit": -1, "cache": False},
        "rq": {"enabled": False, "rescoreLimit": -1, "cache": False, "bits": 8}}
DYNAMIC = {"distance": "cosine", "threshold": 10000, "hnsw": HNSW, "flat": FLAT}
INDEX_DEFAULTS = {"hnsw": HNSW, "flat": FLAT, "dynamic": DYNAMIC}
HF_DEFAULTS = {"vectorizeClassName": True,
               "options": {"waitForModel": False, "useGPU": False, "useCache": True}}
INVERTED = {"bm25": {"b": 0.75, "k1": 1.2}, "cleanupIntervalSeconds": 60,
            "stopwords": {"preset": "en", "additions": [], "removals": []},
            "indexTimestamps": False, "indexNullState": False, "indexPropertyLength": False,
            "usingBlockMaxWAND": True}
REPLICATION = {"factor": 1, "asyncEnabled": False, "deletionStrategy": "TimeBasedResolution"}
SHARDING = {"desiredCount": 1}
MULTI_TENANCY = {"enabled": False, "autoTenantCreation": False, "autoTenantActivation": False}
PROPERTY_VECTORIZATION = {"skip": False, "vectorizePropertyName": False}


def property_defaults(data_type: str) -> dict:
    text = data_type in TEXT_TYPES
    defaults: dict[str, object] = {"indexFilterable": True, "indexSearchable": text, "indexRangeFilters": False}
    if text:
        defaults["tokenization"] = "word"
    return defaults


def canonical(collection: Collection) -> dict:
    """Fully explicit, JSON-like form: properties and vectors keyed by name, lists for types."""
    c = collection.model_dump(mode="json", exclude_none=True, exclude={"renamedFrom"})
    uses_module = bool(vectorizer_modules(collection))
    c["properties"] = {p["name"]: _property(p, uses_module) for p in c.get("properties", [])}
    if "vectors" in c:
        c["vectors"] = {name: _named_vector(v) for name, v in c["vectors"].items()}
    else:
        c["vectorizer"] = _vectorizer(c.get("vectorizer") or {"module": "none"})
        c["vectorIndexType"] = c.get("vectorIndexType", "hnsw")
        c["vectorIndexConfig"] = _index(c["vectorIndexType"], c.get("vectorIndexConfig", {}))
    c["invertedIndexConfig"] = merged(INVERTED, c.get("invertedIndexConfig", {}))
    replication = c.get("replicationConfig", {})
    # The server turns async replication on by itself once there is more than one replica.
    c["replicationConfig"] = merged({**REPLICATION, "asyncEnabled": replication.get("factor", 1) > 1},
                                    replication)
    c["multiTenancyConfig"] = merged(MULTI_TENANCY, c.get("multiTenancyConfig", {}))
    if c["multiTenancyConfig"]["enabled"]:
        c.pop("shardingConfig", None)  # the server reports zeros; tenants are the shards
    else:
        c["shardingConfig"] = merged(SHARDING, c.get("shardingConfig", {}))
    c.setdefault("description", "")
    return c


def minimal(collection: Collection) -> Collection:
    """The same collection with every value that equals the server default left out."""
    full = canonical(collection)
    defaults = canonical(Collection.model_validate(_skeleton(collection), strict=False))
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


def _property(p: dict, uses_module: bool) -> dict:
    types = [p["dataType"]] if isinstance(p["dataType"], str) else list(p["dataType"])
    out = _overlaid(property_defaults(types[0]), p)
    out["dataType"] = types
    out.setdefault("description", "")
    if "nestedProperties" in p:
        out["nestedProperties"] = {n["name"]: _property(n, False) for n in p["nestedProperties"]}
    if uses_module:
        out["vectorizer"] = {**PROPERTY_VECTORIZATION, **p.get("vectorizer", {})}  # flat: no deep merge
    else:
        out.pop("vectorizer", None)
    return out


def _vectorizer(v: dict) -> dict:
    return merged(HF_DEFAULTS, v) if v["module"] == HF else dict(v)


def _named_vector(v: dict) -> dict:
    kind = v.get("vectorIndexType", "hnsw")
    out = {"vectorizer": _vectorizer(v["vectorizer"]), "vectorIndexType": kind,
           "vectorIndexConfig": _index(kind, v.get("vectorIndexConfig", {}))}
    if "sourceProperties" in v:
        out["sourceProperties"] = sorted(v["sourceProperties"])
    return out


def _index(kind: str, config: dict) -> dict:
    return merged(INDEX_DEFAULTS[kind], config)


def _skeleton(c: Collection) -> dict:
    """The smallest collection of the same shape: its defaults are what `minimal` removes."""
    data: dict = {"name": c.name}
    if c.vectors is not None:
        data["vectors"] = {n: {"vectorizer": {"module": "none"}} for n in c.vectors}
    elif c.vectorIndexType:
        data["vectorIndexType"] = c.vectorIndexType
    if c.multiTenancyConfig and c.multiTenancyConfig.enabled:
        data["multiTenancyConfig"] = {"enabled": True}
    return data


def _vector_skeleton(v: dict) -> dict:
    return {"vectorizer": {"module": "none"}, "vectorIndexType": v["vectorIndexType"]}


def _keep_shape(out: dict, full: dict) -> None:
    """The index type decides which defaults apply, so a non-default one is always written."""
    if full["vectorIndexType"] != "hnsw":
        out["vectorIndexType"] = full["vectorIndexType"]


def _minimal_vectorizer(full: dict) -> dict:
    """A vectorizer without default-valued settings; module and model selection always stay."""
    rest = _without_defaults(full, HF_DEFAULTS) if full["module"] == HF else {}
    return {"module": full["module"], **rest}


def _minimal_property(p: dict, c: Collection) -> dict:
    out = _without_defaults(p, {**property_defaults(p["dataType"][0]), "description": "",
                                "vectorizer": PROPERTY_VECTORIZATION})
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
