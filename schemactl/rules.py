"""Rules that look across fields, properties and files: what JSON Schema cannot say.

Each rule takes a validated Collection and yields (location, message) pairs; locations are
document paths such as ("properties", 2, "tokenization").
"""
from __future__ import annotations

from collections.abc import Iterator

from . import modules, versions
from .owned import is_owned
from .spec import (INDEX_KEYS, TIMESTAMPS, MAX_COLLECTION_NAME, OBJECT_TYPES, PRIMITIVE_TYPES, RANGE_TYPES, SOURCE_TYPES,
                   TEXT_TYPES, WEAVIATE_NAME_LIMIT, Collection, HuggingFaceVectorizer, NamedVector, NestedProperty,
                   VectorIndexConfig, Vectorizer)

Issue = tuple[tuple, str]
_CLIENT_REFUSES = ("weaviate-client refuses to insert an object with a value for it (\"It is forbidden to insert "
                   "`id` or `vector` inside properties\"): applications cannot write it, and every copy into a new "
                   "version would fail")
# Top-level property names refused, and why: Weaviate's own (entities/schema/validation.go), and
# the names weaviate-client refuses in an object's properties (batch/grpc_batch.py _validate_props).
RESERVED_PROPERTY_NAMES = {"_additional": "Weaviate reserves it", "_id": "Weaviate reserves it",
                           "id": "Weaviate reserves it", "vector": _CLIENT_REFUSES}
# weaviate-client refuses `vector` at any depth, `id` only at the top.
RESERVED_NESTED_PROPERTY_NAMES = {"vector": _CLIENT_REFUSES}
# Endings Weaviate keeps for the indexes it names after a property (it refuses to create such a property).
RESERVED_PROPERTY_SUFFIXES = ("_searchable", "_rangeable", "_temp", "__meta_count", "_propertyLength", "_nullState")

BUILT_IN_STOPWORD_PRESETS = ("en", "none")


def check_collection(c: Collection, known_collections: set[str] | None = None,
                     renamed: dict[str, str] | None = None) -> Iterator[Issue]:
    """Every cross-field problem in one collection; references checked when names are known
    (`renamed`: old name -> the collection the files rename from it)."""
    too_long = name_too_long(c.name)
    if too_long:
        yield ("name",), too_long
    if is_owned(c.name):
        yield ("name",), f"{c.name} is a collection schemactl keeps its own records in: choose another name"
    yield from _properties(c.properties, ("properties",), nested=False)
    if known_collections is not None:
        yield from _references(c, known_collections, renamed or {})
    yield from _vectorization(c)
    if c.vectorIndexConfig is not None:
        yield from _index_config(c.vectorIndexType or "hnsw", c.vectorIndexConfig, ("vectorIndexConfig",))
    for name, vector in (c.vectors or {}).items():
        if vector.vectorIndexConfig is not None:
            yield from _index_config(vector.vectorIndexType or "hnsw", vector.vectorIndexConfig,
                                     ("vectors", name, "vectorIndexConfig"))
    yield from _multi_tenancy(c)
    yield from _text_analyzers(c)
    yield from _object_ttl(c)
    yield from _renames(c)


def name_too_long(name: str) -> str | None:
    """Why a collection name leaves no room for the versions schemactl makes of it, if it does not."""
    if len(name) <= MAX_COLLECTION_NAME:
        return None
    return (f"collection name is {len(name)} characters; at most {MAX_COLLECTION_NAME}, so that the versions "
            f"schemactl creates ({name[:8]}..._v1) stay within Weaviate's {WEAVIATE_NAME_LIMIT}")


