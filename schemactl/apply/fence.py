"""Write fences: every shard of a collection set READONLY, so no write can reach it while the last
differences are copied and the alias moves. Weaviate refuses such writes ("store is read-only")
with an error, so the application never gets a success for a write the copy could miss; reads go
on. The old version stays fenced after a cutover: it is the exact state the new one started from.

A shard's status lives in the server's memory: a restarted node, or a tenant deactivated and
activated again, comes back READY (`reopened` finds them before the alias moves). A status change
is a schema change each node applies in its own time: a fence is in place only once every node has
applied it (measured on 3 nodes, factor 2: writes at ONE through a node that had not yet applied it
were acknowledged), so setting one waits for that — and then until every node reports the shards
READONLY: Raft counts an entry applied once a node has queued it, so a node working through a
backlog of schema changes (back from a pause while collections were made) took writes for 0.2-0.4 s
more (v1.39.3; 4-7 writes at ONE per run).
"""
from __future__ import annotations

from collections.abc import Container
from concurrent.futures import Executor

from ..errors import RequestRefused, SchemactlError
from ..live import AGREEMENT_TIMEOUT, RestClient, loaded_shards, shards_path, wait_for_agreement
from ..waiting import Poll, poll_until
from ..tenant_ops import set_auto_tenants, vanished

READONLY, READY = "READONLY", "READY"


def shard_statuses(reader: RestClient, collection: str) -> dict[str, str]:
    """Shard (or, multi-tenant, active tenant) -> status."""
    shards: list = reader.get(f"/v1/schema/{collection}/shards")  # type: ignore[assignment]
    return {s["name"]: s.get("status", "") for s in shards}


def fence(reader: RestClient, collection: str) -> list[str]:
    """Set every shard READONLY; the ones this call changed (to lift again), sorted."""
    changed = []
    statuses = shard_statuses(reader, collection)
    for shard, status in sorted(statuses.items()):
        if status != READONLY:
            _set(reader, collection, shard, READONLY)
            changed.append(shard)
    _in_place(reader, collection, set(statuses))
    return changed


def _in_place(reader: RestClient, collection: str, shards: set[str]) -> None:
    """Until every node has applied the fence of `shards`, and reports them READONLY."""
    if wait_for_agreement(reader) < 2:
        return  # one node (or one that may not say): the one that answered has applied it

    def step() -> Poll:
        left[:] = sorted(writable_shards(reader, collection) & shards)
        return Poll.WAITING if left else Poll.DONE

    left: list[str] = []
    poll_until(step, every=0.1, patience=AGREEMENT_TIMEOUT, give_up=lambda: SchemactlError(
        f"the fence of {collection} is not in place on every node after {AGREEMENT_TIMEOUT:.0f} s: "
        f"{', '.join(left[:5])}{' and more' if len(left) > 5 else ''} still writable on some node"))


def fence_shards(reader: RestClient, collection: str, shards: list[str], pool: Executor | None = None) -> None:
    """Set `shards` (tenants) READONLY, several requests at a time on `pool`. A tenant deleted or
    put to sleep meanwhile is left out: it takes no writes (listing the tenants again finds it)."""
    def one(shard: str) -> None:
        try:
            _set(reader, collection, shard, READONLY)
        except RequestRefused as error:
            if not vanished(error):
                raise
    if not shards:
        return
    list(pool.map(one, shards) if pool else map(one, shards))
    _in_place(reader, collection, set(shards))


Fences = dict[str, dict[str, bool]]  # shard (tenant) loaded on some node -> node -> READONLY there


def fences(reader: RestClient, collection: str) -> Fences:
    """Every node's fence of each shard (tenant) of `collection` it has loaded, from one /v1/nodes
    request (asking the shards endpoint fails while any tenant sleeps)."""
    found: Fences = {}
    for node, shard in loaded_shards(reader.get(shards_path(collection)), collection):
        found.setdefault(shard["name"], {})[node] = shard.get("vectorIndexingStatus") == READONLY
    return found


def writable_shards(reader: RestClient, collection: str) -> set[str]:
    """Shards (tenants) loaded on some node and not READONLY there."""
    return open_shards(fences(reader, collection))


def open_shards(found: Fences) -> set[str]:
    """Those writable on some node."""
    return {name for name, there in found.items() if not all(there.values())}


def reopened(found: Fences, fenced: Container[str] | None = None) -> dict[str, list[str]]:
    """Fenced shards (tenants) some node reports writable again -> those nodes: a node restarted
    since the fence (its shards come back READY). `fenced` None: every shard is; else only those
    of `fenced` still READONLY on another node count (one the application put to sleep and woke
    is writable on every node: TenantRecreate.settle_reopened settles it again)."""
    return {name: sorted(node for node, held in there.items() if not held) for name, there in sorted(found.items())
            if not all(there.values()) and (fenced is None or (name in fenced and any(there.values())))}


def unfence_shards(reader: RestClient, collection: str, shards: list[str], pool: Executor | None = None) -> None:
    """Set `shards` (tenants) READY again. A tenant put to sleep since is skipped: it comes back
    writable when woken."""
    def one(shard: str) -> None:
        try:
            _set(reader, collection, shard, READY)
        except RequestRefused as error:
            if error.status not in (404, 422, 500):
                raise
    list(pool.map(one, shards) if pool else map(one, shards))


def unfence(reader: RestClient, collection: str, shards: list[str] | None = None) -> list[str]:
    """Set `shards` (default: every READONLY one) READY again; the ones changed."""
    statuses = shard_statuses(reader, collection)
    changed = []
    for shard in sorted(statuses if shards is None else shards):
        if statuses.get(shard) == READONLY:
            _set(reader, collection, shard, READY)
            changed.append(shard)
    return changed


def _set(reader: RestClient, collection: str, shard: str, status: str) -> None:
    reader.send("PUT", f"/v1/schema/{collection}/shards/{shard}", {"status": status},
                f"set shard {shard} of {collection} {status}")


def give_back(reader: RestClient, source: str, fenced: list[str] | None, auto_tenants: dict | None) -> None:
    """A copy's source as it was before the copy: writable again and, multi-tenant (`auto_tenants`
    recorded), its tenant auto-settings back."""
    if auto_tenants is None:
        if fenced:
            unfence(reader, source, fenced)
        return
    unfence_shards(reader, source, fenced or [])  # sleeping tenants' shards cannot be asked for
    if auto_tenants:
        set_auto_tenants(reader, source, auto_tenants)
