"""The desired state: pydantic models of one Weaviate collection, as users write it in YAML.

Field names are Weaviate's REST names (camelCase); the collection's name is `name`. Structure,
types and within-object rules live here (and so in the generated JSON Schema); rules that look
across properties or files live in rules.py.
"""
from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

COLLECTION_NAME = r"^[A-Z][_0-9A-Za-z]{0,254}$"
PROPERTY_NAME = r"^[_A-Za-z][_0-9A-Za-z]{0,230}$"
NESTED_PROPERTY_NAME = r"^[_A-Za-z][_0-9A-Za-z]*$"
VECTOR_NAME = r"^[_A-Za-z][_0-9A-Za-z]{0,229}$"
HTTP_URL = r"^https?://[^\s/?#]+[^\s]*$"

TEXT_TYPES = ("text", "text[]")
OBJECT_TYPES = ("object", "object[]")
RANGE_TYPES = ("int", "number", "date")
PRIMITIVE_TYPES = (
    "text", "text[]", "int", "int[]", "number", "number[]", "boolean", "boolean[]",
    "date", "date[]", "uuid", "uuid[]", "geoCoordinates", "phoneNumber", "blob",
    "object", "object[]",
)
# A data type is a primitive, or a cross-reference: the name of a collection.
DATA_TYPE = "^(" + "|".join(re.escape(t) for t in PRIMITIVE_TYPES) + r"|[A-Z][_0-9A-Za-z]{0,254})$"

Tokenization = Literal["word", "lowercase", "whitespace", "field", "trigram", "gse", "gse_ch",
                       "kagome_kr", "kagome_ja"]
Distance = Literal["cosine", "dot", "l2-squared", "hamming", "manhattan"]
Int32 = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]
Count = Annotated[int, Field(ge=0, le=2**53)]
Positive = Annotated[int, Field(ge=1, le=2**31 - 1)]
Ratio = Annotated[float, Field(ge=0, le=1e6)]


class Model(BaseModel):
    """Frozen, strict, unknown fields forbidden: the base of every spec model."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, populate_by_name=False)


# ---- vectorizers ----------------------------------------------------------------------------

class HuggingFaceOptions(Model):
    waitForModel: bool | None = None
    useGPU: bool | None = None
    useCache: bool | None = None


HF_MODES = {"model": ("model",), "passageModel+queryModel": ("passageModel", "queryModel"),
            "endpointURL": ("endpointURL",)}


HF_MODE_FIELDS = ("model", "passageModel", "queryModel", "endpointURL")


def hf_mode_problem(present: set[str]) -> str | None:
    """Why this set of model-selection fields is not exactly one mode, or None if it is."""
    found = [f for f in HF_MODE_FIELDS if f in present]
    if ("passageModel" in present) != ("queryModel" in present):
        have, missing = (("passageModel", "queryModel") if "passageModel" in present
                         else ("queryModel", "passageModel"))
        return f"'{have}' needs '{missing}' too (they select the model together)"
    modes = [m for m, fields in HF_MODES.items() if all(f in present for f in fields)]
    if len(modes) == 1:
        return None
    if not modes:
        return ("text2vec-huggingface needs exactly one model selection: 'model', "
                "or 'passageModel' + 'queryModel', or 'endpointURL'; found none")
    return ("text2vec-huggingface needs exactly one model selection; found "
            + " and ".join(f"'{f}'" for f in found))


def _hf_one_mode_schema(schema: dict) -> None:
    """JSON Schema for 'exactly one model-selection mode' (mirrors the validator below)."""
    schema["oneOf"] = [
        {"required": ["model"], "not": {"anyOf": [{"required": ["passageModel"]},
                                                   {"required": ["queryModel"]},
                                                   {"required": ["endpointURL"]}]}},
        {"required": ["passageModel", "queryModel"],
         "not": {"anyOf": [{"required": ["model"]}, {"required": ["endpointURL"]}]}},
        {"required": ["endpointURL"], "not": {"anyOf": [{"required": ["model"]},
                                                         {"required": ["passageModel"]},
                                                         {"required": ["queryModel"]}]}},
    ]


class HuggingFaceVectorizer(Model):
    """text2vec-huggingface: exactly one of model / passageModel+queryModel / endpointURL."""

    model_config = ConfigDict(json_schema_extra=_hf_one_mode_schema)

    module: Literal["text2vec-huggingface"]
    model: Annotated[str, Field(min_length=1)] | None = None
    passageModel: Annotated[str, Field(min_length=1)] | None = None
    queryModel: Annotated[str, Field(min_length=1)] | None = None
    endpointURL: Annotated[str, Field(pattern=HTTP_URL)] | None = None
    options: HuggingFaceOptions | None = None
    vectorizeClassName: bool | None = None

    @model_validator(mode="after")
    def _exactly_one_mode(self) -> HuggingFaceVectorizer:
        problem = hf_mode_problem({f for f in HF_MODE_FIELDS if getattr(self, f) is not None})
        if problem:
            raise ValueError(problem)
        return self

    def model_identity(self) -> dict[str, str]:
        """The fields that decide which model produces the vectors."""
        return {f: getattr(self, f) for f in ("model", "passageModel", "queryModel", "endpointURL")
                if getattr(self, f) is not None}


class NoVectorizer(Model):
    """module: none — vectors are brought by the user."""

    module: Literal["none"]


Vectorizer = Annotated[NoVectorizer | HuggingFaceVectorizer, Field(discriminator="module")]
KNOWN_MODULES = ("none", "text2vec-huggingface")


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
    bits: Literal[1, 8] | None = None
    rescoreLimit: Int32 | None = None
    cache: bool | None = None


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
    sourceProperties: tuple[Annotated[str, Field(pattern=PROPERTY_NAME)], ...] | None = None
    vectorIndexType: VectorIndexType | None = None
    vectorIndexConfig: VectorIndexConfig | None = None


# ---- properties -----------------------------------------------------------------------------

class PropertyVectorization(Model):
    """Per-property settings for the collection's vectorizer module(s)."""

    skip: bool | None = None
    vectorizePropertyName: bool | None = None


DataType = Annotated[str, Field(pattern=DATA_TYPE)]


class NestedProperty(Model):
    name: Annotated[str, Field(pattern=NESTED_PROPERTY_NAME)]
    dataType: DataType | tuple[DataType, ...]
    description: str | None = None
    tokenization: Tokenization | None = None
    indexFilterable: bool | None = None
    indexSearchable: bool | None = None
    indexRangeFilters: bool | None = None
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


def _collection_schema(schema: dict) -> None:
    """JSON Schema for what the validators below check: vector names, one vector style."""
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
    invertedIndexConfig: InvertedIndexConfig | None = None
    replicationConfig: ReplicationConfig | None = None
    shardingConfig: ShardingConfig | None = None
    multiTenancyConfig: MultiTenancyConfig | None = None

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


# The top-level keys a file may have, in the order pull writes them.
COLLECTION_FIELDS = tuple(Collection.model_fields)
