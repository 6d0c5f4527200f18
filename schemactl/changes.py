"""The change kinds a plan is made of: frozen values carrying before and after.

What is true of a kind belongs to its class, declared once: whether it destroys something or
moves data, where plans place it (`rank`), which summary count it adds to (`bucket`), what the
server is asked to do (`how`). Its saved-plan fields are its dataclass fields. The modules that
act on changes keep one entry per kind (apply.execute, render.describe, permissions.NEEDS), and
tests/test_change_kinds.py checks that every kind has each.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from .spec import Collection, NamedVector, Property


@dataclass(frozen=True)
class FieldChange:
    """One setting that differs: dotted path, live value, desired value."""

    path: str
    old: object
    new: object


@dataclass(frozen=True)
class VectorMove:
    """How one vector reaches the new collection in a recreate."""

    name: str  # "default" for the single legacy vector; a dropped vector's live name
    action: Literal["reuse", "re-embed", "drop", "empty"]  # empty: a new vector without a vectorizer
    reason: str
    source: str | None = None  # the live name of a renamed vector (its stored vectors are read there)


ON_CONVERT_ERROR = ("refuse", "null", "skipObject")


@dataclass(frozen=True)
class PropertyMove:
    """A property whose values do not copy as they are: renamed, retyped or dropped."""

    source: str  # its name in the live collection
    name: str | None  # its name in the new version; None: dropped
    old_type: str  # data types joined by "|"
    new_type: str | None
    conversion: Literal["widening", "parsing", "unsupported"] | None = None  # None: same type
    on_error: Literal["refuse", "null", "skipObject"] = "refuse"  # a value that does not convert
    reason: str = ""  # why a conversion is unsupported
    # nested properties of an object property the file no longer has ("b", "c.d"): left out of
    # every value (Weaviate's auto-schema would otherwise add them back to the new version)
    dropped_nested: tuple[str, ...] = ()

    @property
    def dropped(self) -> bool:
        return self.name is None

    @property
    def only_nested_dropped(self) -> bool:
        """An object property that keeps its name and type and loses nested properties, nothing else."""
        return bool(self.dropped_nested) and self.source == self.name and self.conversion is None \
            and self.old_type == self.new_type


@dataclass(frozen=True)
class Change:
    collection: str  # logical name

    kind: ClassVar[str] = ""
    symbol: ClassVar[str] = ""
    destructive: ClassVar[bool] = False
    moves_data: ClassVar[bool] = False
    deletes_data: ClassVar[bool] = False  # its objects are gone once it is done: the plan counts them
    executable: ClassVar[bool] = True  # False: reported for a human to act on
    # plans order changes by rank: creates (a reference needs its target), additive changes, a
    # replication scale (an update's PUT carries the new factor), in-place updates, recreates
    # (once everything they may reference exists), deletes, then what only a human can resolve
    rank: ClassVar[float] = 0
    bucket: ClassVar[str] = ""  # the plan summary's count: create, update_in_place, recreate, delete
    how: ClassVar[str] = ""  # what the server is asked to do, in the words of the docs' mechanism table

    def mechanism(self) -> str:
        return self.how

    def is_destructive(self) -> bool:
        """Whether carrying it out deletes something (--allow-destructive; policies)."""
        return self.destructive

    @property
    def touches_objects(self) -> bool:
        """Whether carrying it out reads or writes objects (over gRPC: apply reaches it first)."""
        return self.moves_data


@dataclass(frozen=True)
class CreateCollection(Change):
    definition: Collection = None  # type: ignore[assignment]
    kind: ClassVar[str] = "create"
    rank: ClassVar[float] = 0
    bucket: ClassVar[str] = "create"
    how: ClassVar[str] = "create"
    symbol: ClassVar[str] = "+"


@dataclass(frozen=True)
class AddProperty(Change):
    property: Property = None  # type: ignore[assignment]
    kind: ClassVar[str] = "add-property"
    rank: ClassVar[float] = 1
    bucket: ClassVar[str] = "update_in_place"
    how: ClassVar[str] = "in place (add property)"
    symbol: ClassVar[str] = "~"


@dataclass(frozen=True)
class AddNamedVector(Change):
    vector_name: str = ""
    vector: NamedVector = None  # type: ignore[assignment]
    kind: ClassVar[str] = "add-named-vector"
    rank: ClassVar[float] = 1
    bucket: ClassVar[str] = "update_in_place"
    how: ClassVar[str] = "in place (add named vector)"
    symbol: ClassVar[str] = "~"


@dataclass(frozen=True)
class UpdateInPlace(Change):
    fields: tuple[FieldChange, ...] = ()
    definition: Collection = None  # type: ignore[assignment]
    kind: ClassVar[str] = "update"
    rank: ClassVar[float] = 2
    bucket: ClassVar[str] = "update_in_place"
    how: ClassVar[str] = "in place"
    symbol: ClassVar[str] = "~"


@dataclass(frozen=True)
class IndexOperation:
    """One request to Weaviate's property index API (v1.39+; disable from v1.36):
    PUT (enable, retokenize) or DELETE (disable) /v1/schema/{c}/properties/{p}/index/{index}."""

    index: Literal["filterable", "searchable", "rangeFilters"]
    action: Literal["enable", "disable", "retokenize"]
    tokenization: str | None = None


@dataclass(frozen=True)
class ReindexProperty(Change):
    """A property's inverted indexes rebuilt in place by a server task: no data is copied and
    the vectors are untouched."""

    property_name: str = ""
    operations: tuple[IndexOperation, ...] = ()
    fields: tuple[FieldChange, ...] = ()
    definition: Collection = None  # type: ignore[assignment]
    kind: ClassVar[str] = "reindex"
    rank: ClassVar[float] = 2
    bucket: ClassVar[str] = "update_in_place"
    how: ClassVar[str] = "index task"
    symbol: ClassVar[str] = "~"


@dataclass(frozen=True)
class ScaleReplication(Change):
    """The replication factor changed by Weaviate's replication scale API (1.35+, with replica
    movement enabled): the server copies shard replicas to more nodes, or drops some; no data
    passes through schemactl and the collection stays where it is."""

    physical: str = ""
    fields: tuple[FieldChange, ...] = ()  # the factor (and asyncEnabled, which v1.39 derives from it)
    definition: Collection = None  # type: ignore[assignment]
    kind: ClassVar[str] = "scale-replication"
    rank: ClassVar[float] = 1.5
    bucket: ClassVar[str] = "update_in_place"
    how: ClassVar[str] = "replication scale"
    symbol: ClassVar[str] = "~"

    @property
    def factor(self) -> int:
        return self.definition.replication_factor


@dataclass(frozen=True)
class RecreateCollection(Change):
    """Weaviate refuses the change in place: new physical collection, copy data, cut over."""

    physical: str = ""  # the live physical collection the data comes from
    reasons: tuple[FieldChange, ...] = ()  # the immutable settings that force it
    fields: tuple[FieldChange, ...] = ()  # every setting that changes
    vectors: tuple[VectorMove, ...] = ()
    definition: Collection = None  # type: ignore[assignment]
    property_moves: tuple[PropertyMove, ...] = ()  # renamed, retyped and dropped properties
    version_note: str = ""  # set when a newer server would change it in place
    kind: ClassVar[str] = "recreate"
    rank: ClassVar[float] = 3
    bucket: ClassVar[str] = "recreate"
    how: ClassVar[str] = "recreate"
    symbol: ClassVar[str] = "-/+"
    moves_data: ClassVar[bool] = True

    @property
    def reembeds(self) -> bool:
        return any(v.action == "re-embed" for v in self.vectors)

    @property
    def reembeds_partly(self) -> bool:
        """Some vectors re-embedded, others reused (a named vector added: a backfill)."""
        return self.reembeds and any(v.action == "reuse" for v in self.vectors)

    def mechanism(self) -> str:
        how = "recreate, re-embed" if self.reembeds else "recreate, reuse vectors"
        return how + (" (destructive)" if self.is_destructive() else "")

    @property
    def adopts(self) -> bool:
        """The first migration of a collection made outside schemactl: its name must be freed for
        the alias, so the original is deleted (there is no version to roll back to)."""
        return self.physical == self.collection

    @property
    def drops(self) -> list[str]:
        """What the new version leaves behind: dropped properties and vectors, values that may
        not convert."""
        found = [f"property {m.source}" for m in self.property_moves if m.dropped]
        found += [f"nested property {m.name}.{n}" for m in self.property_moves for n in m.dropped_nested]
        found += [f"values of {m.source} that do not convert to {m.new_type} ({m.on_error})"
                  for m in self.property_moves if m.conversion == "parsing" and m.on_error != "refuse"]
        return found + [f"vector {v.name}" for v in self.vectors if v.action == "drop"]

    def is_destructive(self) -> bool:
        return self.adopts or bool(self.drops)

    def moved(self) -> str:
        """Its renames, retypes and drops in a few words (history; empty when there are none)."""
        parts = [f"{m.source} -> {m.name}" for m in self.property_moves if m.name and m.name != m.source]
        parts += [f"{m.name} {m.old_type} -> {m.new_type}" for m in self.property_moves
                  if m.name and m.new_type != m.old_type]
        parts += [f"vector {v.source} -> {v.name}" for v in self.vectors if v.source]
        parts += [f"drops {what}" for what in self.drops]
        return "; ".join(parts)


@dataclass(frozen=True)
class FinishHandOver(Change):
    """A recreate stopped after its alias moved, before what follows was done (its checkpoint says
    so). Multi-tenant: the tenants created in the old version as the alias moved are carried
    over, the old version's tenants go to sleep and the new version's take their statuses. A
    rename: the old name's alias, still at the old version, is removed."""

    physical: str = ""  # the old version: the copy's source
    target: str = ""  # the new version, which the alias points at already
    auto_activation: bool = False  # the new version's autoTenantActivation once done (on until then)
    old_alias: str = ""  # a rename's old name, its alias still at the old version
    multi_tenant: bool = True  # the hand-over of tenants is left (a rename of a collection without: only the alias)
    alias_left: bool = False  # a first cutover stopped after deleting the original to free its name: no alias yet
    kind: ClassVar[str] = "finish-hand-over"
    rank: ClassVar[float] = -1  # before anything else touches the collection
    bucket: ClassVar[str] = "update_in_place"
    how: ClassVar[str] = "finish a recreate's hand-over"
    symbol: ClassVar[str] = "~"
    moves_data: ClassVar[bool] = True  # late tenants' objects, over gRPC; its checkpoint written and dropped

    def mechanism(self) -> str:
        return self.how if self.multi_tenant else "finish a rename's cutover" if self.old_alias else "finish a cutover"

    @property
    def touches_objects(self) -> bool:
        return self.multi_tenant  # a rename's cutover left: only an alias to remove; else only its record


