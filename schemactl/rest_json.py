"""Weaviate's REST class JSON and the spec type, both ways: `to_rest` gives what POST /v1/schema
takes; `from_rest` reads a live class back into the spec type, or names why it cannot be.

Nothing the server reports is dropped without a check: every key is either read into the spec,
known to be filled in by the server at a value that means nothing, or named as unmodelled, and
then the collection is listed as one schemactl cannot manage (never pulled with settings lost).
"""
from __future__ import annotations

from pydantic import ValidationError

from . import modules
from .errors import SchemactlError
from .modules import huggingface
from .normalize import WHOLE_BLOCKS, collapse_property_settings
from .redact import url_credentials
from .spec import (Collection, Model, NamedVector, NestedProperty, Property, stated_index_type,
                   vectorizer_modules)


class Unrepresentable(SchemactlError):
    """The class holds something the spec cannot say."""


def from_rest(body: dict, *, logical_name: str | None = None,
              logical_names: dict[str, str] | None = None) -> Collection:
    """The spec of a live class, every server-filled value kept (normalize.py strips defaults).

    Weaviate refuses cross-references to an alias, so references name physical collections;
    `logical_names` (physical -> alias) turns them back into the names the files use.
    Raises Unrepresentable when the class holds something the spec cannot say."""
    unmodelled = unmodelled_fields(body)
    if unmodelled:
        raise Unrepresentable("settings schemactl does not model yet: " + ", ".join(unmodelled[:6])
                              + (f" and {len(unmodelled) - 6} more" if len(unmodelled) > 6 else ""))
    secret = next(url_credentials(body), None)
    if secret is not None:  # a file cannot hold it (validate refuses), nor may a pulled file or a plan
        where, what = secret
        raise Unrepresentable(f"{'.'.join(map(str, where))} is a URL with {what} in it, which schemactl never "
                              "writes to a file: send the credential as a request header instead (HUGGINGFACE_APIKEY, "
                              "--header NAME=VALUE)")
    data = _collection(body, logical_name or body["class"], logical_names or {})
    try:
        return Collection.model_validate(_drop_none(data), strict=False)
    except ValidationError as error:
        raise Unrepresentable(_why(error)) from None


def multi_tenant_json(body: dict) -> bool:
    """Whether a class's REST JSON has multi-tenancy on."""
    return bool((body.get("multiTenancyConfig") or {}).get("enabled"))


def _collection(body: dict, name: str, logical_names: dict[str, str]) -> dict:
    multi_tenant = multi_tenant_json(body)
    module_config = body.get("moduleConfig") or {}
    data: dict = {"name": name, "description": body.get("description")}
    per_property = _per_property_modules(body)
    data["properties"] = [_property(p, per_property, logical_names) for p in body.get("properties") or []]
    if body.get("vectorConfig"):
        data["vectors"] = {n: _named_vector(v) for n, v in body["vectorConfig"].items()}
    else:
        module = body.get("vectorizer") or "none"
        data["vectorizer"] = _vectorizer(module, module_config.get(module) or {})
        data["vectorIndexType"] = body.get("vectorIndexType")
        if body.get("vectorIndexConfig"):
            data["vectorIndexConfig"] = _index_config(body.get("vectorIndexType") or "hnsw", body["vectorIndexConfig"])
    for block in modules.BLOCKS:
        found = [m for m in module_config if modules.get(m).kind == block]
        if found:
            data[block] = {"module": found[0], **(module_config[found[0]] or {})}
    data["invertedIndexConfig"] = _inverted(body.get("invertedIndexConfig") or {})
    data["replicationConfig"] = _pick(body.get("replicationConfig"), ("factor", "asyncEnabled", "deletionStrategy"))
    if not multi_tenant:  # a multi-tenant class reports an all-zero sharding config
        data["shardingConfig"] = _pick(body.get("shardingConfig"), ("desiredCount",))
    data["multiTenancyConfig"] = _pick(body.get("multiTenancyConfig"),
                                       ("enabled", "autoTenantCreation", "autoTenantActivation"))
    data["objectTtlConfig"] = _pick(body.get("objectTtlConfig"),
                                    ("enabled", "deleteOn", "defaultTtl", "filterExpiredObjects"))
    return data


