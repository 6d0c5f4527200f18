"""The spec model as Weaviate's REST class JSON (what POST /v1/schema takes)."""
from __future__ import annotations

from .spec import Collection, HuggingFaceVectorizer, Model, NamedVector, NestedProperty, Property


def to_rest(collection: Collection) -> dict:
    """The exact REST class JSON for `collection`; unset fields are left to the server."""
    c = collection
    body: dict = {"class": c.name}  # renamedFrom is schemactl's own: never sent
    _put(body, "description", c.description)
    modules = vectorizer_modules(c)
    body["properties"] = [property_to_rest(p, modules) for p in c.properties]
    if c.vectors is not None:
        body["vectorConfig"] = {name: named_vector_to_rest(v) for name, v in c.vectors.items()}
    else:
        if c.vectorizer is not None:
            body["vectorizer"] = c.vectorizer.module
            module_config = _module_settings(c.vectorizer)
            if module_config is not None:
                body["moduleConfig"] = {c.vectorizer.module: module_config}
        _put(body, "vectorIndexType", c.vectorIndexType)
        _put(body, "vectorIndexConfig", _dump(c.vectorIndexConfig))
    for key in ("invertedIndexConfig", "replicationConfig", "shardingConfig", "multiTenancyConfig"):
        _put(body, key, _dump(getattr(c, key)))
    return body


def vectorizer_modules(c: Collection) -> list[str]:
    """The text2vec modules the collection uses (per-property settings apply to each)."""
    found = [v.vectorizer.module for v in (c.vectors or {}).values()]
    if c.vectorizer is not None:
        found.append(c.vectorizer.module)
    return sorted({m for m in found if m != "none"})


def property_to_rest(p: NestedProperty, modules: list[str]) -> dict:
    """One property's REST JSON; per-property vectorizer settings go to each of `modules`."""
    body: dict = {"name": p.name, "dataType": list(p.data_types)}
    for key in ("description", "tokenization", "indexFilterable", "indexSearchable", "indexRangeFilters"):
        _put(body, key, getattr(p, key))
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
    _put(body, "vectorIndexType", v.vectorIndexType)
    _put(body, "vectorIndexConfig", _dump(v.vectorIndexConfig))
    return body


def _module_settings(vectorizer) -> dict | None:
    if not isinstance(vectorizer, HuggingFaceVectorizer):
        return None
    return _dump(vectorizer, exclude={"module"})


def _dump(model: Model | None, exclude: set[str] | None = None) -> dict | None:
    if model is None:
        return None
    return model.model_dump(mode="json", exclude_none=True, exclude=exclude)


def _put(body: dict, key: str, value) -> None:
    if value is not None:
        body[key] = value
