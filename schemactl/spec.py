"""The desired state: pydantic models of one Weaviate collection, as users write it in YAML.

Field names are Weaviate's REST names (camelCase); the collection's name is `name`. Structure,
types and within-object rules live here (and so in the generated JSON Schema); rules that look
across properties or files live in rules.py.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import ConfigDict, Field, create_model, field_validator, model_validator

from . import modules
from .modules import huggingface
from .naming import SUFFIX_ROOM

# Names as Weaviate v1.39 takes them (entities/schema/validation.go).
WEAVIATE_NAME_LIMIT = 255  # ClassNameMaxLength: a collection's data directory is named after it
MAX_COLLECTION_NAME = WEAVIATE_NAME_LIMIT - SUFFIX_ROOM  # a file's names leave room for <Name>_v9999
_COLLECTION_NAME = rf"[A-Z][_0-9A-Za-z]{{0,{WEAVIATE_NAME_LIMIT - 1}}}"
COLLECTION_NAME = f"^{_COLLECTION_NAME}$"
WEAVIATE_PROPERTY_NAME = r"^[_A-Za-z][_0-9A-Za-z]{0,230}$"
# Weaviate lowercases the first letter of a (top-level) property's name when it creates it
# (LowercaseFirstLetter): "Cap" is stored as "cap", so a file names properties as they are stored.
PROPERTY_NAME = r"^[_a-z][_0-9A-Za-z]{0,230}$"
NESTED_PROPERTY_NAME = r"^[_A-Za-z][_0-9A-Za-z]*$"  # kept as written: "Inner" stays "Inner"
VECTOR_NAME = r"^[_A-Za-z][_0-9A-Za-z]{0,229}$"

TEXT_TYPES = ("text", "text[]")
OBJECT_TYPES = ("object", "object[]")
TIMESTAMPS = ("_creationTimeUnix", "_lastUpdateTimeUnix")  # set by the server on every write
RANGE_TYPES = ("int", "number", "date")
# What v1.39 vectorizes besides text when sourceProperties names it.
SOURCE_TYPES = ("int", "int[]", "number", "number[]", "date", "date[]", "boolean", "boolean[]",
                "object", "object[]")
PRIMITIVE_TYPES = (
    "text", "text[]", "int", "int[]", "number", "number[]", "boolean", "boolean[]",
    "date", "date[]", "uuid", "uuid[]", "geoCoordinates", "phoneNumber", "blob",
    "object", "object[]",
)
# A data type is a primitive, or a cross-reference: the name of a collection.
DATA_TYPE = "^(" + "|".join(re.escape(t) for t in PRIMITIVE_TYPES) + "|" + _COLLECTION_NAME + ")$"

Tokenization = Literal["word", "lowercase", "whitespace", "field", "trigram", "gse", "gse_ch",
                       "kagome_kr", "kagome_ja"]
Distance = Literal["cosine", "dot", "l2-squared", "hamming", "manhattan"]
Int32 = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]
Count = Annotated[int, Field(ge=0, le=2**53)]
Positive = Annotated[int, Field(ge=1, le=2**31 - 1)]
Ratio = Annotated[float, Field(ge=0, le=1e6)]


Model = modules.Model  # frozen, strict, unknown fields forbidden: the base of every spec model


# ---- vectorizers (built from the module tables in modules/) ---------------------------------

HuggingFaceVectorizer = huggingface.HuggingFaceVectorizer
HuggingFaceOptions = huggingface.HuggingFaceOptions
HF_MODE_FIELDS = huggingface.MODE_FIELDS
hf_mode_problem = huggingface.mode_problem
SETTING_TYPES = {str: str, bool: bool, int: Int32, float: float}


# Which vectorIndexConfig settings belong to which index type.
_DEFAULT_QUANTIZATION = {"skipDefaultQuantization", "trackDefaultQuantization"}
_HNSW_KEYS = {"distance", "ef", "efConstruction", "maxConnections", "dynamicEfMin", "dynamicEfMax",
              "dynamicEfFactor", "flatSearchCutoff", "vectorCacheMaxObjects", "cleanupIntervalSeconds",
              "filterStrategy", "skip", "pq", "bq", "sq", "rq", "multivector", *_DEFAULT_QUANTIZATION}
_FLAT_KEYS = {"distance", "vectorCacheMaxObjects", "bq", "rq", *_DEFAULT_QUANTIZATION}
INDEX_KEYS = {"hnsw": _HNSW_KEYS, "flat": _FLAT_KEYS, "dynamic": {"distance", "threshold", "hnsw", "flat"}}
_EVERY_TYPE_KEYS = set.intersection(*INDEX_KEYS.values())  # distance


def stated_index_type(index_type: str | None, config: Model | None) -> str | None:
    """The vectorIndexType a file states: its own, or hnsw (schemactl's default) when its
    vectorIndexConfig sets something not every type takes; None leaves the type to the server,
    as Weaviate does (hnsw, unless the server was started with DEFAULT_VECTOR_INDEX)."""
    if index_type is not None:
        return index_type
    keys = set(config.model_dump(exclude_none=True)) if config is not None else set()
    return "hnsw" if keys - _EVERY_TYPE_KEYS else None


class NoVectorizer(Model):
    """module: none — vectors are brought by the user."""

    module: Literal["none"]


def _typed_model(module: modules.Module) -> type[Model]:
    """The pydantic model of a typed module, from its table (a hand-written one if it has it)."""
    if module.spec is not None:
        return module.spec
    fields: dict = {"module": (Literal[module.name], ...)}
    for s in module.settings:
        kind = Literal[s.choices] if s.choices else SETTING_TYPES[s.type]
        fields[s.name] = (kind | None, None)
    title = "".join(p.capitalize() for p in re.split(r"[^0-9A-Za-z]+", module.name)) + "Vectorizer"
    validators: Any = {"_needs_one_of": model_validator(mode="after")(_needs_one_of)} if module.needs_one_of else {}
    base = Model
    if module.needs_one_of:  # the same rule in the JSON Schema
        extra: Any = {"allOf": [{"anyOf": [{"required": [f]} for f in group]} for group in module.needs_one_of]}

        class base(Model):  # type: ignore[no-redef]
            model_config = ConfigDict(json_schema_extra=extra)
    return create_model(title, __base__=base, __doc__=f"{module.name}: a typed module.",
                        __validators__=validators, **fields)


def _needs_one_of(self):
    for group in modules.get(self.module).needs_one_of:
        if all(getattr(self, f) is None for f in group):
            raise ValueError(f"{self.module} needs " + " or ".join(f"'{f}'" for f in group))
    return self


def _no_reserved_keys(self):
    if "properties" in (self.__pydantic_extra__ or {}):
        raise ValueError("the properties a named vector reads go in its 'sourceProperties', not here")
    return self


GENERIC_VECTORIZERS = tuple(n for n, m in modules.MODULES.items()
                            if m.kind == "vectorizer" and not m.typed and n != "none")


class GenericVectorizer(Model):
    """Any other vectorizer module: its settings are kept as written and sent as they are."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"not": {"required": ["properties"]}})

    module: Literal[GENERIC_VECTORIZERS]  # type: ignore[valid-type]
    _reserved = model_validator(mode="after")(_no_reserved_keys)


class GenerativeConfig(Model):
    """The collection's generative module (RAG) and its settings, kept as written."""

    model_config = ConfigDict(extra="allow")

    module: Literal[tuple(modules.by_kind("generative"))]  # type: ignore[valid-type]


class QnaConfig(Model):
    """The collection's question-answering module (qna-*) and its settings, kept as written."""

    model_config = ConfigDict(extra="allow")

    module: Literal[tuple(modules.by_kind("qna"))]  # type: ignore[valid-type]


class RerankerConfig(Model):
    """The collection's reranker module and its settings, kept as written."""

    model_config = ConfigDict(extra="allow")

    module: Literal[tuple(modules.by_kind("reranker"))]  # type: ignore[valid-type]


TYPED_MODELS = tuple(_typed_model(m) for m in modules.TYPED_VECTORIZERS)
if TYPE_CHECKING:  # the typed models are built at import time; every one has `module`
    Vectorizer = NoVectorizer | HuggingFaceVectorizer | GenericVectorizer
else:
    Vectorizer = Annotated[Union[(NoVectorizer,) + TYPED_MODELS + (GenericVectorizer,)],  # noqa: UP007
                           Field(discriminator="module")]
KNOWN_MODULES = tuple(modules.by_kind("vectorizer"))


# ---- vector indexes -------------------------------------------------------------------------

class PQEncoder(Model):
    type: Literal["kmeans", "tile"] | None = None
    distribution: Literal["log-normal", "normal"] | None = None


class PQ(Model):
    enabled: bool | None = None
    bitCompression: bool | None = None
    segments: Count | None = None
    centroids: Positive | None = None
    trainingLimit: Positive | None = None
    encoder: PQEncoder | None = None


class BQ(Model):
    enabled: bool | None = None
    rescoreLimit: Int32 | None = None
    cache: bool | None = None


class SQ(Model):
    enabled: bool | None = None
    trainingLimit: Positive | None = None
    rescoreLimit: Int32 | None = None


class RQ(Model):
    enabled: bool | None = None
    bits: Literal[1, 4, 8] | None = None  # 4: HNSW, from 1.39.0 (versions.py, rq_bits_4)
    rescoreLimit: Int32 | None = None
    cache: bool | None = None
    trainingLimit: Count | None = None  # HNSW, from 1.39.3 (the server reports 10000)
    centering: bool | None = None  # HNSW with bits 4, from 1.39.3


class Muvera(Model):
    """MUVERA: multi-vectors encoded as one fixed-size vector for the index."""

    enabled: bool | None = None
    ksim: Positive | None = None
    dprojections: Positive | None = None
    repetitions: Positive | None = None


class Multivector(Model):
    """ColBERT-style multi-vectors (late interaction); on by default for *multivec modules."""

    enabled: bool | None = None
    aggregation: Literal["maxSim"] | None = None
    muvera: Muvera | None = None


class VectorIndexConfig(Model):
    """Settings of hnsw, flat and dynamic indexes; rules.py checks which apply to which type."""

    distance: Distance | None = None
    ef: Int32 | None = None
    efConstruction: Positive | None = None
    maxConnections: Positive | None = None
    dynamicEfMin: Positive | None = None
    dynamicEfMax: Positive | None = None
    dynamicEfFactor: Positive | None = None
    flatSearchCutoff: Count | None = None
    vectorCacheMaxObjects: Count | None = None
    cleanupIntervalSeconds: Positive | None = None
    filterStrategy: Literal["sweeping", "acorn"] | None = None
    skip: bool | None = None
    threshold: Count | None = None
    multivector: Multivector | None = None
    skipDefaultQuantization: bool | None = None  # no quantizer the server would turn on by itself
    trackDefaultQuantization: bool | None = None
    hnsw: VectorIndexConfig | None = None
    flat: VectorIndexConfig | None = None
    pq: PQ | None = None
    bq: BQ | None = None
    sq: SQ | None = None
    rq: RQ | None = None

    def enabled_quantizers(self) -> list[str]:
        return [q for q in ("pq", "bq", "sq", "rq")
                if getattr(self, q) is not None and getattr(self, q).enabled]


VectorIndexType = Literal["hnsw", "flat", "dynamic"]


class NamedVector(Model):
    """One entry of `vectors:` — its own vectorizer, source properties and index."""

    vectorizer: Vectorizer
    renamedFrom: Annotated[str, Field(pattern=VECTOR_NAME)] | None = None  # its vectors move to this name
    sourceProperties: tuple[Annotated[str, Field(pattern=WEAVIATE_PROPERTY_NAME)], ...] | None = None
    vectorIndexType: VectorIndexType | None = None
    vectorIndexConfig: VectorIndexConfig | None = None


# ---- properties -----------------------------------------------------------------------------

class PropertyVectorization(Model):
    """Per-property settings for the collection's vectorizer module(s)."""

    skip: bool | None = None
    vectorizePropertyName: bool | None = None


DataType = Annotated[str, Field(pattern=DATA_TYPE)]


class TextAnalyzer(Model):
    """How text is folded and which stopwords apply, per property (text properties only)."""

    asciiFold: bool | None = None
    asciiFoldIgnore: tuple[str, ...] | None = None
    stopwordPreset: Annotated[str, Field(min_length=1)] | None = None  # en, none, or a collection preset


class NestedProperty(Model):
    name: Annotated[str, Field(pattern=NESTED_PROPERTY_NAME)]
    dataType: DataType | tuple[DataType, ...]
    description: str | None = None
    tokenization: Tokenization | None = None
    indexFilterable: bool | None = None
    indexSearchable: bool | None = None
    indexRangeFilters: bool | None = None
    textAnalyzer: TextAnalyzer | None = None
    nestedProperties: tuple[NestedProperty, ...] | None = None

    @field_validator("dataType", mode="after")
    @classmethod
    def _not_empty(cls, value):
        if isinstance(value, tuple) and not value:
            raise ValueError("dataType needs at least one type")
        return value

    @property
    def data_types(self) -> tuple[str, ...]:
        return (self.dataType,) if isinstance(self.dataType, str) else self.dataType

    @property
    def is_reference(self) -> bool:
        return any(t not in PRIMITIVE_TYPES for t in self.data_types)

    @property
    def is_multi_target(self) -> bool:
        """A reference to several collections (the server wants one target collection per query)."""
        return self.is_reference and len(self.data_types) > 1


class Property(NestedProperty):
    name: Annotated[str, Field(pattern=PROPERTY_NAME)]
    renamedFrom: Annotated[str, Field(pattern=PROPERTY_NAME)] | None = None  # its values move to this name
    # a value its new dataType cannot hold: the object keeps the property empty, or is not copied
    # (without it, such a value refuses the plan)
    onConvertError: Literal["null", "skipObject"] | None = None
    vectorizer: PropertyVectorization | None = None


# ---- collection-level settings --------------------------------------------------------------

class BM25(Model):
    b: Annotated[float, Field(ge=0, le=1)] | None = None
    k1: Annotated[float, Field(ge=0, le=1000)] | None = None


class Stopwords(Model):
    preset: Literal["en", "none"] | None = None
    additions: tuple[str, ...] | None = None
    removals: tuple[str, ...] | None = None


class InvertedIndexConfig(Model):
    bm25: BM25 | None = None
    stopwords: Stopwords | None = None
    stopwordPresets: dict[Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$")], tuple[str, ...]] | None = None
    cleanupIntervalSeconds: Positive | None = None
    indexTimestamps: bool | None = None
    indexNullState: bool | None = None
    indexPropertyLength: bool | None = None
    usingBlockMaxWAND: bool | None = None


class ReplicationConfig(Model):
    factor: Positive | None = None
    asyncEnabled: bool | None = None
    deletionStrategy: Literal["NoAutomatedResolution", "DeleteOnConflict",
                              "TimeBasedResolution"] | None = None


class ShardingConfig(Model):
    desiredCount: Positive | None = None


class MultiTenancyConfig(Model):
    enabled: bool | None = None
    autoTenantCreation: bool | None = None
    autoTenantActivation: bool | None = None


class ObjectTtlConfig(Model):
    """Objects expire `defaultTtl` seconds after `deleteOn` (a date property, _creationTimeUnix or
    _lastUpdateTimeUnix); the server needs OBJECTS_TTL_DELETE_SCHEDULE to enable it."""

    enabled: bool | None = None
    deleteOn: Annotated[str, Field(min_length=1)] | None = None
    defaultTtl: Annotated[int, Field(ge=-(2**53), le=2**53)] | None = None
    filterExpiredObjects: bool | None = None


def _collection_schema(schema: dict) -> None:
    """JSON Schema for what the validators below and rules.py check: vector names, one vector
    style, the length of a file's collection name (a live collection's may be Weaviate's longest)."""
    schema["properties"]["name"]["maxLength"] = MAX_COLLECTION_NAME
    vectors = schema["properties"]["vectors"]["anyOf"][0]
    vectors["propertyNames"] = {"pattern": VECTOR_NAME}
    legacy = [{"required": [f]} for f in ("vectorizer", "vectorIndexType", "vectorIndexConfig")]
    schema["not"] = {"allOf": [{"required": ["vectors"]}, {"anyOf": legacy}]}


class Collection(Model):
    """One collection file."""

    model_config = ConfigDict(json_schema_extra=_collection_schema)

    name: Annotated[str, Field(pattern=COLLECTION_NAME)]
    renamedFrom: Annotated[str, Field(pattern=COLLECTION_NAME)] | None = None  # plan a rename
    description: str | None = None
    properties: tuple[Property, ...] = ()
    vectorizer: Vectorizer | None = None
    vectorIndexType: VectorIndexType | None = None
    vectorIndexConfig: VectorIndexConfig | None = None
    vectors: dict[Annotated[str, Field(pattern=VECTOR_NAME)], NamedVector] | None = None
    generative: GenerativeConfig | None = None
    qna: QnaConfig | None = None
    reranker: RerankerConfig | None = None
    invertedIndexConfig: InvertedIndexConfig | None = None
    replicationConfig: ReplicationConfig | None = None
    shardingConfig: ShardingConfig | None = None
    multiTenancyConfig: MultiTenancyConfig | None = None
    objectTtlConfig: ObjectTtlConfig | None = None

    @model_validator(mode="after")
    def _one_vector_style(self) -> Collection:
        legacy = [f for f in ("vectorizer", "vectorIndexType", "vectorIndexConfig")
                  if getattr(self, f) is not None]
        if self.vectors is not None and legacy:
            raise ValueError("use either 'vectors' (named vectors) or "
                             + ", ".join(f"'{f}'" for f in legacy) + " (a single vector), not both")
        return self

    @property
    def referenced_collections(self) -> set[str]:
        """The other collections its references point at (itself left out)."""
        return {t for p in self.properties if p.is_reference for t in p.data_types} - {self.name}

    def own_name_for(self, target: str, live_name: str) -> str:
        """A reference target of the live collection `live_name`, read as this file declares it:
        while this renames that collection, its old name is this one (links to itself follow the
        rename). A renamedFrom left in the file after the rename reads nothing as itself."""
        old = self.renamedFrom
        return self.name if old and target == old == live_name else target

    @property
    def multi_tenant(self) -> bool:
        """Whether it holds its objects in tenants (multiTenancyConfig.enabled)."""
        return bool(self.multiTenancyConfig and self.multiTenancyConfig.enabled)

    @property
    def replication_factor(self) -> int:
        """The replicas it asks for (1 when it does not say)."""
        return (self.replicationConfig.factor if self.replicationConfig else None) or 1


# The top-level keys a file may have, in the order pull writes them.
COLLECTION_FIELDS = tuple(Collection.model_fields)


def vectorizer_modules(c: Collection) -> list[str]:
    """The vectorizer modules that read per-property settings (each gets them all)."""
    found = [v.vectorizer.module for v in (c.vectors or {}).values()]
    if c.vectorizer is not None:
        found.append(c.vectorizer.module)
    return sorted({m for m in found if modules.get(m).per_property})
