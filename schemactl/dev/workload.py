"""An application writing through an alias, with a log of every write it was told succeeded.

DEVELOPMENT AND TEST AID. Seeded writer threads insert, update and delete objects of a
`title`/`body`/`rank` collection through the alias, each at its share of a target rate. Every
object belongs to one writer, which writes it in order and retries a refused write until the
server accepts it, so the acknowledged writes imply one exact final state: `expected()`.
`audit()` compares what the alias serves with it, vectors included.

`next_release` stands for the application's release that follows a migration renaming or retyping
properties: a writer keeps the old names until the server refuses a write for naming a property
the collection no longer has, then sends every document through `next_release` from then on. Its
log keeps the documents as the first release wrote them (`expected()`).
"""
from __future__ import annotations

import math
import random
import threading
import time
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass, field


from .embedder import embed

WORDS = ("river", "mountain", "violin", "harbor", "comet", "lantern", "orchid", "glacier", "falcon", "quartz",
         "meadow", "cobalt", "ember", "willow", "saffron", "tundra", "beacon", "marble", "cedar", "nebula")
MIX = (("insert", 0.3), ("update", 0.5), ("delete", 0.2))
GIVE_UP = 120.0  # seconds a writer retries one write before calling it unresolved


def document(rng: random.Random, n: int) -> dict:
    words = rng.sample(WORDS, 4)
    return {"title": f"{words[0]} {words[1]} {n}", "body": f"about the {words[2]} and the {words[3]}", "rank": n}


def seed_objects(count: int, seed: int) -> dict[str, dict]:
    rng = random.Random(seed)
    return {str(uuidlib.UUID(int=rng.getrandbits(128), version=4)): document(rng, n) for n in range(count)}


def paced(stop: threading.Event, interval: float, step: Callable[[int], None]) -> None:
    """`step(n)` for n = 1, 2, ... every `interval` seconds (a late step is not made up for twice)
    until `stop` is set."""
    n, due = 0, time.monotonic()
    while not stop.is_set():
        due += interval
        time.sleep(max(0.0, due - time.monotonic()))
        n += 1
        step(n)


@dataclass
class Ack:
    at: float  # time.monotonic() when the server answered success
    op: str
    uuid: str


@dataclass
class Writer:
    index: int
    owned: dict[str, dict]  # uuid -> properties, as the acknowledged writes left them
    acks: list[Ack] = field(default_factory=list)
    refused: int = 0  # attempts the server refused (each retried)
    last_refusal: str = ""
    unresolved: list[str] = field(default_factory=list)  # writes never acknowledged: state unknown
    released_at: float | None = None  # time.monotonic() when it moved to the next release


