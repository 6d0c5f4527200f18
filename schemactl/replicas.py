"""Whether the replicas of the old version agree before the copy's last read of them.

Weaviate lists each shard from one replica. A replica whose node was down while the application
wrote at ONE or QUORUM lacks those writes until Weaviate's repair (async replication) gives
them to it; listed from it, the copy and its check both miss them. Weaviate says how its
repair stands: each loaded shard reports, per node, when its newest comparisons with the other
replicas started and with which node they found differences (`/v1/nodes/{c}?output=verbose`; a
comparison that found none names no node). Measured on v1.39.3, 3 nodes, factor 3: a node back
after 70 s lacked all 49 writes made meanwhile; its replicas were reported as not compared, then
as differing, for 27 s; then the repair copied them and the next comparisons found none.
"""
from __future__ import annotations

from dataclasses import dataclass

from .errors import SchemactlError
from .live import RestClient, loaded_shards, shards_path
from .waiting import Poll, poll_until

Key = tuple[str, str]  # (node, shard)


@dataclass(frozen=True)
class Comparison:
    """The newest comparisons of one shard's replica on one node (start times in the server's ms)."""
    node: str
    shard: str
    agreed: int | None  # the newest that found no difference
    differed: int | None  # the newest that found some
    differed_with: str  # the node it found them with

    def agrees(self, after: int | None = None) -> bool:
        """Its newest comparison found no difference, and began after `after` (when given)."""
        if self.agreed is None or (self.differed is not None and self.differed > self.agreed):
            return False
        return after is None or self.agreed > after

    def describe(self, since: str) -> str:
        if self.differed is not None and not self.agrees():
            return f"shard {self.shard} on {self.node} differs from its replica on {self.differed_with}"
        return f"shard {self.shard} on {self.node} not compared with the other replicas {since}"


def replicated(body: dict | None) -> bool:
    """Whether a collection, as REST JSON, keeps more than one replica of each shard."""
    return (((body or {}).get("replicationConfig") or {}).get("factor") or 1) > 1


def comparisons(reply: dict, collection: str) -> list[Comparison]:
    """The replicas of `collection` loaded on some node, from a verbose /v1/nodes reply."""
    found = []
    for node, shard in loaded_shards(reply, collection):
        agreed: int | None = None
        differed: tuple[int, str] | None = None
        for status in shard.get("asyncReplicationStatus") or []:
            started = int(status.get("startDiffTimeUnixMillis") or 0)
            other = status.get("targetNode") or ""
            if not other:
                agreed = max(agreed or 0, started)
            elif differed is None or started > differed[0]:
                differed = (started, other)
        found.append(Comparison(node, shard.get("name", "?"), agreed, differed[0] if differed else None,
                                differed[1] if differed else ""))
    return found


def reports_comparisons(found: list[Comparison]) -> bool:
    """Whether Weaviate compares these replicas at all (async replication is on)."""
    return any(c.agreed is not None or c.differed is not None for c in found)


def unsettled(found: list[Comparison], after: dict[Key, int] | None = None) -> list[Comparison]:
    """The replicas in `found` Weaviate's repair has not found to agree; with `after`, by a
    comparison newer than the agreement `after` holds for each (for a replica it does not hold,
    newer than any it holds). Where Weaviate does not compare them (async replication off) and
    no `after` is given, none: trusted, as before."""
    if after is None:
        return [c for c in found if not c.agrees()] if reports_comparisons(found) else []
    floor = max(after.values(), default=0)
    return [c for c in found if not c.agrees(after.get((c.node, c.shard), floor))]


def disagreeing(reader: RestClient, physical: str) -> list[Comparison]:
    """The replicas of `physical` that do not agree yet (none where the caller may not ask)."""
    status, body = reader.probe(shards_path(physical))
    return unsettled(comparisons(body, physical)) if status == 200 else []


class ReplicaCheck:
    """The replicas of `physical` (the old version) must agree before the copy reads them: their
    newest comparisons found no difference — from `since_now` on, ones newer than those it saw.
    That is what the last read before a cutover needs: a node that was paused (or cut off) keeps
    the comparisons it had made, and the others compare only with the nodes they reach, so an
    agreement reported earlier may predate what a replica missed."""

    def __init__(self, reader: RestClient, physical: str) -> None:
        self.reader = reader
        self.physical = physical
        self.after: dict[Key, int] | None = None  # set by since_now
        self.since = "yet"  # words for what a comparison must follow
        self.node_was_down = False

    def read(self) -> list[Comparison]:
        return comparisons(self.reader.get(shards_path(self.physical)), self.physical)

    def since_now(self, *, node_was_down: bool = False) -> None:
        """Only comparisons that begin from now on count (`node_was_down`: every node is back)."""
        self.after = {(c.node, c.shard): c.agreed or 0 for c in self.read()}
        self.node_was_down = node_was_down
        self.since = "since every node is back" if node_was_down else "since apply asked"

    def wait(self, patience: float, waiting: str, refused: str, notice) -> None:
        """Return once the replicas agree; `notice` the wait once; give up after `patience`
        seconds with `refused` (what stays as it was) after what still disagrees."""
        found = self.read()
        left = unsettled(found, self.after if reports_comparisons(found) or self.node_was_down else None)
        if not left:
            return
        notice(f"{waiting}: {describe(left, self.since)}")

        def step() -> Poll:
            left[:] = unsettled(self.read(), self.after)
            return Poll.WAITING if left else Poll.DONE

        poll_until(step, every=1.0, patience=patience, give_up=lambda: SchemactlError(self._refusal(patience, left,
                                                                                                 refused)))

    def _refusal(self, patience: float, left: list[Comparison], refused: str) -> str:
        if not reports_comparisons(left):  # a node was down, and nothing compares the replicas
            return (f"a node was down, and Weaviate has reported no comparison of the replicas of {self.physical} in "
                    f"{patience:.0f} s (async replication off, or its nodes still starting), so nothing tells whether "
                    f"the replicas it kept missed writes meanwhile: {refused}")
        return f"the replicas of {self.physical} still disagree after {patience:.0f} s ({describe(left, self.since)}): " \
            + refused


def describe(left: list[Comparison], since: str = "yet", shown: int = 3) -> str:
    text = "; ".join(c.describe(since) for c in left[:shown])
    return text + (f"; {len(left) - shown} more" if len(left) > shown else "")
