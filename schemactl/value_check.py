"""Before anything is created: what the stored values of each renamed, retyped or dropped property
are, read with a cursor (constant memory) in every tenant that can be read without waking it.
A retyped property's values go through the very conversion the copy applies (reshape.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from . import conversions
from .changes import PropertyMove, RecreateCollection
from .connection import Target, connect
from .errors import SchemactlError
from .live import RestClient, active_tenants, is_active, tenant_status, vanished
from .plan import ValueCheck
from .reshape import Reshape, check
from .spec import PRIMITIVE_TYPES

EXAMPLES = 5  # refused values kept per property (the plan shows a few)
READ_PAGE = 1000


@dataclass
class _Tally:
    held: int = 0
    failing: int = 0
    nested_held: int = 0  # values holding a nested property the move drops
    examples: list[tuple[str, str, str]] = field(default_factory=list)


def needs_reading(change: RecreateCollection) -> list[PropertyMove]:
    """The moves whose values are read: not those refused anyway, nor a dropped reference to
    several collections (a query names one of them at a time)."""
    return [m for m in change.property_moves if m.conversion != "unsupported" and len(_targets(m)) <= 1]


def _targets(move: PropertyMove) -> list[str]:
    """The collections a reference property points to (none for a property of values)."""
    return [t for t in move.old_type.split("|") if t not in PRIMITIVE_TYPES]


def value_checks(reader: RestClient, target: Target, change: RecreateCollection,
                 multi_tenant: bool) -> tuple[ValueCheck, ...]:
    """One ValueCheck per moved property of `change`, read from its live collection."""
    moves = needs_reading(change)
    if not moves:
        return ()
    tenants: list[str | None] = [None]
    asleep = 0
    if multi_tenant:
        every = reader.get(f"/v1/schema/{change.physical}/tenants")
        tenants = list(active_tenants(reader, change.physical))
        asleep = len(every) - len(tenants)
    tallies = {m.source: _Tally() for m in moves}
    reshape = Reshape.of(change)
    client = connect(target)
    try:
        for tenant in tenants:
            status = _status_now(reader, change.physical, tenant) if tenant is not None else "HOT"
            if status is None:
                continue  # deleted since it was listed: nothing of it to copy
            if not is_active(status) or not _read(client, change.physical, tenant, moves, reshape, tallies):
                asleep += 1  # asleep, or put to sleep as it was read: not read (the copy converts it as it goes)
    finally:
        client.close()
    return tuple(ValueCheck(m.source, tallies[m.source].held, tallies[m.source].failing,
                            tuple(tallies[m.source].examples), asleep, tallies[m.source].nested_held) for m in moves)


def _status_now(reader: RestClient, physical: str, tenant: str) -> str | None:
    """The tenant's status, asked just before its values are read (None: it is gone): the listing
    before all the reads is seconds old, and a read of a tenant the application has put to sleep
    since wakes it (autoTenantActivation)."""
    status, body = reader.probe(f"/v1/schema/{physical}/tenants/{quote(tenant, safe='')}")
    return tenant_status(body.get("activityStatus")) if status == 200 else None


def _read(client, physical: str, tenant: str | None, moves: list[PropertyMove], reshape: Reshape,
          tallies: dict[str, _Tally]) -> bool:
    """Every value of the moves in `tenant`, tallied; False when the tenant went (deleted or put
    to sleep) as it was read."""
    from weaviate.classes.query import QueryReference
    from weaviate.exceptions import WeaviateBaseError

    collection = client.collections.use(physical)
    if tenant is not None:
        collection = collection.with_tenant(tenant)
    parsed = {m.source for m in moves if m.conversion == "parsing"}
    # an object property losing nested properties counts the values that hold one of them; one that
    # only loses them holds nothing else worth counting
    pruned = {m.source: m.name for m in moves if m.dropped_nested and m.name is not None}
    nested = {m.source for m in moves if m.only_nested_dropped}
    references = [m.source for m in moves if _targets(m)]  # a dropped reference: the objects holding one
    try:
        for obj in collection.iterator(include_vector=False,
                                       return_properties=[m.source for m in moves if m.source not in references],
                                       return_references=[QueryReference(link_on=r, return_properties=[])
                                                          for r in references] or None,
                                       cache_size=READ_PAGE):
            held = {r: [o.uuid for o in obj.references[r].objects] for r in references
                    if obj.references and r in obj.references}
            for source, value in [*(obj.properties or {}).items(), *held.items()]:
                if source not in tallies or value is None or value == []:
                    continue
                loses = source in pruned and reshape.prune(pruned[source], value) != value
                if source in nested and not loses:
                    continue
                tally = tallies[source]
                tally.held += 1
                tally.nested_held += loses
                why = check(reshape, source, value) if source in parsed else None
                if why is not None:
                    tally.failing += 1
                    if len(tally.examples) < EXAMPLES:
                        tally.examples.append((str(obj.uuid), conversions.describe(value), why))
    except WeaviateBaseError as error:
        if tenant is not None and vanished(error):
            return False
        where = f"{physical} (tenant {tenant})" if tenant else physical
        raise SchemactlError(f"reading the values of {where} to check them failed: "
                             f"{str(error).splitlines()[0][:300]}") from None
    return True