def _renames(c: Collection) -> Iterator[Issue]:
    """A renamedFrom names the live property (or vector) the values come from: not a name the
    file still uses, not its own, and each old name claimed once."""
    groups: list[tuple[str, list[tuple[int | str, str, str | None]], str]] = [
        ("properties", [(i, p.name, p.renamedFrom) for i, p in enumerate(c.properties)], "property"),
        ("vectors", [(n, n, v.renamedFrom) for n, v in (c.vectors or {}).items()], "named vector")]
    for key, entries, what in groups:
        names = {name for _, name, _ in entries}
        claimed: dict[str, str] = {}
        for at, name, old in entries:
            if old is None:
                continue
            if old == name:
                yield (key, at, "renamedFrom"), f"a {what} cannot be renamed from its own name"
            elif old in names:
                yield (key, at, "renamedFrom"), (f"renamedFrom {old}, but the file still has a {what} {old}: "
                                                 f"rename it or remove it")
            elif old in claimed:
                yield (key, at, "renamedFrom"), f"{claimed[old]} is renamed from {old} already"
            claimed.setdefault(old, name)
    for i, prop in enumerate(c.properties):
        if prop.renamedFrom and prop.renamedFrom != prop.name and prop.is_reference:
            yield ("properties", i, "renamedFrom"), ("a reference property cannot be renamed yet (schemactl does not "
                                                     "move references to a new name): keep its name, or drop it and "
                                                     "add one (its links are lost)")


def warnings_for(c: Collection) -> Iterator[Issue]:
    """Valid, but worth knowing before an apply."""
    for i, prop in enumerate(c.properties):
        suffix = _reserved_suffix(prop.name)
        if suffix:
            yield ("properties", i, "name"), suffix
    for loc, vectorizer in _vectorizers(c):
        if getattr(vectorizer, "vectorizeClassName", None) is True:
            yield loc + ("vectorizeClassName",), (
                "with vectorizeClassName on, Weaviate embeds the physical name (" + c.name + "_v1, "
                + c.name + "_v2, ...) with every object: each new version schemactl makes re-embeds "
                "this vector (so old and new objects agree); schemactl's default is off")
    replication = c.replicationConfig
    if replication and replication.asyncEnabled is not None:
        derived = (replication.factor or 1) > 1
        if replication.asyncEnabled != derived:
            yield ("replicationConfig", "asyncEnabled"), (
                f"Weaviate 1.38 and later decide asyncEnabled from the replication factor (on when it is above "
                f"1): there this collection gets asyncEnabled: {str(derived).lower()}, whatever the file says "
                f"(1.37 keeps what the file says)")
    for loc, vectorizer in _vectorizers(c):
        if isinstance(vectorizer, HuggingFaceVectorizer) and vectorizer.passageModel:
            yield loc + ("queryModel",), (
                "Weaviate v1.39 embeds queries with passageModel too (queryModel is ignored since 1.26.9): "
                f"searches use {vectorizer.passageModel}")
    yield from _tenants_behind_alias(c)


def _tenants_behind_alias(c: Collection) -> Iterator[Issue]:
    """autoTenantCreation off: the application creates tenants itself, and (until a server resolves
    aliases on its tenant endpoints) not through the alias schemactl puts the collection behind."""
    mt = c.multiTenancyConfig
    if mt is None or not mt.enabled or mt.autoTenantCreation or versions.first_version("alias_tenant_endpoints"):
        return
    loc = ("multiTenancyConfig", "autoTenantCreation") if mt.autoTenantCreation is not None else ("multiTenancyConfig",)
    yield loc, (f"autoTenantCreation is off: the application must create each tenant before writing to it, and no "
                f"released Weaviate creates tenants through an alias (schemactl serves {c.name} through one): create "
                f'them on the collection it points at (client.alias.get(alias_name="{c.name}").collection), with '
                f"`schemactl tenants {c.name} --create NAMES`, or set autoTenantCreation: true")


# ---- properties -----------------------------------------------------------------------------

def _properties(props: tuple[NestedProperty, ...], loc: tuple, *, nested: bool) -> Iterator[Issue]:
    seen: dict[str, str] = {}
    for i, prop in enumerate(props):
        here = loc + (i,)
        key = prop.name.lower()
        if key in seen:
            yield here + ("name",), (f"duplicate property name '{prop.name}' (Weaviate compares names "
                                     f"case-insensitively; '{seen[key]}' is already defined)")
        seen.setdefault(key, prop.name)
        reserved = _reserved(prop.name, nested=nested)
        if reserved:
            yield here + ("name",), reserved
        yield from _property_types(prop, here, nested=nested)