def _per_property_modules(body: dict) -> list[str]:
    found = [body.get("vectorizer") or "none"]
    found += [m for v in (body.get("vectorConfig") or {}).values() for m in (v.get("vectorizer") or {})]
    return sorted({m for m in found if modules.get(m).per_property})


PROPERTY_KEYS = ("name", "description", "tokenization", "indexFilterable", "indexSearchable",
                 "indexRangeFilters", "textAnalyzer")


def _property(p: dict, per_property: list[str], logical_names: dict[str, str]) -> dict:
    data = {k: p[k] for k in PROPERTY_KEYS if p.get(k) is not None}
    types = [logical_names.get(t, t) for t in p.get("dataType") or []]
    data["dataType"] = types[0] if len(types) == 1 else list(types)
    if p.get("nestedProperties"):
        data["nestedProperties"] = [_property(n, [], {}) for n in p["nestedProperties"]]
    reported = p.get("moduleConfig") or {}
    try:
        settings = collapse_property_settings({m: reported.get(m) or {} for m in per_property})
    except SchemactlError as error:
        raise Unrepresentable(f"properties.{p.get('name')}: {error}") from None
    if settings:
        data["vectorizer"] = settings
    return data


def _vectorizer(module: str, config: dict) -> dict:
    if module == huggingface.NAME:
        return {"module": module, **huggingface.from_server(config)}
    known = modules.get(module)
    ignored = {k for k, _ in known.ignored}
    return {"module": module, **{k: v for k, v in config.items() if k not in ignored and k != "properties"}}


def _named_vector(v: dict) -> dict:
    (module, config), = (v.get("vectorizer") or {"none": {}}).items()
    data: dict[str, object] = {"vectorizer": _vectorizer(module, config or {})}
    if (config or {}).get("properties"):
        data["sourceProperties"] = list(config["properties"])
    data["vectorIndexType"] = v.get("vectorIndexType")
    if v.get("vectorIndexConfig"):
        data["vectorIndexConfig"] = _index_config(v.get("vectorIndexType") or "hnsw", v["vectorIndexConfig"])
    return data


QUANTIZER_FIELDS = {"pq": ("enabled", "bitCompression", "segments", "centroids", "trainingLimit", "encoder"),
                    "bq": ("enabled", "rescoreLimit", "cache"),
                    "sq": ("enabled", "trainingLimit", "rescoreLimit"),
                    "rq": ("enabled", "bits", "rescoreLimit", "cache", "trainingLimit", "centering")}
DEFAULT_QUANTIZATION = ("skipDefaultQuantization", "trackDefaultQuantization")
INDEX_FIELDS = {
    "hnsw": ("distance", "ef", "efConstruction", "maxConnections", "dynamicEfMin", "dynamicEfMax",
             "dynamicEfFactor", "flatSearchCutoff", "vectorCacheMaxObjects", "cleanupIntervalSeconds",
             "filterStrategy", "skip", "multivector", *DEFAULT_QUANTIZATION, *QUANTIZER_FIELDS),
    "flat": ("distance", "vectorCacheMaxObjects", *DEFAULT_QUANTIZATION, "bq", "rq"),
    "dynamic": ("distance", "threshold", "hnsw", "flat"),
}


def _index_config(kind: str, config: dict) -> dict:
    data = {}
    for key in INDEX_FIELDS.get(kind, ()):
        value = config.get(key)
        if key in QUANTIZER_FIELDS and isinstance(value, dict):
            value = _pick(value, QUANTIZER_FIELDS[key])
        elif key in ("hnsw", "flat") and isinstance(value, dict):
            value = _index_config(key, value)
        if value is not None:
            data[key] = value
    return data


