"""Links a referrer holds that a gRPC read does not return: made in a reference batch (which the
server acknowledges without checking the target) to an object of the referenced collection's new
version, while the referrer's property still names the old one. Reads resolve a link in the
collection it names, so such a link looks absent; the copy into the referrer's new version, whose
property names the new version, must carry it all the same.

Only a referrer following a moved target can hold them: for its properties that do
(`Followed.properties`), the stored links of each page read are compared with those the read
returned, over REST (which returns them as stored), and the ones whose object exists in the new
version are added to what was read.
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
class Followed:
    """A referrer's single-target reference properties whose target moved: property -> (the new
    version's physical name, the tenant to look it up in, or None)."""

    reader: RestClient = field(compare=False, repr=False)
    source: str
    tenant: str | None
    properties: tuple[tuple[str, str, str | None], ...]

    def completed(self, client, page: list) -> list:
        """`page` as read by a cursor (one range of uuids), each object's followed links made whole
        (its references amended in place)."""
        if not page or not self.properties:
            return page
        stored = self._stored_links(page)
        for name, target, tenant in self.properties:
            missing = {str(o.uuid): _absent(o, name, stored.get(str(o.uuid), {}).get(name, ())) for o in page}
            wanted = {u for links in missing.values() for u in links}
            if not wanted:
                continue
            there = _existing(client, target, tenant, sorted(wanted))
            for obj in page:
                added = [u for u in missing[str(obj.uuid)] if u in there]
                if added:
                    _add_links(obj, name, added)
        return page

    def _stored_links(self, page: list) -> dict[str, dict[str, list[str]]]:
        """uuid -> property -> the linked uuids as stored, for the objects of `page` (uuid order)."""
        wanted = {str(o.uuid) for o in page}
        last = max(wanted)
        after = str(UUID(int=max(UUID(min(wanted)).int - 1, 0)))
        found: dict[str, dict[str, list[str]]] = {}
        tenant = f"&tenant={quote(self.tenant)}" if self.tenant else ""
        while True:
            listed = self.reader.get(f"/v1/objects?class={quote(self.source)}&after={after}&limit={LISTED}"
                                     f"{tenant}").get("objects") or []
            for obj in listed:
                if obj["id"] in wanted:
                    found[obj["id"]] = {name: [_uuid_of(b) for b in (obj.get("properties") or {}).get(name) or []]
                                        for name, _, _ in self.properties}
            if len(listed) < LISTED or listed[-1]["id"] >= last:
                return found
            after = listed[-1]["id"]


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


def _add_links(obj: Any, name: str, uuids: list[str]) -> None:
    references = obj.references if obj.references is not None else {}
    linked = references.get(name)
    references[name] = _Links([*(linked.objects if linked is not None else []), *(_Link(UUID(u)) for u in uuids)])
    obj.references = references