@dataclass(frozen=True)
class DiscardCopy(Change):
    """A copy an apply stopped in before its alias moved, which the files no longer ask for (no
    step recreates its source): the new version, never served, is deleted, and the source is
    as it was (a fence on its writes lifted, its tenant settings back)."""

    physical: str = ""  # the copy's source, which the name still serves
    target: str = ""  # the stopped copy
    kind: ClassVar[str] = "discard-copy"
    rank: ClassVar[float] = -1  # before anything else touches the collection
    bucket: ClassVar[str] = "update_in_place"
    how: ClassVar[str] = "discard a stopped copy"
    symbol: ClassVar[str] = "~"


@dataclass(frozen=True)
class DeleteCollection(Change):
    physical: str = ""
    kind: ClassVar[str] = "delete"
    rank: ClassVar[float] = 4
    bucket: ClassVar[str] = "delete"
    how: ClassVar[str] = "delete (destructive)"
    symbol: ClassVar[str] = "-"
    destructive: ClassVar[bool] = True
    deletes_data: ClassVar[bool] = True


CHANGE_TYPES: tuple[type[Change], ...] = (CreateCollection, AddProperty, AddNamedVector, UpdateInPlace,
                                          ReindexProperty, ScaleReplication, RecreateCollection, FinishHandOver,
                                          DiscardCopy, DeleteCollection)
BY_KIND: dict[str, type[Change]] = {c.kind: c for c in CHANGE_TYPES}