def _reserved(name: str, *, nested: bool) -> str | None:
    """Why a property may not have this name, if it may not."""
    why = (RESERVED_NESTED_PROPERTY_NAMES if nested else RESERVED_PROPERTY_NAMES).get(name)
    if why:
        return f"'{name}' is a reserved property name: {why}"
    return None


def _reserved_suffix(name: str) -> str | None:
    """A warning for a property name Weaviate refuses to create (1.37.5-1.39.3 measured in its
    source), though it loads a collection that has one (made by an older release)."""
    suffix = next((s for s in RESERVED_PROPERTY_SUFFIXES if name.endswith(s)), None)
    if suffix is None:
        return None
    return (f"property name '{name}' ends in '{suffix}', which Weaviate keeps for the indexes it names after "
            "properties: it refuses to create such a property (a collection made by an older release keeps it), so "
            "creating this collection, or any new version of it, fails")


def _property_types(prop: NestedProperty, here: tuple, *, nested: bool) -> Iterator[Issue]:
    types = prop.data_types
    primitive = [t for t in types if t in PRIMITIVE_TYPES]
    if primitive and len(types) > 1:
        yield here + ("dataType",), ("only cross-references may list several data types; "
                                     f"'{primitive[0]}' must stand alone")
    if nested and prop.is_reference:
        yield here + ("dataType",), "nested properties cannot be cross-references"
    kind = types[0]
    if prop.tokenization is not None and kind not in TEXT_TYPES:
        yield here + ("tokenization",), f"tokenization applies to text properties only, not '{kind}'"
    if prop.indexSearchable and kind not in TEXT_TYPES:
        yield here + ("indexSearchable",), f"indexSearchable applies to text properties only, not '{kind}'"
    if prop.indexRangeFilters and kind not in RANGE_TYPES:
        yield here + ("indexRangeFilters",), ("indexRangeFilters applies to int, number and date "
                                              f"properties only, not '{kind}'")
    if kind in OBJECT_TYPES:
        if not prop.nestedProperties:
            yield here + ("dataType",), f"'{kind}' properties need 'nestedProperties'"
        else:
            yield from _properties(prop.nestedProperties, here + ("nestedProperties",), nested=True)
    elif prop.nestedProperties is not None:
        yield here + ("nestedProperties",), f"nestedProperties apply to object and object[] only, not '{kind}'"


def _references(c: Collection, known: set[str], renamed: dict[str, str]) -> Iterator[Issue]:
    """Reference targets no file defines (`renamed`: old name -> the collection renamed from it)."""
    for i, prop in enumerate(c.properties):
        if not prop.is_reference:
            continue
        for j, target in enumerate(prop.data_types):
            if target in PRIMITIVE_TYPES or target in known:
                continue
            similar = [n for n in known if n.lower() == target.lower()]
            hint = (f"; {renamed[target]} is renamed from it: write '{renamed[target]}'" if target in renamed
                    else f"; did you mean '{similar[0]}'?" if similar else "")
            where = ("properties", i, "dataType") + ((j,) if not isinstance(prop.dataType, str) else ())
            yield where, f"'{prop.name}' references collection '{target}', which no file defines{hint}"


# ---- vectorization --------------------------------------------------------------------------

def _vectorizers(c: Collection) -> list[tuple[tuple, Vectorizer]]:
    if c.vectors is not None:
        return [(("vectors", name, "vectorizer"), v.vectorizer) for name, v in c.vectors.items()]
    return [(("vectorizer",), c.vectorizer)] if c.vectorizer is not None else []


def _vectorization(c: Collection) -> Iterator[Issue]:
    yield from _unread_property_settings(c)
    texts = {p.name: p for p in c.properties if p.data_types[0] in TEXT_TYPES}
    by_name = {p.name: p for p in c.properties}
    if c.vectors is None:
        if c.vectorizer is not None and not _has_input(c.vectorizer, texts, None):
            yield ("vectorizer",), _nothing_to_vectorize(c.vectorizer.module)
        return
    for name, vector in c.vectors.items():
        yield from _named_vector(name, vector, texts, by_name)


