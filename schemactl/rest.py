"""The spec model as Weaviate's REST class JSON (what POST /v1/schema takes)."""
from __future__ import annotations

from . import modules
from .spec import Collection, Model, NamedVector, NestedProperty, Property


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
        if c.vectorizer is not None:
            body["vectorizer"] = c.vectorizer.module
            if c.vectorizer.module != "none":
                module_config[c.vectorizer.module] = _module_settings(c.vectorizer)
        _put(body, "vectorIndexType", c.vectorIndexType)
        _put(body, "vectorIndexConfig", _dump(c.vectorIndexConfig))
    for block in (c.generative, c.reranker):
        if block is not None:
            module_config[block.module] = _module_settings(block)
    _put(body, "moduleConfig", module_config or None)
    for key in ("invertedIndexConfig", "replicationConfig", "shardingConfig", "multiTenancyConfig",
                "objectTtlConfig"):
        _put(body, key, _dump(getattr(c, key)))
    return body


def vectorizer_modules(c: Collection) -> list[str]:
    """The vectorizer modules that read per-property settings (each gets them all)."""
    found = [v.vectorizer.module for v in (c.vectors or {}).values()]
    if c.vectorizer is not None:
        found.append(c.vectorizer.module)
    return sorted({m for m in found if modules.get(m).per_property})


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
    _put(body, "vectorIndexType", v.vectorIndexType)
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
