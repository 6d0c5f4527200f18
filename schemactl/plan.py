"""Order changes into steps, attach estimates, fingerprint inputs. No side effects.

A Plan is an immutable value; `to_document()` is its saved form (docs/reference/plan-file.md).
"""
from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from dataclasses import fields as dataclass_fields
from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from . import __version__, modules
from .changes import (BY_KIND, Change, CreateCollection, FieldChange, IndexOperation, PropertyMove, RecreateCollection,
                      VectorMove)
from .errors import SchemactlError
from .naming import in_version_order
from .spec import Collection, NamedVector, Property

FORMAT = "schemactl-plan/1"
BUCKETS = ("create", "update_in_place", "recreate", "delete")  # the summary's counts, in order
TEXTS_PER_REQUEST = 100  # where a module's batching is not known
INAPPLICABLE = "this plan cannot be applied: "  # what plan says of a plan apply would refuse


def _module_of(definition: Collection, vector: str) -> str:
    if definition.vectors is not None and vector in definition.vectors:
        return definition.vectors[vector].vectorizer.module
    return definition.vectorizer.module if definition.vectorizer is not None else "none"


@dataclass(frozen=True)
class ValueCheck:
    """What the data holds for one renamed, retyped or dropped property, read at plan time."""

    property: str  # its live name
    held: int  # objects holding a value for it
    failing: int = 0  # values its conversion refuses
    examples: tuple[tuple[str, str, str], ...] = ()  # (uuid, value, why) of the first few refused
    unread_tenants: int = 0  # tenants asleep: not read at plan time (the copy converts them as it goes)
    nested_held: int = 0  # objects whose value holds a nested property the move drops


@dataclass(frozen=True)
class Estimate:
    """What a data-moving step will move, read from the live collection before planning."""

    objects: int = 0
    per_tenant: dict[str, int] = field(default_factory=dict)
    text_chars: int = 0  # characters the re-embedded vectors will send (estimated from a sample)
    texts_per_second: float | None = None  # the embedding rate `--probe` measured on the new settings
    values: tuple[ValueCheck, ...] = ()  # per moved property (plan reads the values)
    asleep_tenants: int = 0  # tenants not counted: reading them would wake them (the copy moves them too)
    copied: int = 0  # of `objects`: held by an unfinished copy for this same change, which apply resumes


@dataclass(frozen=True)
class Step:
    number: int
    change: Change
    estimate: Estimate | None = None

    @property
    def embedding_requests(self) -> int:
        return sum(requests for _, requests, _ in self._embedding())

    @property
    def texts_to_embed(self) -> int:
        """One text per re-embedded vector per object."""
        return sum(texts for texts, _, _ in self._embedding())

    @property
    def estimated_seconds(self) -> float | None:
        """How long embedding takes at the measured rate, never below the request-budget floor;
        None when no rate was measured."""
        if self.estimate is None or not self.estimate.texts_per_second or not self.texts_to_embed:
            return None
        return max(self.texts_to_embed / self.estimate.texts_per_second, self.minimum_embedding_seconds)

    def embedding_cost(self, price_per_1k_texts: float | None) -> float | None:
        if price_per_1k_texts is None or not self.texts_to_embed:
            return None
        return self.texts_to_embed / 1000 * price_per_1k_texts

    @property
    def minimum_embedding_seconds(self) -> float:
        """A floor on the time re-embedding takes: the modules' request budgets (where known)."""
        return sum(60 * requests / rpm for _, requests, rpm in self._embedding() if rpm)

    def _embedding(self) -> list[tuple[int, int, int | None]]:
        """(texts, requests, requests a minute allowed) per re-embedded vector."""
        if not isinstance(self.change, RecreateCollection) or self.estimate is None:
            return []
        out = []
        for v in self.change.vectors:
            if v.action == "re-embed":
                module = modules.get(_module_of(self.change.definition, v.name))
                batch = module.texts_per_request or TEXTS_PER_REQUEST
                out.append((self.estimate.objects, self._requests(batch), module.requests_per_minute))
        return out

    def budget_note(self) -> str:
        """How the request budget bounds the time, and how an account allowed more says so."""
        headers = sorted({m.budget_header for m in self._reembedding_modules() if m.budget_header})
        raise_it = f"; an account allowed more says so with --header {headers[0]}=N" if headers else ""
        return f"the module allows 100 requests a minute per API key by default{raise_it}"

    def _reembedding_modules(self) -> list:
        if not isinstance(self.change, RecreateCollection):
            return []
        return [modules.get(_module_of(self.change.definition, v.name)) for v in self.change.vectors
                if v.action == "re-embed"]

    def _requests(self, batch: int) -> int:
        """Embedding requests: a multi-tenant copy writes each tenant on its own, so every tenant
        with objects costs at least one request."""
        assert self.estimate is not None
        counts = self.estimate.per_tenant.values() if self.estimate.per_tenant else [self.estimate.objects]
        return sum(math.ceil(n / batch) for n in counts)