def _unread_property_settings(c: Collection) -> Iterator[Issue]:
    """Per-property skip / vectorizePropertyName with no module that reads them would be dropped."""
    readers = [loc for loc, v in _vectorizers(c) if modules.get(v.module).per_property]
    if readers:
        return
    for i, prop in enumerate(c.properties):
        if prop.vectorizer is not None:
            yield ("properties", i, "vectorizer"), (
                "no vectorizer of this collection reads per-property settings (text2vec modules do; "
                "none, multi2vec and generic multi-modal modules do not): remove them")


def _named_vector(name: str, vector: NamedVector, texts: dict, by_name: dict) -> Iterator[Issue]:
    loc = ("vectors", name)
    if vector.sourceProperties is not None:
        if vector.vectorizer.module == "none":
            yield loc + ("sourceProperties",), "sourceProperties need a vectorizer module, not 'none'"
        for i, source in enumerate(vector.sourceProperties):
            if source not in by_name:
                yield loc + ("sourceProperties", i), f"sourceProperties names '{source}', which is not a property"
            elif by_name[source].data_types[0] not in TEXT_TYPES + SOURCE_TYPES:
                kind = by_name[source].data_types[0]
                yield loc + ("sourceProperties", i), (
                    f"sourceProperties names '{source}' ({kind}); Weaviate vectorizes text, numbers, "
                    "dates, booleans and objects, not references, blobs, uuids, geo or phone numbers")
    sources = vector.sourceProperties
    readable = {**texts, **{n: p for n, p in by_name.items() if sources and n in sources
                            and p.data_types[0] in SOURCE_TYPES}}
    if not _has_input(vector.vectorizer, readable, sources):
        yield loc + ("vectorizer",), _nothing_to_vectorize(vector.vectorizer.module)


def _has_input(v, texts: dict, sources: tuple[str, ...] | None) -> bool:
    """Whether anything reaches the model: the class name, or a property not skipped (each
    module has its own defaults: text2vec-mistral skips properties unless told otherwise)."""
    module = modules.get(v.module)
    if not module.per_property:
        return True  # multi-modal and generic modules say what they read in their own settings
    class_name = getattr(v, "vectorizeClassName", None)
    if class_name is None:
        class_name = module.file_defaults().get("vectorizeClassName", False)
    if class_name:
        return True
    skipped_by_default = dict(module.property_defaults)["skip"]
    names = [n for n in texts if sources is None or n in sources]
    return any(not _skipped(texts[n], skipped_by_default) for n in names)


def _skipped(prop, default: bool) -> bool:
    return prop.vectorizer.skip if prop.vectorizer and prop.vectorizer.skip is not None else default


def _nothing_to_vectorize(module: str) -> str:
    if dict(modules.get(module).property_defaults)["skip"]:
        return (f"this vectorizer has nothing to vectorize: vectorizeClassName is false and {module} "
                "skips every property unless it says 'vectorizer: {skip: false}'")
    return ("this vectorizer has nothing to vectorize: vectorizeClassName is false and no text "
            "property is left to it (add a text property, or stop skipping one)")


# ---- indexes and tenancy --------------------------------------------------------------------

def _index_config(kind: str, config: VectorIndexConfig, loc: tuple) -> Iterator[Issue]:
    allowed = INDEX_KEYS[kind]
    for key in sorted(config.model_fields_set):
        if key not in allowed and getattr(config, key) is not None:
            owners = [k for k, keys in INDEX_KEYS.items() if key in keys]
            yield loc + (key,), (f"'{key}' is not a setting of {kind} indexes "
                                 f"(it belongs to {' and '.join(owners)})")
    enabled = config.enabled_quantizers()
    if len(enabled) > 1:
        yield loc + (enabled[1],), f"only one quantizer can be enabled; found {', '.join(enabled)}"
    if config.rq is not None:
        yield from _rq(kind, config, loc + ("rq",))
    if kind == "dynamic":
        for sub in ("hnsw", "flat"):
            if getattr(config, sub) is not None:
                yield from _index_config(sub, getattr(config, sub), loc + (sub,))


