"""Before anything is created: what the stored values of each renamed, retyped or dropped property
are, read with a cursor (constant memory) in every tenant that can be read without waking it.
A retyped property's values go through the very conversion the copy applies (reshape.py)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import quote

from . import conversions
from .changes import PropertyMove, RecreateCollection
from .connection import Target, connect
from .errors import ConnectionFailed, RequestRefused, SchemactlError
from .live import RestClient, Statuses, active_tenants, is_active, listed_objects, tenant_status, vanished
from .plan import ValueCheck
from .reshape import Reshape, check
from .spec import PRIMITIVE_TYPES, Collection

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
    reading = f"{change.collection}: reading the values of {', '.join(m.source for m in moves)} (renamed, " \
              "retyped or dropped)"
    try:
        client = connect(target)
    except ConnectionFailed as error:
        if error.credentials:
            raise SchemactlError(f"{reading} was refused: {error}") from None
        raise SchemactlError(f"{reading} needs gRPC, which cannot be used: {error} (--grpc-url / WEAVIATE_GRPC_URL "
                             "set where gRPC is; schemactl status checks it)") from None
    except SchemactlError as error:  # before any connection: its credentials (an OIDC token not granted)
        raise SchemactlError(f"{reading} failed: {error}") from None
    try:
        for tenant in tenants:
            status = _status_now(reader, change.physical, tenant) if tenant is not None else "HOT"
            if status is None:
                continue  # deleted since it was listed: nothing of it to copy
            if not is_active(status) or not _read_every(reader, client, change.physical, tenant, moves, reshape,
                                                        tallies):
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


def _read_every(reader: RestClient, client, physical: str, tenant: str | None, moves: list[PropertyMove],
                reshape: Reshape, tallies: dict[str, _Tally]) -> bool:
    """Every value of the moves in `tenant` (values over gRPC, links over REST), tallied; False
    when the tenant went (deleted or put to sleep) as it was read."""
    values = [m for m in moves if not _targets(m)]
    links = [m.source for m in moves if _targets(m)]
    return (not values or _read(client, physical, tenant, values, reshape, tallies)) \
        and (not links or _count_links(reader, physical, tenant, links, tallies))


def _count_links(reader: RestClient, physical: str, tenant: str | None, references: list[str],
                 tallies: dict[str, _Tally]) -> bool:
    """The objects holding a link in each of `references` (dropped), listed as stored over REST: a
    gRPC read resolving a multi-tenant collection's links to one without tenants fails
    (weaviate/weaviate#7281). False when the tenant went as it was read."""
    try:
        for obj in listed_objects(reader, physical, tenant, limit=READ_PAGE):
            for name in references:
                tallies[name].held += bool((obj.get("properties") or {}).get(name))
    except RequestRefused as error:
        if tenant is not None and error.status in (404, 422):
            return False
        raise SchemactlError(f"reading the links of {physical}{f' (tenant {tenant})' if tenant else ''} to count "
                             f"them failed: {error}") from None
    return True


def _read(client, physical: str, tenant: str | None, moves: list[PropertyMove], reshape: Reshape,
          tallies: dict[str, _Tally]) -> bool:
    """Every value of the moves (no links) in `tenant`, tallied; False when the tenant went
    (deleted or put to sleep) as it was read."""
    from weaviate.exceptions import WeaviateBaseError

    collection = client.collections.use(physical)
    if tenant is not None:
        collection = collection.with_tenant(tenant)
    parsed = {m.source for m in moves if m.conversion == "parsing"}
    # an object property losing nested properties counts the values that hold one of them; one that
    # only loses them holds nothing else worth counting
    pruned = {m.source: m.name for m in moves if m.dropped_nested and m.name is not None}
    nested = {m.source for m in moves if m.only_nested_dropped}
    try:
        for obj in collection.iterator(include_vector=False, return_properties=[m.source for m in moves],
                                       cache_size=READ_PAGE):
            for source, value in (obj.properties or {}).items():
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


# ---- integers no copy can keep ----------------------------------------------------------------

WRAPPED = -2**63  # how Weaviate returns an integer it keeps as 2^63, over gRPC and in filters
KEPT_AS_2_63 = 2**63 - 512  # REST takes integers up to 2^63 - 1; from here on they are kept as 2^63
TENANTS_PER_QUERY = 100
SUSPECTS = 100  # objects a query asks for per tenant


def wrapped_integers(reader: RestClient, change: RecreateCollection, live: Collection,
                     tenants: list[str | None]) -> list[str]:
    """The integers of `live` a copy would change: written over REST at 2^63 - 512 or above, the
    server keeps them as 2^63 and returns them over gRPC (how schemactl reads) as -2^63, which the
    copy would write; the stored value itself cannot be written over gRPC (how it writes). Found
    among the objects a filter on -2^63 gives (the inverted index holds them so), then read over
    REST, which gives the stored value. A property without a filterable index cannot be filtered
    on: not looked at (docs/guides/apply.md says so)."""
    dropped = {m.source for m in change.property_moves if m.dropped}
    names = [p.name for p in live.properties if p.data_types[0] in ("int", "int[]") and p.name not in dropped
             and p.indexFilterable is not False]
    if not names:
        return []
    found = []
    for tenant, uuid in _suspects(reader, change.physical, names, tenants):
        query = f"?tenant={quote(tenant, safe='')}" if tenant else ""
        status, body = reader.probe(f"/v1/objects/{change.physical}/{uuid}{query}")
        held = (body.get("properties") or {}) if status == 200 else {}
        for name in names:
            value = held.get(name)
            values = value if isinstance(value, list) else [value]
            if any(isinstance(v, int) and v >= KEPT_AS_2_63 for v in values):
                found.append(f"{name} in object {uuid}" + (f" (tenant {tenant})" if tenant else ""))
    return found


def _suspects(reader: RestClient, physical: str, names: list[str], tenants: list[str | None]):
    """(tenant, uuid) of the objects holding -2^63 (or, in the index, 2^63) in one of `names`."""
    where = ("{operator: Or, operands: [" + ", ".join(
        f'{{path: ["{n}"], operator: Equal, valueInt: {WRAPPED}}}' for n in names) + "]}")
    statuses = Statuses(reader, physical)
    for listed in (tenants[i:i + TENANTS_PER_QUERY] for i in range(0, len(tenants), TENANTS_PER_QUERY)):
        chunk = statuses.active(listed)
        if not chunk:
            continue
        pages = _ids_where(reader, physical, where, chunk, offset=0)
        for tenant, ids in zip(chunk, pages):
            offset = 0
            while ids:
                yield from ((tenant, uuid) for uuid in ids)
                offset += len(ids)
                ids = _ids_where(reader, physical, where, [tenant], offset)[0] if len(ids) == SUSPECTS else []


def _ids_where(reader: RestClient, physical: str, where: str, tenants: list[str | None], offset: int) -> list[list]:
    """Per tenant, a page of the ids of the objects `where` gives (a tenant gone or asleep: none)."""
    fields = " ".join(f't{i}: {physical}({f"tenant: {json.dumps(t)}, " if t else ""}where: {where}, '
                      f'limit: {SUSPECTS}, offset: {offset}) {{ _additional {{ id }} }}' for i, t in enumerate(tenants))
    reply = reader.post("/v1/graphql", {"query": f"{{ Get {{ {fields} }} }}"})
    errors = [e for e in reply.get("errors") or [] if not vanished(Exception(str(e.get("message"))))]
    if errors:
        raise SchemactlError(f"reading the integers of {physical} failed: {errors[0].get('message')}")
    got = (reply.get("data") or {}).get("Get") or {}
    return [[o["_additional"]["id"] for o in got.get(f"t{i}") or []] for i in range(len(tenants))]
