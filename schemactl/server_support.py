"""Settings of the collection files that only some server versions take: each names the row of the
capability table (versions.py) it needs. A server without it would refuse the setting when the
step runs, or drop it without a word so that every plan shows it again; the plan refuses it first.
Pure: files and a version in, one line per setting out."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from . import versions
from .spec import Collection, VectorIndexConfig

RQ_TRAINING_LIMIT = 10000  # what every server that keeps it reports by default


@dataclass(frozen=True)
class Need:
    capability: str
    setting: str  # as a file spells it, under the index's path
    used: Callable[[VectorIndexConfig], bool]
    without: str  # what a server without the capability does with it


INDEX_NEEDS = (
    Need("rq_bits_4", "rq.bits: 4", lambda i: i.rq is not None and i.rq.bits == 4, "refuses it"),
    Need("rq_training_options", "rq.trainingLimit / rq.centering",
         lambda i: i.rq is not None and (i.rq.trainingLimit not in (None, RQ_TRAINING_LIMIT) or bool(i.rq.centering)),
         "drops them without a word, so every plan would show them again"),
    Need("multivector", "multivector", lambda i: i.multivector is not None and bool(i.multivector.enabled),
         "refuses it"),
)


def lacking(collections: dict[str, Collection], server_version: str) -> list[str]:
    """One line per setting the files use that a server of `server_version` does not take."""
    lines = []
    for name, collection in sorted(collections.items()):
        for path, index in _indexes(collection):
            for need in INDEX_NEEDS:
                if need.used(index) and not versions.has(need.capability, server_version):
                    lines.append(_line(name, f"{path}.{need.setting}", need, server_version))
        ttl = collection.objectTtlConfig
        if ttl is not None and ttl.enabled and not versions.has("object_ttl", server_version):
            lines.append(_line(name, "objectTtlConfig", Need("object_ttl", "", lambda i: False, "refuses it"),
                               server_version))
    return lines


def _line(collection: str, setting: str, need: Need, server_version: str) -> str:
    first = versions.first_version(need.capability)
    return (f"{collection}: {setting} needs Weaviate {first} or later; this server ({server_version}) "
            f"{need.without} ({need.capability} in docs/reference/weaviate-versions.md)")


def _indexes(collection: Collection) -> Iterator[tuple[str, VectorIndexConfig]]:
    """(path, index settings) of every vector index the collection declares, dynamic's parts too."""
    found = [("vectorIndexConfig", collection.vectorIndexConfig)]
    found += [(f"vectors.{n}.vectorIndexConfig", v.vectorIndexConfig) for n, v in (collection.vectors or {}).items()]
    for path, index in found:
        if index is None:
            continue
        yield path, index
        for part in ("hnsw", "flat"):
            sub = getattr(index, part)
            if sub is not None:
                yield f"{path}.{part}", sub
