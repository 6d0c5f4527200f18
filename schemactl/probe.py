"""The equivalence probe (`plan --probe`): does a changed vectorization still give the vectors a
collection stores? For example hosted `model: X` moved to an endpoint serving X, or another host.

A sample of stored objects is embedded through the new settings by Weaviate itself — in a
throwaway collection (`SchemactlProbe...`, deleted at once), so the text is exactly what the
module would build — and compared with the stored vectors. Cosine >= 0.999 on every object:
the vectors are reused (the plan shows the measured similarity); otherwise they are re-embedded.
It embeds the sample, nothing else, and writes nothing else. The time that took is the measured
embedding rate the plan's time estimate uses (vectors added by the plan are embedded for that too).
"""
from __future__ import annotations

import math
import secrets
import time
from typing import NamedTuple

from .changes import RecreateCollection, VectorMove
from .diff import LEGACY_VECTOR
from .errors import SchemactlError
from .live import RestClient, active_tenants
from .owned import PROBE_PREFIX
from .rest_json import to_rest

SAMPLE = 20
THRESHOLD = 0.999
PREFIX = "probe:"


class Probed(NamedTuple):
    change: RecreateCollection
    texts_per_second: float | None  # measured while embedding the sample; None when nothing was embedded


def probed(reader: RestClient, change: RecreateCollection, sample: int = SAMPLE) -> Probed:
    """`change` with each re-embedded vector that existed before probed: reused when the new
    settings reproduce the stored vectors, re-embedded (with the measured similarity) when not."""
    embedded = [v.name for v in change.vectors if v.action == "re-embed"]
    candidates = [n for n in embedded if next(v for v in change.vectors if v.name == n).reason != "new vector"]
    if not embedded:
        return Probed(change, None)
    stored = _sample(reader, change, sample)
    if not stored:
        return Probed(change, None)
    fresh, seconds = _embedded_again(reader, change, embedded, stored)
    rate = len(stored) * len(embedded) / max(seconds, 1e-3)
    moves = []
    for move in change.vectors:
        if move.name not in candidates:
            moves.append(move)
            continue
        lowest = min(_cosine(_vector(o, move.name), fresh[o["id"]].get(move.name)) for o in stored)
        if lowest >= THRESHOLD:
            moves.append(VectorMove(move.name, "reuse", f"{PREFIX} the new settings give the stored vectors "
                                                       f"(cosine >= {lowest:.4f} on {len(stored)} objects)"))
        else:
            moves.append(VectorMove(move.name, "re-embed", f"{move.reason}; {PREFIX} lowest cosine {lowest:.4f} "
                                                           f"on {len(stored)} objects"))
    result = RecreateCollection(change.collection, physical=change.physical, reasons=change.reasons,
                                fields=change.fields, vectors=tuple(moves), definition=change.definition)
    return Probed(result, rate)


def _sample(reader: RestClient, change: RecreateCollection, size: int) -> list[dict]:
    """Up to `size` stored objects with their vectors; for a multi-tenant collection, from the
    first active tenant that holds any (inactive ones are never woken)."""
    tenants: list[str | None] = [None]
    if change.definition.multi_tenant:
        tenants = list(active_tenants(reader, change.physical))
    for tenant in tenants:
        query = f"/v1/objects?class={change.physical}&limit={size}&include=vector"
        objects = reader.get(query + (f"&tenant={tenant}" if tenant else "")).get("objects") or []
        if objects:
            return objects
    return []


def _embedded_again(reader: RestClient, change: RecreateCollection, names: list[str],
                    stored: list[dict]) -> tuple[dict, float]:
    """(object id -> vector name -> the vector Weaviate makes for it with the new settings,
    seconds the batch that embedded them took)."""
    body = to_rest(change.definition)
    probe = f"{PROBE_PREFIX}{secrets.token_hex(6)}"
    scratch: dict = {"class": probe, "properties": [p for p in body.get("properties", [])
                                                    if p["dataType"][0][:1].islower()]}  # no references
    if "vectorConfig" in body:
        scratch["vectorConfig"] = {n: body["vectorConfig"][n] for n in names}
    else:
        scratch["vectorizer"] = body["vectorizer"]
        scratch["moduleConfig"] = {body["vectorizer"]: body["moduleConfig"][body["vectorizer"]]}
    kept = {p["name"] for p in scratch["properties"]}
    reader.post("/v1/schema", scratch)
    try:
        objects = [{"class": probe, "id": o["id"],
                    "properties": {k: v for k, v in (o.get("properties") or {}).items() if k in kept}} for o in stored]
        started = time.monotonic()
        reply = reader.send("POST", "/v1/batch/objects", {"objects": objects}, "embed the probe sample")
        seconds = time.monotonic() - started
        failed: list = [r for r in reply if (r.get("result") or {}).get("errors")] if isinstance(reply, list) else []
        if failed:
            raise SchemactlError(f"the probe could not embed its sample: "
                                 f"{failed[0]['result']['errors']['error'][0]['message']}")
        found = reader.get(f"/v1/objects?class={probe}&limit={len(stored)}&include=vector").get("objects") or []
        return {o["id"]: {n: _vector(o, n) for n in names} for o in found}, seconds
    finally:
        reader.send("DELETE", f"/v1/schema/{probe}", None, f"delete the probe collection {probe}")


def _vector(obj: dict, name: str) -> list[float] | None:
    if name == LEGACY_VECTOR and obj.get("vector"):
        return obj["vector"]
    return (obj.get("vectors") or {}).get(name)


def _cosine(a: list[float] | None, b: list[float] | None) -> float:
    if not a or not b or len(a) != len(b):
        return 0.0
    dot = sum(x * y for x, y in zip(a, b))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0