def _rq(kind: str, config: VectorIndexConfig, loc: tuple) -> Iterator[Issue]:
    """RQ as the server takes it (measured on 1.39.3): bits 4, trainingLimit and centering on HNSW
    only (a flat index refuses bits 4 and drops the other two); centering with bits 4, a positive
    trainingLimit, and not on a multivector index unless MUVERA encodes it."""
    rq = config.rq
    assert rq is not None
    if kind == "flat":
        if rq.bits == 4:
            yield loc + ("bits",), "flat indexes take RQ bits 1 or 8 (bits 4 is for hnsw)"
        if rq.trainingLimit is not None:
            yield loc + ("trainingLimit",), "'trainingLimit' is an hnsw RQ setting: a flat index drops it"
        if rq.centering:
            yield loc + ("centering",), "'centering' is an hnsw RQ setting: a flat index drops it"
        return
    if rq.centering and rq.bits != 4:
        yield loc + ("centering",), "RQ centering needs bits: 4"
    if rq.centering and rq.trainingLimit == 0:
        yield loc + ("trainingLimit",), "RQ centering needs a positive trainingLimit"
    multivector = config.multivector
    if rq.centering and multivector is not None and multivector.enabled and \
            not (multivector.muvera is not None and multivector.muvera.enabled):
        yield loc + ("centering",), "RQ centering is not supported on multivector indexes (it is with MUVERA)"


def _multi_tenancy(c: Collection) -> Iterator[Issue]:
    mt = c.multiTenancyConfig
    if mt is None or mt.enabled:
        return
    for key in ("autoTenantCreation", "autoTenantActivation"):
        if getattr(mt, key):
            yield ("multiTenancyConfig", key), f"{key} needs multiTenancyConfig.enabled: true"


# ---- text analysis and object expiry --------------------------------------------------------

def _text_analyzers(c: Collection) -> Iterator[Issue]:
    presets = set((c.invertedIndexConfig.stopwordPresets or {}) if c.invertedIndexConfig else {})
    for i, prop in enumerate(c.properties):
        analyzer = prop.textAnalyzer
        if analyzer is None:
            continue
        here = ("properties", i, "textAnalyzer")
        if prop.data_types[0] not in TEXT_TYPES:
            yield here, f"textAnalyzer applies to text properties only, not '{prop.data_types[0]}'"
        preset = analyzer.stopwordPreset
        if preset is not None and preset not in BUILT_IN_STOPWORD_PRESETS and preset not in presets:
            known = [*BUILT_IN_STOPWORD_PRESETS, *sorted(presets)]
            yield here + ("stopwordPreset",), (f"stopword preset '{preset}' is not defined (known: "
                                               f"{', '.join(known)}; add it to invertedIndexConfig.stopwordPresets)"
                                               + modules.suggestion(preset, known))
        if analyzer.asciiFoldIgnore and not analyzer.asciiFold:
            yield here + ("asciiFoldIgnore",), "asciiFoldIgnore needs asciiFold: true"


def _object_ttl(c: Collection) -> Iterator[Issue]:
    ttl = c.objectTtlConfig
    if ttl is None or not ttl.enabled:
        return
    here = ("objectTtlConfig",)
    if ttl.deleteOn is None:
        yield here, "objectTtlConfig needs 'deleteOn': _creationTimeUnix, _lastUpdateTimeUnix or a date property"
        return
    if ttl.deleteOn in TIMESTAMPS:
        if not (c.invertedIndexConfig and c.invertedIndexConfig.indexTimestamps):
            yield here + ("deleteOn",), (f"deleteOn {ttl.deleteOn} needs invertedIndexConfig.indexTimestamps: true")
        if not ttl.defaultTtl or ttl.defaultTtl <= 0:
            yield here + ("defaultTtl",), f"deleteOn {ttl.deleteOn} needs a positive defaultTtl (seconds)"
        return
    prop = next((p for p in c.properties if p.name == ttl.deleteOn), None)
    if prop is None or prop.data_types[0] != "date":
        yield here + ("deleteOn",), (f"deleteOn '{ttl.deleteOn}' must be _creationTimeUnix, _lastUpdateTimeUnix "
                                     "or a date property of this collection")
    elif prop.indexFilterable is False and not prop.indexRangeFilters:
        yield here + ("deleteOn",), f"deleteOn '{ttl.deleteOn}' needs indexFilterable or indexRangeFilters"
