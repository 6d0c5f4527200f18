"""The module registry: every Weaviate v1.39 module schemactl can write, read and diff.

Typed modules (the vectorizers users meet most) have a table of settings; every other module is
a generic block. Code outside this package asks the registry; it never names a module.
"""
from __future__ import annotations

import difflib

from . import aws, cohere, generic, google, huggingface, jinaai, mistral, nvidia, openai, voyageai, weaviate
from .base import Model, Module, Setting

NONE = Module("none", "vectorizer", per_property=False)
TYPED_VECTORIZERS = (huggingface.MODULE, openai.MODULE, cohere.MODULE, voyageai.MODULE, jinaai.MODULE,
                     jinaai.MULTIVECTOR, google.MODULE, aws.MODULE, mistral.MODULE, nvidia.MODULE,
                     weaviate.MODULE)
MODULES: dict[str, Module] = {m.name: m for m in (NONE, *TYPED_VECTORIZERS, *generic.VECTORIZERS,
                                                  *generic.GENERATIVE, *generic.RERANKERS, *generic.QNA)}
# collection-level module blocks besides the vectorizer: at most one of each kind, kept as written
BLOCKS = ("generative", "reranker", "qna")
HUGGINGFACE = huggingface.NAME

__all__ = ["BLOCKS", "MODULES", "Model", "Module", "Setting", "by_kind", "get", "suggestion"]


def get(name: str) -> Module:
    """The module called `name`; one schemactl has never heard of is a generic vectorizer."""
    return MODULES.get(name) or Module(name, "vectorizer")


def by_kind(kind: str) -> list[str]:
    return [name for name, m in MODULES.items() if m.kind == kind]


def suggestion(name: str, known: list[str]) -> str:
    """'; did you mean X?' for a mistyped module name, or ''."""
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def vector_identity(name: str, settings: dict) -> dict:
    """The settings that decide a module's vectors (for generic modules: all of them)."""
    module = get(name)
    if module.identity is not None:
        return module.identity(settings)
    return {k: v for k, v in settings.items() if k != "vectorizeClassName" and module.changes_vectors(k)}


def to_server(name: str, settings: dict) -> dict:
    """A module block's settings as the server must receive them: schemactl's own defaults sent
    explicitly where they differ from the server's (vectorizeClassName)."""
    module = get(name)
    settings = {**{k: v for k, v in module.file_defaults().items() if module.server_defaults().get(k) != v},
                **settings}
    return module.wire(settings) if module.wire is not None else settings


def unsure_of_vectors(name: str) -> bool:
    """True when schemactl has no table of what changes this module's vectors."""
    return not get(name).typed