@dataclass(frozen=True)
class Plan:
    steps: tuple[Step, ...]
    target: str  # the cluster URL, for the reader
    desired_hash: str
    live_fingerprint: str
    unmanaged: tuple[str, ...] = ()
    retained: tuple[str, ...] = ()  # old physical versions kept for rollback
    created_at: str = ""
    # live collections schemactl cannot represent: (name, why); never changed by a plan
    unmanageable: tuple[tuple[str, str], ...] = ()
    price_per_1k_texts: float | None = None  # what embedding costs, given by the user
    warnings: tuple[str, ...] = ()  # what the reader must know before applying (a node down, ...)
    # versions no alias ever served (a copy that failed or was killed): not rollback targets
    unfinished: tuple[str, ...] = ()
    environment: str | None = None  # --env it was made in (apply refuses it in another)
    overridden: tuple[str, ...] = ()  # "Collection: setting" the environment's overrides set
    made_by: str = __version__  # the schemactl release that made it (a saved plan's own)

    @property
    def has_changes(self) -> bool:
        return bool(self.steps)

    def count(self, bucket: str) -> int:
        """Steps whose kind adds to `bucket` of the summary (Change.bucket)."""
        return sum(s.change.bucket == bucket for s in self.steps)

    def objects(self, action: str) -> int:
        """Objects whose vectors are re-embedded ("re-embed": some or all of them; "partly": some,
        the others reused) or all reused ("reuse")."""
        total = 0
        for s in self.steps:
            if isinstance(s.change, RecreateCollection) and s.estimate and _moves_as(s.change, action):
                total += s.estimate.objects
        return total


def _moves_as(change: RecreateCollection, action: str) -> bool:
    if action == "partly":
        return change.reembeds_partly
    return (action == "re-embed") == change.reembeds


def make_plan(changes: tuple[Change, ...], *, target: str, desired_hash: str, live_fingerprint: str,
              estimates: dict[str, Estimate] | None = None, references: dict[str, set[str]] | None = None,
              unmanaged: tuple[str, ...] = (), retained: tuple[str, ...] = (),
              unmanageable: dict[str, str] | None = None, price_per_1k_texts: float | None = None,
              warnings: tuple[str, ...] = (), unfinished: tuple[str, ...] = (),
              environment: str | None = None, overridden: tuple[str, ...] = ()) -> Plan:
    """Steps in a safe order; each keeps the change that caused it."""
    estimates = estimates or {}
    ordered = order(changes, references or {})
    steps = tuple(Step(i, c, estimates.get(c.collection) if c.moves_data or c.deletes_data else None)
                  for i, c in enumerate(ordered, 1))
    return Plan(steps, target, desired_hash, live_fingerprint, tuple(sorted(unmanaged)),
                tuple(sorted(retained, key=in_version_order)), datetime.now(timezone.utc).isoformat(timespec="seconds"),
                tuple(sorted((unmanageable or {}).items())), price_per_1k_texts, warnings,
                tuple(sorted(unfinished, key=in_version_order)),
                environment, overridden)


