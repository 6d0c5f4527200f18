"""Links a gRPC read of a referrer does not return, taken as the referrer stores them (REST
returns them so). Two kinds:

- A multi-tenant collection's links to a collection without tenants: every gRPC read that
  resolves them fails ("class ... has multi-tenancy disabled, but request was with tenant",
  weaviate/weaviate#7281, open, every release schemactl supports), so they are read as stored only.
- A link made in a reference batch (which the server acknowledges without checking the target)
  to an object of the referenced collection's new version, while the referrer's property still
  names the old one: a read resolves a link in the collection it names, so it looks absent. The
  copy into the referrer's new version, whose property names the new version, must carry it. The
  stored links of such a property (`followed`) are compared with those read, and the ones whose
  object exists in the new version are added.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote
from uuid import UUID

from weaviate.classes.query import Filter

from ..live import RestClient

LISTED = 1000  # objects per REST page


@dataclass(frozen=True)
class StoredLinks:
    """Of one collection's reads (one tenant's): the properties whose links are taken as stored
    (`as_stored`, never asked of a gRPC read), and those whose target moved (`followed`: property,
    the new version's physical name, the tenant to look an object up in there, or None)."""

    reader: RestClient = field(compare=False, repr=False)
    collection: str
    tenant: str | None
    as_stored: tuple[str, ...] = ()
    followed: tuple[tuple[str, str, str | None], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.as_stored or self.followed)

    def completed(self, client, page: list, *, by_cursor: bool = True) -> list:
        """`page` as read, by a cursor (one range of uuids) or else by id, each object's links made
        whole (its references set or amended in place)."""
        if not page or not self:
            return page
        stored = self._listed_links(page) if by_cursor else self._links_by_id(page)
        for name in self.as_stored:
            for obj in page:
                _set_links(obj, name, stored.get(str(obj.uuid), {}).get(name, []))
        for name, target, tenant in self.followed:
            missing = {str(o.uuid): _absent(o, name, stored.get(str(o.uuid), {}).get(name, ())) for o in page}
            wanted = {u for links in missing.values() for u in links}
            if not wanted:
                continue
            there = _existing(client, target, tenant, sorted(wanted))
            for obj in page:
                added = [u for u in missing[str(obj.uuid)] if u in there]
                if added:
                    linked = (obj.references or {}).get(name)
                    _set_links(obj, name, [*(str(o.uuid) for o in (linked.objects if linked else [])), *added])
        return page

    def _links_by_id(self, page: list) -> dict[str, dict[str, list[str]]]:
        """uuid -> property -> the linked uuids as stored, one object at a time."""
        tenant = f"?tenant={quote(self.tenant)}" if self.tenant else ""
        found = {}
        for obj in page:
            stored = self.reader.get_or_none(f"/v1/objects/{quote(self.collection)}/{obj.uuid}{tenant}") or {}
            found[str(obj.uuid)] = self._links_in(stored)
        return found

    def _links_in(self, stored: dict) -> dict[str, list[str]]:
        properties = stored.get("properties") or {}
        return {name: [_uuid_of(b) for b in properties.get(name) or []] for name in self._names()}

    def _listed_links(self, page: list) -> dict[str, dict[str, list[str]]]:
        """uuid -> property -> the linked uuids as stored, for the objects of `page` (uuid order)."""
        wanted = {str(o.uuid) for o in page}
        last = max(wanted)
        after = str(UUID(int=max(UUID(min(wanted)).int - 1, 0)))
        found: dict[str, dict[str, list[str]]] = {}
        tenant = f"&tenant={quote(self.tenant)}" if self.tenant else ""
        while True:
            listed = self.reader.get(f"/v1/objects?class={quote(self.collection)}&after={after}&limit={LISTED}"
                                     f"{tenant}").get("objects") or []
            for obj in listed:
                if obj["id"] in wanted:
                    found[obj["id"]] = self._links_in(obj)
            if len(listed) < LISTED or listed[-1]["id"] >= last:
                return found
            after = listed[-1]["id"]


    def _names(self) -> list[str]:
        return [*self.as_stored, *(name for name, _, _ in self.followed)]


def _absent(obj: Any, name: str, stored: tuple[str, ...] | list[str]) -> list[str]:
    linked = (obj.references or {}).get(name)
    read = {str(o.uuid) for o in linked.objects} if linked is not None else set()
    return [u for u in stored if u not in read]


def _uuid_of(beacon: dict) -> str:
    return str(beacon.get("beacon", "")).rstrip("/").rsplit("/", 1)[-1]


def _existing(client, target: str, tenant: str | None, uuids: list[str]) -> set[str]:
    client = client() if callable(client) else client
    collection = client.collections.use(target)
    collection = collection.with_tenant(tenant) if tenant else collection
    found = collection.query.fetch_objects(filters=Filter.by_id().contains_any(uuids), limit=len(uuids),
                                           return_properties=False).objects
    return {str(o.uuid) for o in found}


@dataclass(frozen=True)
class _Link:
    uuid: UUID


class _Links:
    """Shaped as a read's cross-reference: its `objects`, each with a `uuid`."""

    def __init__(self, objects: list) -> None:
        self.objects = objects


def _set_links(obj: Any, name: str, uuids: list[str]) -> None:
    references = obj.references if obj.references is not None else {}
    if uuids:
        references[name] = _Links([_Link(UUID(u)) for u in uuids])
    else:
        references.pop(name, None)
    obj.references = references or None