class Workload:
    """`threads` writers sharing `rate` writes/s over `objects` (split by uuid between them)."""

    def __init__(self, connect: Callable, collection: str, objects: dict[str, dict], *, rate: float,
                 seed: int, threads: int = 3, next_release: Callable[[dict], dict] | None = None):
        self._connect, self._collection, self._rate, self._seed = connect, collection, rate, seed
        self._next_release = next_release
        ids = sorted(objects)
        self.writers = [Writer(i, {u: objects[u] for u in ids[i::threads]}) for i in range(threads)]
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> Workload:
        if self._rate > 0:
            for writer in self.writers:
                thread = threading.Thread(target=self._run, args=(writer,), daemon=True)
                thread.start()
                self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def acks(self) -> list[Ack]:
        return sorted((a for w in self.writers for a in w.acks), key=lambda a: a.at)

    def expected(self) -> dict[str, dict]:
        return {u: p for w in self.writers for u, p in w.owned.items()}

    @property
    def refused(self) -> int:
        return sum(w.refused for w in self.writers)

    @property
    def unresolved(self) -> list[str]:
        return [u for w in self.writers for u in w.unresolved]

    def _run(self, writer: Writer) -> None:
        rng = random.Random(self._seed * 1000 + writer.index)
        client = self._connect()
        try:
            collection = client.collections.use(self._collection)
            paced(self._stop, len(self.writers) / self._rate, lambda n: self._one_write(writer, collection, rng, n))
        finally:
            client.close()

    def _one_write(self, writer: Writer, collection, rng: random.Random, n: int) -> None:
        op = rng.choices([m for m, _ in MIX], [w for _, w in MIX])[0]
        if op != "insert" and not writer.owned:
            op = "insert"
        if op == "insert":
            uuid = str(uuidlib.UUID(int=rng.getrandbits(128), version=4))
            props: dict | None = document(rng, 1_000_000 * (writer.index + 1) + n)
        else:
            uuid = rng.choice(sorted(writer.owned))
            props = document(rng, n) if op == "update" else None
        if self._until_acknowledged(writer, collection, uuid, props):
            writer.acks.append(Ack(time.monotonic(), op, uuid))
            if props is None:
                writer.owned.pop(uuid, None)
            else:
                writer.owned[uuid] = props
        else:
            writer.unresolved.append(uuid)

    def _until_acknowledged(self, writer: Writer, collection, uuid: str, props: dict | None) -> bool:
        """One object per request, as an application saving a record does: insert (or replace,
        when a refused insert had landed after all), replace, delete; retried while refused."""
        deadline = time.monotonic() + GIVE_UP
        insert = uuid not in writer.owned
        while time.monotonic() < deadline:
            sent = props if props is None or writer.released_at is None or self._next_release is None \
                else self._next_release(props)
            try:
                if sent is None:
                    collection.data.delete_by_id(uuid)  # False (already gone) is the same end state
                elif insert:
                    collection.data.insert(properties=sent, uuid=uuid)
                else:
                    collection.data.replace(uuid=uuid, properties=sent)
                return True
            except Exception as error:  # noqa: BLE001 - any refusal is retried, and counted
                message = str(error)
                insert = insert and "already exists" not in message
                if self._next_release is not None and writer.released_at is None and "no such prop" in message:
                    writer.released_at = time.monotonic()  # the collection has the new names now
            writer.refused += 1
            writer.last_refusal = message[:300]
            time.sleep(0.05)
        return False


@dataclass
class Audit:
    """The alias's final state against the acknowledged writes."""

    objects: int = 0
    inserts_lost: list[str] = field(default_factory=list)  # acknowledged, absent
    updates_reverted: list[str] = field(default_factory=list)  # present with other content
    deletes_resurrected: list[str] = field(default_factory=list)  # deleted and acknowledged, present
    vectors_wrong: list[str] = field(default_factory=list)  # not the model's embedding of the final text

    @property
    def clean(self) -> bool:
        return not (self.inserts_lost or self.updates_reverted or self.deletes_resurrected or self.vectors_wrong)

    def describe(self) -> str:
        return (f"{self.objects} objects: {len(self.inserts_lost)} lost, {len(self.updates_reverted)} reverted, "
                f"{len(self.deletes_resurrected)} resurrected, {len(self.vectors_wrong)} wrong vectors")


def audit(client, collection: str, expected: dict[str, dict], model: str, *, deleted: set[str],
          text: Callable[[dict], str] | None = None) -> Audit:
    """Read every object through `collection` (the alias) and compare with `expected`; `deleted`:
    uuids whose last acknowledged write was a delete; `text`: what the model embeds of an object's
    properties (title and body unless given)."""
    text = text or (lambda p: f"{p['title']} {p['body']}")
    report = Audit()
    seen = set()
    for obj in client.collections.use(collection).iterator(include_vector=True):
        uuid, props = str(obj.uuid), dict(obj.properties)
        seen.add(uuid)
        report.objects += 1
        if uuid not in expected:
            if uuid in deleted:
                report.deletes_resurrected.append(uuid)
            continue
        want = expected[uuid]
        if {k: props.get(k) for k in want} != want:
            report.updates_reverted.append(uuid)
        elif not _same_direction((obj.vector or {}).get("default"), embed(text(want), model)):
            report.vectors_wrong.append(uuid)
    report.inserts_lost = sorted(set(expected) - seen)
    return report


def _same_direction(stored, wanted: list[float]) -> bool:
    if not stored or len(stored) != len(wanted):
        return False
    dot = sum(a * b for a, b in zip(stored, wanted))
    norm = math.sqrt(sum(a * a for a in stored)) * math.sqrt(sum(b * b for b in wanted))
    return norm > 0 and dot / norm > 0.9999


def deleted_last(workload: Workload) -> set[str]:
    """uuids whose last acknowledged write was a delete."""
    last: dict[str, str] = {}
    for ack in workload.acks():
        last[ack.uuid] = ack.op
    return {u for u, op in last.items() if op == "delete"}