def _inverted(config: dict) -> dict:
    data = _pick(config, ("cleanupIntervalSeconds", "indexTimestamps", "indexNullState",
                          "indexPropertyLength", "usingBlockMaxWAND", "stopwordPresets")) or {}
    if config.get("bm25"):
        data["bm25"] = _pick(config["bm25"], ("b", "k1"))
    if config.get("stopwords"):
        data["stopwords"] = _pick(config["stopwords"], ("preset", "additions", "removals"))
    return data


# ---- what the spec does not model ---------------------------------------------------------

ANY = object()  # a leaf of any value
NAMES = "*"  # a map keyed by names (properties' modules, named vectors, stopword presets)
MUVERA = {k: ANY for k in ("enabled", "ksim", "dprojections", "repetitions")}
HNSW_SHAPE = {**{k: ANY for k in INDEX_FIELDS["hnsw"]},
              **{q: {k: ANY for k in f} for q, f in QUANTIZER_FIELDS.items()},
              "pq": {**{k: ANY for k in QUANTIZER_FIELDS["pq"]}, "encoder": {"type": ANY, "distribution": ANY}},
              "multivector": {"enabled": ANY, "aggregation": ANY, "muvera": MUVERA}}
OFF = {"enabled": False, "cache": False, "rescoreLimit": -1}  # flat pq / sq: reported, never on
FLAT_SHAPE = {**{k: ANY for k in INDEX_FIELDS["flat"]}, "bq": {k: ANY for k in QUANTIZER_FIELDS["bq"]},
              "rq": {k: ANY for k in QUANTIZER_FIELDS["rq"]}, "pq": OFF, "sq": OFF}
INDEX_SHAPES = {"hnsw": HNSW_SHAPE, "flat": FLAT_SHAPE,
                "dynamic": {"distance": ANY, "threshold": ANY, "hnsw": HNSW_SHAPE, "flat": FLAT_SHAPE}}
TEXT_ANALYZER = {"asciiFold": ANY, "asciiFoldIgnore": ANY, "stopwordPreset": ANY}
NESTED_SHAPE: dict = {k: ANY for k in ("name", "dataType", "description", "tokenization", "indexFilterable",
                                      "indexSearchable", "indexRangeFilters")}
NESTED_SHAPE.update(textAnalyzer=TEXT_ANALYZER, nestedProperties=NESTED_SHAPE)
PROPERTY_SHAPE = {**NESTED_SHAPE, "moduleConfig": {NAMES: {"skip": ANY, "vectorizePropertyName": ANY}},
                  "searchableBlockmax": True}  # reported once an index task built a searchable index
# shardingConfig keys the server manages; the ones a user could set must hold the only value schemactl writes
SHARDING = {"desiredCount": ANY, "actualCount": ANY, "actualVirtualCount": ANY, "desiredVirtualCount": ANY,
            "function": "murmur3", "key": "_id", "strategy": "hash", "virtualPerPhysical": 128}
CLASS_SHAPE = {
    "class": ANY, "description": ANY, "vectorizer": ANY, "vectorIndexType": ANY,
    "invertedIndexConfig": {"bm25": {"b": ANY, "k1": ANY}, "stopwords": {"preset": ANY, "additions": ANY, "removals": ANY},
                            "stopwordPresets": ANY, **{k: ANY for k in ("cleanupIntervalSeconds", "indexTimestamps",
                                                                         "indexNullState", "indexPropertyLength",
                                                                         "usingBlockMaxWAND")}},
    "replicationConfig": {"factor": ANY, "asyncEnabled": ANY, "deletionStrategy": ANY},
    "multiTenancyConfig": {"enabled": ANY, "autoTenantCreation": ANY, "autoTenantActivation": ANY},
    "objectTtlConfig": {"enabled": ANY, "deleteOn": ANY, "defaultTtl": ANY, "filterExpiredObjects": ANY},
}