def order(changes: tuple[Change, ...], references: dict[str, set[str]]) -> list[Change]:
    """By each kind's rank (Change.rank: creates, additive changes, in-place updates, recreates,
    deletes, then the drift only a human can resolve). Among creates and recreations, referenced
    collections come before those that reference them: a create that references a recreated
    collection waits for its new version."""
    new_versions = {c.collection: c for c in changes if isinstance(c, (CreateCollection, RecreateCollection))}
    position: dict[str, tuple[float, int]] = {}  # collection -> (rank, depth) once its dependencies are placed
    for name in _by_dependency(sorted(new_versions), references):
        before = [position[t] for t in references.get(name, set()) - {name} if t in position]
        position[name] = (max([new_versions[name].rank] + [r for r, _ in before]),
                          1 + max((d for _, d in before), default=-1))

    def key(change: Change) -> tuple:
        placed = position.get(change.collection) if isinstance(change, (CreateCollection, RecreateCollection)) \
            else None
        return (*(placed or (change.rank, 0)), change.collection)
    return sorted(changes, key=key)


def _by_dependency(names: list[str], references: dict[str, set[str]]) -> list[str]:
    """`names` with each after the ones it references; a reference cycle is broken in name order."""
    pending = dict.fromkeys(names)
    done: list[str] = []
    while pending:
        ready = [n for n in pending if not (references.get(n, set()) - {n}) & set(pending)]
        for name in ready or [next(iter(pending))]:
            done.append(name)
            pending.pop(name)
    return done


def dollars(amount: float) -> str:
    """An amount of money as shown: cents, or two significant digits below a cent (never $0.00
    for a cost that is not nothing)."""
    if amount >= 0.01 or amount == 0:
        return f"${amount:,.2f}"
    rounded = float(f"{amount:.2g}")  # two significant digits, in plain decimals (not 1e-05)
    return "$" + f"{rounded:.{1 - math.floor(math.log10(rounded))}f}".rstrip("0")


def references_of(collections: dict[str, Collection]) -> dict[str, set[str]]:
    return {name: c.referenced_collections for name, c in collections.items()}


# ---- fingerprints ---------------------------------------------------------------------------

def hash_files(contents: dict[str, bytes]) -> str:
    """sha256 over the desired files: path and bytes, in path order."""
    digest = hashlib.sha256()
    for path in sorted(contents):
        digest.update(path.encode() + b"\0" + contents[path] + b"\0")
    return digest.hexdigest()


