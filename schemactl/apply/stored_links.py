"""Links a gRPC read of a referrer does not return, taken as the referrer stores them (REST
returns them so). Two kinds:

- A multi-tenant collection's links to a collection without tenants: every gRPC read that
  resolves them fails ("class ... has multi-tenancy disabled, but request was with tenant",
  weaviate/weaviate#7281, open, every release schemactl supports), so they are read as stored only.
- A link made in a reference batch (which the server acknowledges without checking the target)
  to an object of the referenced collection's new version, while the referrer's property still
  names the old one: a read resolves a link in the collection it names, so it looks absent (and
  one to an object deleted since through the alias looks present). The links of such a property
  (`followed`) are taken as stored, those whose object the new version holds: as a read of the
  referrer's new version resolves them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote
from uuid import UUID

from weaviate.classes.query import Filter
from weaviate.exceptions import WeaviateBaseError

from ..errors import SchemactlError
from ..live import RestClient, listed_objects

BY_ID = 1000  # objects a lookup by id asks for at once


class LinksUnread(SchemactlError):
    """The objects a link points to could not be looked up."""


@dataclass(frozen=True)
class StoredLinks:
    """Of one collection's reads (one tenant's): the single-target reference properties whose
    links are taken as stored instead of as a gRPC read resolves them (`names`, never asked of
    it): `as_stored` all of them; `followed` (property, the version its target serves now, the
    tenant to look an object up in there, or None) those whose object exists in that version, as
    a read of the referrer's new version resolves them. `replicated`: read each object at
    consistency ALL, as the copy's gRPC reads are (a listing reads one replica)."""

    reader: RestClient = field(compare=False, repr=False)
    collection: str
    tenant: str | None
    as_stored: tuple[str, ...] = ()
    followed: tuple[tuple[str, str, str | None], ...] = ()
    replicated: bool = False

    def __bool__(self) -> bool:
        return bool(self.as_stored or self.followed)

    @property
    def names(self) -> tuple[str, ...]:
        return (*self.as_stored, *(name for name, _, _ in self.followed))

    def completed(self, client, page: list, *, by_cursor: bool = True) -> list:
        """`page` as read, by a cursor (one range of uuids) or else by id, each object's links set
        (its references replaced in place)."""
        if not page or not self:
            return page
        stored = self._listed_links(page) if by_cursor and not self.replicated else self._links_by_id(page)
        for name in self.as_stored:
            for obj in page:
                _set_links(obj, name, stored.get(str(obj.uuid), {}).get(name, []))
        for name, target, tenant in self.followed:
            linked = {u for obj in page for u in stored.get(str(obj.uuid), {}).get(name, [])}
            there = existing(client, target, tenant, sorted(linked)) if linked else set()
            for obj in page:
                _set_links(obj, name, [u for u in stored.get(str(obj.uuid), {}).get(name, []) if u in there])
        return page

    def _links_by_id(self, page: list) -> dict[str, dict[str, list[str]]]:
        """uuid -> property -> the linked uuids as stored, one object at a time."""
        query = "&".join([*([f"tenant={quote(self.tenant, safe='')}"] if self.tenant else []),
                          *(["consistency_level=ALL"] if self.replicated else [])])
        found = {}
        for obj in page:
            stored = self.reader.get_or_none(f"/v1/objects/{quote(self.collection)}/{obj.uuid}"
                                             f"{'?' + query if query else ''}") or {}
            found[str(obj.uuid)] = self._links_in(stored)
        return found

    def _links_in(self, stored: dict) -> dict[str, list[str]]:
        properties = stored.get("properties") or {}
        return {name: [_uuid_of(b) for b in properties.get(name) or []] for name in self.names}

    def _listed_links(self, page: list) -> dict[str, dict[str, list[str]]]:
        """uuid -> property -> the linked uuids as stored, for the objects of `page` (uuid order)."""
        wanted = {str(o.uuid) for o in page}
        last, first = max(wanted), UUID(min(wanted)).int
        found: dict[str, dict[str, list[str]]] = {}
        for obj in listed_objects(self.reader, self.collection, self.tenant, limit=len(page),
                                  after=str(UUID(int=first - 1)) if first else None):
            if obj["id"] in wanted:
                found[obj["id"]] = self._links_in(obj)
            if obj["id"] >= last:
                break
        return found


def _uuid_of(beacon: dict) -> str:
    return str(beacon.get("beacon", "")).rstrip("/").rsplit("/", 1)[-1]


def existing(client, target: str, tenant: str | None, uuids: list[str]) -> set[str]:
    """Those of `uuids` whose object `target` holds."""
    client = client() if callable(client) else client
    collection = client.collections.use(target)
    collection = collection.with_tenant(tenant) if tenant else collection
    found: set[str] = set()
    for at in range(0, len(uuids), BY_ID):
        chunk = uuids[at:at + BY_ID]
        try:
            objects = collection.query.fetch_objects(filters=Filter.by_id().contains_any(chunk), limit=len(chunk),
                                                     return_properties=False).objects
        except WeaviateBaseError as error:
            raise LinksUnread(f"looking up the objects linked to in {target} failed: "
                              f"{str(error).splitlines()[0][:300]}") from None
        found |= {str(o.uuid) for o in objects}
    return found


@dataclass(frozen=True)
class _Link:
    uuid: UUID


class _Links:
    """Shaped as a read's cross-reference: its `objects`, each with a `uuid`."""

    def __init__(self, objects: list) -> None:
        self.objects = objects


NO_LINKS = _Links([])  # a property without links, as read


def _set_links(obj: Any, name: str, uuids: list[str]) -> None:
    references = obj.references if obj.references is not None else {}
    if uuids:
        references[name] = _Links([_Link(UUID(u)) for u in uuids])
    else:
        references.pop(name, None)
    obj.references = references or None