def unmodelled_fields(body: dict) -> list[str]:
    """Dotted paths of everything in a class's REST JSON the spec cannot hold."""
    found = _unknown(body, {**CLASS_SHAPE, "properties": ANY, "vectorConfig": ANY, "moduleConfig": ANY,
                            "vectorIndexConfig": ANY, "shardingConfig": ANY}, "")
    for i, p in enumerate(body.get("properties") or []):
        found += _unknown(p, PROPERTY_SHAPE, f"properties.{p.get('name', i)}")
    if not multi_tenant_json(body):
        found += _unknown(body.get("shardingConfig") or {}, SHARDING, "shardingConfig")
    module_config = body.get("moduleConfig") or {}
    legacy = body.get("vectorizer") or "none"
    if body.get("vectorConfig"):
        if legacy != "none" or body.get("vectorIndexConfig"):
            found.append("vectorizer (a single vector next to named vectors)")
        for name, vector in body["vectorConfig"].items():
            found += _named_vector_unknown(vector, f"vectorConfig.{name}")
    else:
        found += _module_unknown(legacy, module_config.get(legacy) or {}, f"moduleConfig.{legacy}")
        kind = body.get("vectorIndexType") or "hnsw"
        found += _unknown(body.get("vectorIndexConfig") or {}, INDEX_SHAPES.get(kind, {}), "vectorIndexConfig")
    found += _module_config_unknown(module_config, legacy if not body.get("vectorConfig") else None)
    return found


def _named_vector_unknown(vector: dict, where: str) -> list[str]:
    found = _unknown(vector, {"vectorizer": ANY, "vectorIndexType": ANY, "vectorIndexConfig": ANY}, where)
    for module, config in (vector.get("vectorizer") or {}).items():
        found += _module_unknown(module, config or {}, f"{where}.vectorizer.{module}", named=True)
    kind = vector.get("vectorIndexType") or "hnsw"
    found += _unknown(vector.get("vectorIndexConfig") or {}, INDEX_SHAPES.get(kind, {}), f"{where}.vectorIndexConfig")
    return found


def _module_unknown(module: str, config: dict, where: str, named: bool = False) -> list[str]:
    known = modules.get(module)
    if not known.typed:
        return []  # a generic block: every key is kept verbatim
    allowed = {s.name for s in known.settings} | ({"properties"} if named else set())
    ignored = dict(known.ignored)
    found = []
    for key, value in config.items():
        if key in ignored:
            if ignored[key] is not None and value != ignored[key]:
                found.append(f"{where}.{key}")
        elif key not in allowed:
            found.append(f"{where}.{key}")
    return found


def _module_config_unknown(module_config: dict, legacy: str | None) -> list[str]:
    """Collection-level module config: the single vector's module, one block of each kind."""
    found, seen = [], set()
    for name in module_config:
        kind = modules.get(name).kind if name in modules.MODULES else "other"
        if name == legacy or (kind in modules.BLOCKS and kind not in seen):
            seen.add(kind)
            continue
        found.append(f"moduleConfig.{name}")
    return found


def _unknown(value: object, shape: object, where: str) -> list[str]:
    if shape is ANY:
        return []
    if not isinstance(shape, dict):  # a fixed value the server fills in
        return [] if value == shape or value is None else [where]
    if isinstance(value, list):  # a list of things of one shape (nested properties)
        return [f for i, item in enumerate(value) for f in _unknown(item, shape, f"{where}.{i}")]
    if not isinstance(value, dict):
        return [] if value is None else [where]
    found = []
    for key, inner in value.items():
        path = f"{where}.{key}" if where else key
        sub = shape.get(key, shape.get(NAMES))
        if sub is None:
            if inner not in (None, False, "", [], {}):  # omitted-empty values mean nothing
                found.append(path)
            continue
        found += _unknown(inner, sub, path)
    return found