def fingerprint_live(raw_classes: dict[str, dict], aliases: dict[str, str]) -> str:
    """sha256 of the live schema as read (shard counts excluded: they move without a change; the
    properties by name: the server may list them in another order after an update)."""
    stable = {name: {k: v for k, v in body.items() if k not in ("shardingConfig", "properties")} | {
        "shardingConfig": {k: v for k, v in (body.get("shardingConfig") or {}).items() if not k.startswith("actual")},
        "properties": sorted(body.get("properties") or [], key=lambda p: str(p.get("name")))}
        for name, body in raw_classes.items()}
    blob = json.dumps({"classes": stable, "aliases": aliases}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def checksum(document: dict) -> str:
    body = {k: v for k, v in document.items() if k != "checksum"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def summary(plan: Plan) -> dict:
    return {
        **{bucket: plan.count(bucket) for bucket in BUCKETS},
        "reembed_objects": plan.objects("re-embed"),
        "partly_reembed_objects": plan.objects("partly"),
        "reuse_objects": plan.objects("reuse"),
        "texts_to_embed": sum(s.texts_to_embed for s in plan.steps),
        "estimated_embedding_seconds": _total(s.estimated_seconds for s in plan.steps if s.texts_to_embed),
        "estimated_cost": _money(_total((s.embedding_cost(plan.price_per_1k_texts) for s in plan.steps
                                         if s.texts_to_embed), 12)),
    }


def _total(values, digits: int = 2) -> float | None:
    """The sum, or None when any part is unknown (a partial total would read as the whole)."""
    listed = list(values)
    if not listed or any(v is None for v in listed):
        return None
    return round(sum(listed), digits)


def _money(amount: float | None) -> float | None:
    """Dollars to four significant digits: a cost below a cent stays one (dollars shows it so),
    never rounded to $0.00."""
    return None if amount is None else float(f"{amount:.4g}")


def to_document(plan: Plan) -> dict:
    """The saved plan: stable JSON, no secrets (only schema, names, counts and hashes)."""
    document = {
        "format": FORMAT,
        "schemactl_version": __version__,
        "created_at": plan.created_at,
        "target": plan.target,
        "environment": plan.environment,
        "environment_overrides": list(plan.overridden),
        "desired_hash": plan.desired_hash,
        "live_fingerprint": plan.live_fingerprint,
        "embedding_price_per_1k_texts": plan.price_per_1k_texts,
        "warnings": list(plan.warnings),
        "summary": summary(plan),
        "steps": [_step(s, plan.price_per_1k_texts) for s in plan.steps],
        "unmanaged": list(plan.unmanaged),
        "retained": list(plan.retained),
        "unfinished": list(plan.unfinished),
        "unmanageable": [{"name": name, "reason": why} for name, why in plan.unmanageable],
    }
    document["checksum"] = checksum(document)
    return document


def change_document(change: Change) -> dict:
    """What a change says, without its step number or estimate: compared with a fresh diff."""
    out = _step(Step(0, change))
    out.pop("step")
    return json.loads(json.dumps(out, sort_keys=True))


def change_from_document(document: dict) -> Change:
    """The change `change_document` described (a checkpoint keeps its recreate's this way)."""
    return _change(_StepDoc.model_validate({"step": 0} | document))


def _step(step: Step, price_per_1k_texts: float | None = None) -> dict:
    c = step.change
    out = {"step": step.number, "kind": c.kind, "collection": c.collection,
           "destructive": c.is_destructive(), "moves_data": c.moves_data, "executable": c.executable}
    present = _saved_fields(type(c))
    for codec in CODECS:  # in the document's order
        if codec.attribute in present:
            value = codec.encode(getattr(c, codec.attribute))
            if value is not None:
                out[codec.key] = value
    if step.estimate is not None:
        e = step.estimate
        estimate: dict[str, Any] = {
            "objects": e.objects, "per_tenant": e.per_tenant, "asleep_tenants": e.asleep_tenants,
            "text_chars": e.text_chars,
            "texts_to_embed": step.texts_to_embed, "embedding_requests": step.embedding_requests,
            "minimum_embedding_seconds": round(step.minimum_embedding_seconds, 1),
            "texts_per_second": _rounded(e.texts_per_second, 1),
            "estimated_embedding_seconds": _rounded(step.estimated_seconds, 1),
            "estimated_cost": _money(step.embedding_cost(price_per_1k_texts))}
        if e.copied:
            estimate["copied"] = e.copied
        if step.estimate.values:
            # the uuids only: the values themselves (user data) stay out of files and comments
            estimate["values"] = [asdict(v) | {"examples": [uuid for uuid, _, _ in v.examples]}
                                  for v in step.estimate.values]
        out["estimate"] = estimate
    return out


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


# ---- saved plans back into values -----------------------------------------------------------

class PlanFileInvalid(SchemactlError):
    """A saved plan that cannot be trusted: unreadable, edited, or from another format."""


NAME = r"^[A-Z][_0-9A-Za-z]*$"


class _Doc(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


class _FieldDoc(_Doc):
    path: str
    old: Any = None
    new: Any = None


class _VectorDoc(_Doc):
    name: str
    action: Literal["reuse", "re-embed", "drop", "empty"]
    reason: str
    source: str | None = None


class _PropertyMoveDoc(_Doc):
    source: str
    name: str | None = None
    old_type: str
    new_type: str | None = None
    conversion: Literal["widening", "parsing", "unsupported"] | None = None
    on_error: Literal["refuse", "null", "skipObject"] = "refuse"
    reason: str = ""
    dropped_nested: list[str] = []


class _ValueCheckDoc(_Doc):
    property: str
    held: int
    failing: int = 0
    examples: list[str] = []  # uuids
    unread_tenants: int = 0
    nested_held: int = 0


class _EstimateDoc(_Doc):
    values: list[_ValueCheckDoc] = []
    objects: int
    per_tenant: dict[str, int]
    asleep_tenants: int = 0
    copied: int = 0  # held by an unfinished copy for this change (apply resumes it)
    text_chars: int
    texts_per_second: float | None = None  # measured by --probe
    texts_to_embed: int = 0
    embedding_requests: int = 0
    minimum_embedding_seconds: float = 0
    estimated_embedding_seconds: float | None = None
    estimated_cost: float | None = None


class _OperationDoc(_Doc):
    index: Literal["filterable", "searchable", "rangeFilters"]
    action: Literal["enable", "disable", "retokenize"]
    tokenization: str | None = None


class _StepDoc(_Doc):
    step: int
    kind: Literal["create", "add-property", "add-named-vector", "update", "reindex", "scale-replication",
                  "recreate", "finish-hand-over", "discard-copy", "delete"]
    collection: str = Field(pattern=NAME)
    destructive: bool = False
    moves_data: bool = False
    executable: bool = True
    physical: str | None = Field(default=None, pattern=NAME)
    target: str | None = Field(default=None, pattern=NAME)
    auto_activation: bool | None = None
    old_alias: str | None = Field(default=None, pattern=NAME)
    alias_left: bool | None = None
    multi_tenant: bool | None = None
    version_note: str | None = None
    vector_name: str | None = None
    property_name: str | None = None
    data_type: list[str] | None = None
    fields: list[_FieldDoc] = []
    forced_by: list[str] = []
    vectors: list[_VectorDoc] = []
    property_moves: list[_PropertyMoveDoc] = []
    operations: list[_OperationDoc] = []
    definition: dict | None = None
    property: dict | None = None
    vector: dict | None = None
    estimate: _EstimateDoc | None = None


class _SummaryDoc(_Doc):
    create: int
    update_in_place: int
    recreate: int
    delete: int
    reembed_objects: int
    reuse_objects: int
    partly_reembed_objects: int = 0  # of reembed_objects: those whose other vectors are reused
    texts_to_embed: int = 0
    estimated_embedding_seconds: float | None = None  # null unless every re-embedding step has one
    estimated_cost: float | None = None


class _PlanDoc(_Doc):
    """A saved plan (`plan --json`, `--out`): what apply reads back, and the published schema
    policy tools read (`schemactl jsonschema --plan`)."""

    format: Literal["schemactl-plan/1"] = "schemactl-plan/1"
    schemactl_version: str = ""
    checksum: str = ""
    summary: _SummaryDoc | None = None
    created_at: str
    target: str
    environment: str | None = None
    environment_overrides: list[str] = []
    desired_hash: str
    live_fingerprint: str
    steps: list[_StepDoc]
    unmanaged: list[str] = []
    retained: list[str] = []
    unfinished: list[str] = []
    unmanageable: list[dict[str, str]] = []
    embedding_price_per_1k_texts: float | None = None
    warnings: list[str] = []
    error: str | None = None  # plan --json only: why plan exits 1 (never in a plan it saves)


def from_document(document: object, source: str = "plan file") -> Plan:
    """The Plan a saved document describes; PlanFileInvalid when it is not intact."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise PlanFileInvalid(f"{source} is not a schemactl plan (expected format {FORMAT!r})")
    if isinstance(document.get("error"), str):
        raise PlanFileInvalid(f"{source} is a plan that plan refused ({document['error']}); plan again once fixed")
    if not isinstance(document.get("checksum"), str):
        raise PlanFileInvalid(f"{source} has no checksum: not a plan as schemactl saves it (plan --out); plan again")
    if document.get("checksum") != checksum(document):
        raise PlanFileInvalid(f"{source} was modified after it was saved (checksum mismatch); plan again")
    try:
        doc = _PlanDoc.model_validate(document)
        steps = tuple(Step(s.step, _change(s), _estimate(s)) for s in doc.steps)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise PlanFileInvalid(f"{source} has an invalid entry at {where}: {first['msg']}{_release_of(document)}") \
            from None
    except (KeyError, TypeError, ValueError) as error:
        raise PlanFileInvalid(f"{source} has a step schemactl cannot read: {str(error).splitlines()[0]}"
                              f"{_release_of(document)}") from None
    return Plan(steps, doc.target, doc.desired_hash, doc.live_fingerprint, tuple(doc.unmanaged),
                tuple(doc.retained), doc.created_at,
                tuple((u.get("name", ""), u.get("reason", "")) for u in doc.unmanageable),
                doc.embedding_price_per_1k_texts, tuple(doc.warnings), tuple(doc.unfinished), doc.environment,
                tuple(doc.environment_overrides), doc.schemactl_version)


def _release_of(document: dict) -> str:
    """For a plan another schemactl release made, which one (what it writes may differ)."""
    made_by = document.get("schemactl_version")
    if made_by == __version__:
        return ""
    return f" (it was made by schemactl {made_by or 'an earlier release'}, this is {__version__}: plan again with this one)"


def _change(s: _StepDoc) -> Change:
    kind = BY_KIND[s.kind]
    present = _saved_fields(kind)
    return kind(s.collection, **{c.attribute: c.decode(s) for c in CODECS if c.attribute in present})


# ---- a change's fields in the saved plan ----------------------------------------------------

@dataclass(frozen=True)
class Codec:
    """One dataclass field of the change kinds, as the saved plan holds it under `key` (None
    from `encode`: left out)."""

    attribute: str
    key: str
    encode: Callable[[Any], Any]
    decode: Callable[[_StepDoc], Any]


def _saved_fields(kind: type[Change]) -> set[str]:
    return {f.name for f in dataclass_fields(kind)} - {"collection"}


def _required(value):
    if value is None:
        raise ValueError("a field this step needs is missing")
    return value


def _text(name: str) -> Codec:
    return Codec(name, name, lambda value: value or None, lambda s: _required(getattr(s, name)))


def _model(name: str, model: type[BaseModel]) -> Codec:
    return Codec(name, name, lambda value: None if value is None else value.model_dump(mode="json", exclude_none=True),
                 lambda s: model.model_validate(getattr(s, name), strict=False))


def _field_changes(s: _StepDoc) -> tuple[FieldChange, ...]:
    return tuple(FieldChange(f.path, f.old, f.new) for f in s.fields)


CODECS: tuple[Codec, ...] = (  # every dataclass field of every change kind but `collection`
    _text("physical"),
    _text("target"),
    Codec("auto_activation", "auto_activation", lambda value: value, lambda s: bool(s.auto_activation)),
    Codec("old_alias", "old_alias", lambda value: value or None, lambda s: s.old_alias or ""),
    Codec("alias_left", "alias_left", lambda value: value or None, lambda s: bool(s.alias_left)),
    Codec("multi_tenant", "multi_tenant", lambda value: value, lambda s: s.multi_tenant is not False),
    Codec("version_note", "version_note", lambda value: value or None, lambda s: s.version_note or ""),
    _text("vector_name"),
    _text("property_name"),
    Codec("data_type", "data_type", lambda value: list(value) or None, lambda s: tuple(_required(s.data_type))),
    Codec("fields", "fields", lambda value: [{"path": f.path, "old": f.old, "new": f.new} for f in value],
          _field_changes),
    Codec("operations", "operations",
          lambda value: [{"index": o.index, "action": o.action, "tokenization": o.tokenization} for o in value],
          lambda s: tuple(IndexOperation(o.index, o.action, o.tokenization) for o in s.operations)),
    Codec("reasons", "forced_by", lambda value: [f.path for f in value],
          lambda s: tuple(f for f in _field_changes(s) if f.path in set(s.forced_by))),
    Codec("vectors", "vectors", lambda value: [_without_none(asdict(v)) for v in value],
          lambda s: tuple(VectorMove(v.name, v.action, v.reason, v.source) for v in s.vectors)),
    Codec("property_moves", "property_moves",
          lambda value: [_without_none(asdict(m) | {"dropped_nested": list(m.dropped_nested)}) for m in value] or None,
          lambda s: tuple(PropertyMove(**m.model_dump() | {"dropped_nested": tuple(m.dropped_nested)})
                          for m in s.property_moves)),
    _model("definition", Collection),
    _model("property", Property),
    _model("vector", NamedVector),
)


def _without_none(values: dict) -> dict:
    return {k: v for k, v in values.items() if v is not None}


def _estimate(s: _StepDoc) -> Estimate | None:
    e = s.estimate
    if e is None:
        return None
    values = tuple(ValueCheck(v.property, v.held, v.failing, tuple((uuid, "", "") for uuid in v.examples),
                              v.unread_tenants, v.nested_held) for v in e.values)
    return Estimate(e.objects, dict(e.per_tenant), e.text_chars, e.texts_per_second, values, e.asleep_tenants,
                    e.copied)