def _why(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    context = first.get("ctx") or {}
    if first["type"] == "union_tag_invalid":
        why = f"module {context.get('tag')} is not one schemactl knows"
    else:
        why = str(first["msg"])
    return f"{where}: {why}" if where else why


def _pick(source: dict | None, keys: tuple[str, ...]) -> dict | None:
    if not source:
        return None
    picked = {k: source[k] for k in keys if source.get(k) is not None}
    return picked or None


def _drop_none(value):
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


# ---- the spec type -> REST JSON ------------------------------------------------------------

def to_rest(collection: Collection) -> dict:
    """The exact REST class JSON for `collection`; unset fields are left to the server."""
    c = collection
    body: dict = {"class": c.name}  # renamedFrom is schemactl's own: never sent
    _put(body, "description", c.description)
    modules = vectorizer_modules(c)
    body["properties"] = [property_to_rest(p, modules) for p in c.properties]
    module_config: dict = {}
    if c.vectors is not None:
        body["vectorConfig"] = {name: named_vector_to_rest(v) for name, v in c.vectors.items()}
    else:
        # none when the file names no vectorizer, as its plan says: a server's DEFAULT_VECTORIZER_MODULE
        # would otherwise choose one (and embed, with whatever model that module defaults to)
        body["vectorizer"] = c.vectorizer.module if c.vectorizer is not None else "none"
        if c.vectorizer is not None and c.vectorizer.module != "none":
            module_config[c.vectorizer.module] = _module_settings(c.vectorizer)
        _put(body, "vectorIndexType", stated_index_type(c.vectorIndexType, c.vectorIndexConfig))
        _put(body, "vectorIndexConfig", _dump(c.vectorIndexConfig))
    for block in (c.generative, c.reranker, c.qna):
        if block is not None:
            module_config[block.module] = _module_settings(block)
    _put(body, "moduleConfig", module_config or None)
    for key in ("invertedIndexConfig", "replicationConfig", "shardingConfig", "multiTenancyConfig",
                "objectTtlConfig"):
        _put(body, key, _dump(getattr(c, key)))
    return _whole_blocks(body)


def _whole_blocks(body: dict) -> dict:
    """`body` with each block the server takes whole (WHOLE_BLOCKS) that it gives in part completed
    with the defaults of the keys it leaves out."""
    for (key, block), defaults in WHOLE_BLOCKS.items():
        given = (body.get(key) or {}).get(block)
        if given is not None:
            body[key][block] = {**defaults, **given}
    return body


def property_to_rest(p: NestedProperty, modules: list[str]) -> dict:
    """One property's REST JSON; per-property vectorizer settings go to each of `modules`."""
    body: dict = {"name": p.name, "dataType": list(p.data_types)}
    for key in ("description", "tokenization", "indexFilterable", "indexSearchable", "indexRangeFilters"):
        _put(body, key, getattr(p, key))
    _put(body, "textAnalyzer", _dump(p.textAnalyzer))
    if p.nestedProperties is not None:
        body["nestedProperties"] = [property_to_rest(n, []) for n in p.nestedProperties]
    vectorization = p.vectorizer if isinstance(p, Property) else None
    if vectorization is not None and modules:
        settings = _dump(vectorization)
        if settings:
            body["moduleConfig"] = {m: dict(settings) for m in modules}
    return body


def named_vector_to_rest(v: NamedVector) -> dict:
    settings = _module_settings(v.vectorizer) or {}
    if v.sourceProperties is not None:
        settings["properties"] = list(v.sourceProperties)
    body: dict = {"vectorizer": {v.vectorizer.module: settings}}
    _put(body, "vectorIndexType", stated_index_type(v.vectorIndexType, v.vectorIndexConfig))
    _put(body, "vectorIndexConfig", _dump(v.vectorIndexConfig))
    return body


def _module_settings(block: Model) -> dict:
    """A module block's settings as the server takes them (generic keys as written)."""
    return modules.to_server(block.module, _dump(block, exclude={"module"}) or {})  # type: ignore[attr-defined]


def _dump(model: Model | None, exclude: set[str] | None = None) -> dict | None:
    if model is None:
        return None
    return model.model_dump(mode="json", exclude_none=True, exclude=exclude)


def _put(body: dict, key: str, value) -> None:
    if value is not None:
        body[key] = value
