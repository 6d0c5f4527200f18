"""Move objects from one physical collection to another over gRPC, and prove they all arrived.

Reading is sequential (a cursor over uuids); writes run in a small thread pool, so the next page
is read while earlier ones are written. The cursor handed to `on_flushed` only moves past a page
once it and every page before it are written: a checkpoint of that cursor never skips an object.
Inserts are upserts by uuid, so redoing a page after a crash never duplicates anything.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import re
from array import array
import queue
import threading
import time
from collections import deque
from datetime import datetime
from uuid import UUID
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ..connection import quiet_client_warnings

quiet_client_warnings()  # before weaviate-client is imported
from weaviate.classes.config import ConsistencyLevel
from weaviate.classes.data import DataObject, DataReference, PhoneNumber, ReferenceToMulti
from weaviate.outputs.query import PhoneNumberType
from weaviate.classes.query import Filter, QueryReference
from weaviate.exceptions import WeaviateBaseError, WeaviateInsertManyAllFailedError

from ..errors import SchemactlError
from .stored_links import NO_LINKS, StoredLinks, existing
from .exact_dates import as_written, install, nanoseconds
from ..reshape import CONVERSION_REFUSED, Reshape, Unconvertible

from ..settings import PAGE, WRITERS

RETRIES = 3  # extra attempts for objects the server refused (e.g. the embedding endpoint failed)
BACKOFF = 0.25  # seconds before the first retry; doubles each time
RATE_LIMITED = "rate limit"  # in the server's message when a module's request budget is spent
RATE_LIMIT_WAITS = (5.0, 10.0, 20.0, 30.0)  # past the minute after which the budget refreshes
REPAIR_PASSES = 3  # fenced passes (each retries objects the server refused) before giving up
FOLLOW_PASSES = 12  # delta passes while writes continue, before refusing to cut over
SETTLED = 25  # this few differences left: fence and finish
SHRINKING = 0.8  # a pass that leaves more than this share of the last one's differences is not shrinking
VERIFY_PAGE = 1000
HELD = 20_000  # source objects a comparison keeps to copy again; more wait for the next pass
DEFAULT = "default"  # the single, unnamed vector of a collection without named vectors
EXACT_DATES = install()  # dates read to the nanosecond (exact_dates.py)
VERIFY_LEVEL = "ALL"  # verification asks every replica: an object one replica lacks is never missed


class CopyFailed(SchemactlError):
    """The copy could not continue (server gone, collection missing); the checkpoint stands."""


class NotVerified(SchemactlError):
    """Source and target still differ after the delta passes: no cutover."""


class DataRefused(NotVerified):
    """The new version refuses objects for what they hold (a value that does not convert, a type
    the server rejects): no retry or resume can copy them."""


# How the server (and the copy's own conversions) refuse an object for its content, not for a
# passing failure such as an embedding endpoint that is down.
DATA_REFUSALS = re.compile(f"{CONVERSION_REFUSED}" + r"|invalid [a-z]+(\[\])? property|no such prop with name")


def data_refusals(failures: dict[str, str]) -> dict[str, str]:
    """The failures that are the data's (see DATA_REFUSALS)."""
    return {u: m for u, m in failures.items() if DATA_REFUSALS.search(m)}


def refuse_data(where: str, failures: dict[str, str]) -> None:
    """DataRefused naming the count and the first few, when any failure is the data's."""
    refused = data_refusals(failures)
    if refused:
        some = "; ".join(f"{u}: {m[:200]}" for u, m in sorted(refused.items())[:3])
        raise DataRefused(f"{len(refused)} object(s) of {where} cannot be written to the new version for what they "
                          f"hold ({some}{'; ...' if len(refused) > 3 else ''})")


@dataclass(frozen=True)
class CopyJob:
    """One source -> target copy for one tenant (None: not multi-tenant)."""

    source: str
    target: str
    tenant: str | None
    properties: tuple[str, ...]  # non-reference properties
    references: tuple[str, ...]  # reference properties to other collections: copied with the object
    self_references: tuple[str, ...] = ()  # to the collection itself: linked once every object exists
    reuse: tuple[str, ...] = ()  # vectors copied as stored
    reembed: tuple[str, ...] = ()  # vectors the target's vectorizer computes again
    named_vectors: bool = False
    # multi-target reference properties, linked in a pass of their own once every object is in:
    # (property, ((old physical target, new physical target), ...))
    multi_references: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    # on a replicated collection: ALL acknowledges a write only once every replica holds it, so a
    # node down stops the copy instead of leaving the new version short of a replica
    consistency: str = "ALL"
    reshape: Reshape = field(default_factory=Reshape)  # renamed, retyped, dropped properties; renamed vectors
    # links a gRPC read does not return, taken as stored (stored_links.py), of the source's reads
    # and of the target's
    source_links: StoredLinks | None = None
    target_links: StoredLinks | None = None

    def read_references(self, collection: str) -> list[QueryReference] | None:
        """What a read of `collection` asks of its references: not those taken as stored."""
        links = self.links_of(collection)
        stored = links.names if links else ()
        return [QueryReference(link_on=name, return_properties=[])
                for name in self.references + self.self_references if name not in stored] or None

    def links_of(self, collection: str) -> StoredLinks | None:
        return self.source_links if collection == self.source else self.target_links

    def source_properties(self) -> list[str]:
        return [self.reshape.source_property(p) for p in self.properties]

    def source_vectors(self, names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(self.reshape.source_vector(n) for n in names)


@dataclass
class Outcome:
    copied: int = 0
    skipped: int = 0  # read, and left out by onConvertError: skipObject
    failed: dict[str, str] = field(default_factory=dict)  # uuid -> the server's last message
    read: list | None = None  # the source objects read, when kept (see copy_objects)


Progress = Callable[[int], None]


def _nothing(_: int) -> None:
    return None


# ---- copy -----------------------------------------------------------------------------------

def copy_objects(client, job: CopyJob, *, after: str | None, on_flushed: Callable[[str, int], None],
                 progress: Progress = _nothing, keep: int = 0) -> Outcome:
    """Copy every object after `after`; `on_flushed(cursor, n)` once a page and all before it are in.
    With `keep`, a copy from the start that reads at most `keep` objects, at the verification's
    consistency level, returns them as read (Outcome.read): with the source fenced, that is what
    comparing would read again (see settle)."""
    outcome = Outcome()
    kept: list | None = [] if keep and after is None and job.consistency == VERIFY_LEVEL else None
    pages = _kept(_pages(client, job, after), kept, keep, outcome)
    first = next(pages, None)
    if first is None:
        return outcome
    if len(first) < PAGE:  # a single page (a small tenant): no writer threads to start
        _collect((str(first[-1].uuid), len(first), _write_page(client, job, first)), outcome, on_flushed,
                 progress)
        return outcome
    in_flight: deque = deque()
    with ThreadPoolExecutor(WRITERS, thread_name_prefix="schemactl-copy") as pool:
        for page in itertools.chain([first], pages):
            in_flight.append((str(page[-1].uuid), len(page), pool.submit(_write_page, client, job, page)))
            while in_flight and (len(in_flight) >= 2 * WRITERS or in_flight[0][2].done()):
                _collect(in_flight.popleft(), outcome, on_flushed, progress)
        while in_flight:
            _collect(in_flight.popleft(), outcome, on_flushed, progress)
    return outcome


def _kept(pages: Iterator[list], kept: list | None, keep: int, outcome: Outcome) -> Iterator[list]:
    """`pages`, each added to `kept` (unless None) while they hold no more than `keep` objects in
    all; Outcome.read is what is kept so far (the copy reads on to the end, or returns early
    only after a short page, the last)."""
    for page in pages:
        if kept is not None:
            kept.extend(page)
            if len(kept) > keep:
                kept = None
        outcome.read = kept
        yield page


@dataclass(frozen=True)
class _Written:
    """What writing a page did: the objects refused (uuid -> why) and how many it left out."""

    failed: dict[str, str]
    skipped: int = 0

    def result(self) -> _Written:  # shaped like the future of a write, for a write already made
        return self


def _collect(entry, outcome: Outcome, on_flushed, progress: Progress) -> None:
    cursor, size, future = entry
    written = future.result()
    outcome.failed.update(written.failed)
    outcome.skipped += written.skipped
    outcome.copied += size - len(written.failed) - written.skipped
    on_flushed(cursor, size - len(written.failed))
    progress(size)


def _pages(client, job: CopyJob, after: str | None) -> Iterator[list]:
    vectors = _vector_selector(job, job.source_vectors(job.reuse))
    while True:
        try:
            page = _collection(client, job.source, job).query.fetch_objects(
                after=after, limit=PAGE, include_vector=vectors,
                return_properties=job.source_properties() or False,
                return_references=job.read_references(job.source)).objects
        except WeaviateBaseError as error:
            raise CopyFailed(f"reading {job.source}{_of(job)} failed: {_short(error)}") from None
        if not page:
            return
        yield job.source_links.completed(client, page) if job.source_links else page
        if len(page) < PAGE:  # the last page: asking again would only answer nothing
            return
        after = str(page[-1].uuid)


def _write_page(client, job: CopyJob, page: list) -> _Written:
    """A page as read from the source, reshaped for the target and written; objects whose values
    do not convert are refused (never written), as the target would refuse them."""
    shaped, refused = reshaped(job, page)
    failed = refused | (_write(client, job, shaped) if shaped else {})
    return _Written(failed, skipped=len(page) - len(shaped) - len(refused))


def reshaped(job: CopyJob, page: list) -> tuple[list, dict[str, str]]:
    """(objects as the target holds them, uuid -> why for those refused by their conversion);
    objects whose conversion says skipObject are in neither."""
    if job.reshape.identity:
        return page, {}
    shaped, refused = [], {}
    for obj in page:
        try:
            found = job.reshape.apply(obj)
        except Unconvertible as error:
            refused[str(obj.uuid)] = str(error)
            continue
        if found is not None:
            shaped.append(found)
    return shaped, refused


def _write(client, job: CopyJob, page: list, *, with_self_references: bool = False) -> dict[str, str]:
    """Insert a page; retry refused objects with backoff; return those still refused."""
    target = _collection(client, job.target, job)
    pending = [_as_data_object(o, job, with_self_references) for o in page]
    failed: dict[str, str] = {}
    attempt = 0
    while True:
        try:
            errors = {i: e.message for i, e in target.data.insert_many(pending).errors.items()}
        except WeaviateInsertManyAllFailedError as error:
            errors = {i: _short(error) for i in range(len(pending))}
        except WeaviateBaseError as error:
            raise CopyFailed(f"writing to {job.target}{_of(job)} failed: {_short(error)}") from None
        failed = {str(pending[i].uuid): message for i, message in errors.items()}
        pending = [pending[i] for i in sorted(errors)]
        waits = retry_waits(list(failed.values()))
        if not pending or attempt >= len(waits):
            return failed
        time.sleep(waits[attempt])
        attempt += 1


def retry_waits(messages: list[str]) -> tuple[float, ...]:
    """Seconds to wait before each retry. A vectorizer module out of its own request budget
    (text2vec-huggingface counts batch requests per API key per minute) needs the minute to pass."""
    if any(RATE_LIMITED in m.lower() for m in messages):
        return RATE_LIMIT_WAITS
    return tuple(BACKOFF * 2 ** (n + 1) for n in range(RETRIES))


def _as_data_object(obj, job: CopyJob, with_self_references: bool) -> DataObject:
    names = job.references + (job.self_references if with_self_references else ())
    references: dict = {}
    for name in names:
        linked = (obj.references or {}).get(name)
        if linked is not None and linked.objects:
            references[name] = [str(o.uuid) for o in linked.objects]
    vector = None
    stored = obj.vector or {}
    if job.named_vectors:
        vector = {n: stored[n] for n in job.reuse if n in stored} or None
    elif DEFAULT in job.reuse:
        vector = stored.get(DEFAULT)
    properties = {name: _writable(value) for name, value in (obj.properties or {}).items()}
    # the client types these fields as `None`-only generics; the values are what it sends
    return DataObject(uuid=obj.uuid, properties=properties, vector=vector,  # type: ignore[arg-type]
                      references=references or None)  # type: ignore[arg-type]


def _writable(value):
    """A value as read, in the form an insert takes: a phone number read back carries what the
    server derived from it; it is written as its input and default country."""
    if isinstance(value, PhoneNumberType):
        return PhoneNumber(number=value.number, default_country=value.default_country or None)
    return as_written(value)


def _deciding(job: CopyJob) -> list[str] | bool:
    """The source properties that decide whether an object was written (its conversions)."""
    return [job.reshape.source_property(c.name) for c in job.reshape.converted] or False


def written(job: CopyJob, page: list) -> list:
    """The objects of a source page the copy wrote: not those its conversions refused or skipped
    (a link from them would fail: they are not in the target)."""
    if not job.reshape.converted:
        return page
    shaped, _ = reshaped(job, page)
    kept = {str(o.uuid) for o in shaped}
    return [o for o in page if str(o.uuid) in kept]


def link_self_references(client, job: CopyJob, *, after: str | None, on_flushed: Callable[[str, int], None],
                         progress: Progress = _nothing) -> None:
    """Set references between objects of the collection itself (their targets must exist first).
    Replacing, not adding, keeps a redone page from doubling a link."""
    refs = [QueryReference(link_on=name, return_properties=[]) for name in job.self_references]
    while True:
        page = _collection(client, job.source, job).query.fetch_objects(
            after=after, limit=PAGE, return_properties=_deciding(job), return_references=refs).objects
        if not page:
            return
        target = _collection(client, job.target, job)
        made = written(job, page)
        there = existing(client, job.target, job.tenant, [str(o.uuid) for o in made])  # the delta passes copy
        for obj in (o for o in made if str(o.uuid) in there):  # and link one the application made since
            for name in job.self_references:
                linked = (obj.references or {}).get(name)
                if linked is not None and linked.objects:
                    _replace_references(target, job, obj.uuid, name, [str(o.uuid) for o in linked.objects])
        after = str(page[-1].uuid)
        on_flushed(after, len(page))
        progress(len(page))


def link_multi_target_references(client, job: CopyJob, *, after: str | None,
                                 on_flushed: Callable[[str, int], None], progress: Progress = _nothing) -> None:
    """Set multi-target references, page by page of the source (every target object exists by now)."""
    while True:
        page = _collection(client, job.source, job).query.fetch_objects(after=after, limit=PAGE,
                                                                        return_properties=_deciding(job)).objects
        if not page:
            return
        ids = [str(o.uuid) for o in written(job, page)]
        there = existing(client, job.target, job.tenant, ids)  # one the application made since: the delta passes
        relink(client, job, [i for i in ids if i in there])  # copy it, and link it then
        after = str(page[-1].uuid)
        on_flushed(after, len(page))
        progress(len(page))


def relink(client, job: CopyJob, ids: list[str]) -> None:
    """Copy the multi-target references of `ids`. The first target's links replace what the
    object has (so a redone page never doubles a link), the others are added."""
    target = _collection(client, job.target, job)
    by_property: dict[str, dict[str, list[tuple[str, str]]]] = {}
    for uuid, found in multi_target_links(client, _collection(client, job.source, job), job, ids).items():
        for name, collection, other in found:
            by_property.setdefault(name, {}).setdefault(uuid, []).append((collection, other))
    for name, links in by_property.items():
        for uuid, to in links.items():
            first = to[0][0]
            _replace_references(target, job, uuid, name, ReferenceToMulti(
                target_collection=first, uuids=[u for collection, u in to if collection == first]))
            rest = [DataReference.MultiTarget(from_uuid=uuid, from_property=name, to_uuid=u, target_collection=c)
                    for c, u in to if c != first]
            if rest:
                _add_references(target, rest, job)


def multi_target_links(client, collection, job: CopyJob, ids: list[str], *,
                       in_source: bool = True) -> dict[str, list[tuple[str, str, str]]]:
    """uuid -> (property, target collection as the new version names it, linked uuid), read from
    `collection`: the source (or, `in_source` False, the target). The server returns one target
    collection per query."""
    links: dict[str, list[tuple[str, str, str]]] = {}
    for name, pairs in job.multi_references:
        for old, new in pairs:
            reference = QueryReference.MultiTarget(link_on=name, target_collection=old if in_source else new,
                                                   return_properties=[])
            linked = collection.query.fetch_objects(filters=Filter.by_id().contains_any(ids), limit=len(ids),
                                                    return_properties=False, return_references=reference).objects
            found = [(str(obj.uuid), str(other.uuid)) for obj in linked
                     for other in ((obj.references or {}).get(name) or NO_LINKS).objects]
            if in_source and old != new != job.target:  # a target moved before: the links whose object its
                there = existing(client, new, job.tenant, sorted({o for _, o in found}))  # new version holds (one
                found = [(uuid, other) for uuid, other in found if other in there]  # deleted since is gone)
            for uuid, other in found:
                links.setdefault(uuid, []).append((name, new, other))
    return links


def _replace_references(target, job: CopyJob, uuid, name: str, to) -> None:
    try:
        target.data.reference_replace(from_uuid=uuid, from_property=name, to=to)
    except WeaviateBaseError as error:  # e.g. a link to an object the copy does not hold
        raise CopyFailed(f"linking {name} of {uuid} in {job.target}{_of(job)} failed: {_short(error)}") from None


def _add_references(target, references: list, job: CopyJob) -> None:
    result = target.data.reference_add_many(references)
    if result.errors:
        first = next(iter(result.errors.values()))
        raise CopyFailed(f"linking references in {job.target}{_of(job)} failed: {_short(first)}")


# ---- verify and repair ----------------------------------------------------------------------
#
# Objects are compared by content, not by write time: a digest of the copied properties, the
# references and the reused vectors, read from both sides and merge-joined in uuid order. A copy
# of a page read just before the application changed it differs from the source, whatever the
# clocks say, so it is copied again.

@dataclass
class Differences:
    """Source vs target, object by object (compared by uuid, in uuid order)."""

    source_count: int = 0
    target_count: int = 0
    skipped: int = 0  # source objects onConvertError: skipObject leaves out
    missing: list[str] = field(default_factory=list)  # in the source only
    stale: list[str] = field(default_factory=list)  # content differs (changed in the source since copied)
    extra: list[str] = field(default_factory=list)  # in the target only (deleted from the source)
    without_vector: list[str] = field(default_factory=list)  # a re-embedded vector is absent
    # the source objects to copy again, as compared (up to HELD of them), and their digests
    held: dict[str, Any] = field(default_factory=dict)
    digests: dict[str, bytes] = field(default_factory=dict)
    # written again and taken by the server, still without a re-embedded vector: its vectorizer
    # had no text to embed (Weaviate stores such objects unembedded, as for the application's writes)
    unembedded: list[str] = field(default_factory=list)

    def accept_unembedded(self, taken: set[str]) -> list[str]:
        """The objects without a vector among those the server just `taken`, no longer a difference."""
        accepted = [u for u in self.without_vector if u in taken]
        self.without_vector = [u for u in self.without_vector if u not in taken]
        for uuid in accepted:
            self.held.pop(uuid, None)
            self.digests.pop(uuid, None)
        return accepted

    @property
    def complete(self) -> bool:
        """Every object to copy again is held (else the next pass must compare everything)."""
        return len(self.held) == len(self.missing) + len(self.stale) + len(self.without_vector)

    def hold(self, uuid: str, obj, digest: bytes) -> None:
        if len(self.held) < HELD:
            self.held[uuid], self.digests[uuid] = obj, digest

    @property
    def clean(self) -> bool:
        return not self.count

    @property
    def count(self) -> int:
        return len(self.missing) + len(self.stale) + len(self.extra) + len(self.without_vector)

    def describe(self) -> str:
        parts = [f"{len(self.missing)} missing", f"{len(self.stale)} changed since copied",
                 f"{len(self.extra)} deleted from the source", f"{len(self.without_vector)} without a vector"]
        return ", ".join(p for p in parts if not p.startswith("0 "))


def compare(client, job: CopyJob, *, source_read: list | None = None) -> Differences:
    """Merge-join both collections' content streams, read with cursors (constant memory, one pass
    each). The source objects that must be copied again are kept as read, so the repair writes
    exactly what was compared, and never looks an object up by id in the source: Weaviate can
    leave an object out of its id index (a replace refused by a read-only shard does), and a
    lookup would then take it for deleted. `source_read`: the whole source as a copy of the
    fenced source read it (Outcome.read), in place of reading it again."""
    diff = Differences()
    source = _ContentStream(client, job, job.source, present=(), given=source_read)
    target = _ContentStream(client, job, job.target, present=_checked_vectors(job))
    s, t = next(source, None), next(target, None)
    while s is not None or t is not None:
        if s is not None and (t is None or s[0] < t[0]):
            diff.missing.append(s[0])
            diff.hold(s[0], s[3], s[1])
            s = next(source, None)
        elif t is not None and (s is None or t[0] < s[0]):
            diff.extra.append(t[0])
            t = next(target, None)
        else:
            assert s is not None and t is not None  # the same uuid on both sides
            if s[1] != t[1]:
                diff.stale.append(s[0])
                diff.hold(s[0], s[3], s[1])
            elif not t[2]:
                diff.without_vector.append(s[0])
                diff.hold(s[0], s[3], s[1])
            s, t = next(source, None), next(target, None)
    diff.source_count, diff.target_count, diff.skipped = source.count, target.count, source.skipped
    return diff


def recheck(client, job: CopyJob, diff: Differences) -> Differences:
    """After a repair of a complete `diff` with the source fenced: read back only what was
    written or deleted in the target (nothing else writes it) and compare with the digests."""
    again = Differences(source_count=diff.source_count, target_count=diff.target_count)
    stream = _ContentStream(client, job, job.target, present=_checked_vectors(job), given=[])  # fetched by id below
    found = {}
    for chunk in _chunks(sorted(set(diff.held) | set(diff.extra)), VERIFY_PAGE):
        page = stream.fetch(filters=Filter.by_id().contains_any(chunk), limit=len(chunk))
        found.update({u: (d, v) for u, d, v, _ in stream.entries(page)})
    for uuid, obj in diff.held.items():
        if uuid not in found:
            again.missing.append(uuid)
        elif found[uuid][0] != diff.digests[uuid]:
            again.stale.append(uuid)
        elif not found[uuid][1]:
            again.without_vector.append(uuid)
        else:
            continue
        again.hold(uuid, obj, diff.digests[uuid])
    again.extra = [u for u in diff.extra if u in found]
    return again


def _checked_vectors(job: CopyJob) -> tuple[str, ...]:
    """Re-embedded vectors, whose presence in the target is checked."""
    return job.reembed if job.named_vectors else ((DEFAULT,) if job.reembed else ())


class _ContentStream:
    """(uuid, content digest, has every `present` vector, object), in uuid order, read with a
    cursor (or of the objects `given`, already read); counts as it goes."""

    def __init__(self, client, job: CopyJob, name: str, present: tuple[str, ...], given: list | None = None):
        self.count = self.skipped = 0
        self._job, self._name, self._present, self._client = job, name, present, client
        # the source is read as it is, and compared reshaped as the target holds it
        self._reshaped = name == job.source and not job.reshape.identity
        vectors = tuple(dict.fromkeys(job.reuse + present))
        self._vectors = _vector_selector(job, job.source_vectors(vectors) if name == job.source else vectors)
        self._properties = job.source_properties() if name == job.source else list(job.properties)
        self._references = job.read_references(name)
        self._objects = self._read() if given is None else self.entries(given)

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._objects)

    @property
    def _collection(self):
        return _collection(self._client, self._name, self._job, VERIFY_LEVEL)

    def _read(self):
        first = self.fetch(after=None, limit=VERIFY_PAGE)
        yield from self.entries(first)
        if len(first) == VERIFY_PAGE:  # more than a page: the rest read ahead by a thread
            for page in _read_ahead(self._pages(str(first[-1].uuid))):
                yield from self.entries(page)

    def _pages(self, after: str):
        while True:
            page = self.fetch(after=after, limit=VERIFY_PAGE)
            yield page
            if len(page) < VERIFY_PAGE:
                return
            after = str(page[-1].uuid)

    def fetch(self, **where) -> list:
        try:
            page = self._collection.query.fetch_objects(
                include_vector=self._vectors, return_properties=self._properties or False,
                return_references=self._references, **where).objects
        except WeaviateBaseError as error:
            raise CopyFailed(f"reading {self._name} to verify the copy failed: {_short(error)}") from None
        links = self._job.links_of(self._name)
        return links.completed(self._client, page, by_cursor="filters" not in where) if links else page

    def entries(self, page: list):
        links = (multi_target_links(self._client, self._collection, self._job, [str(o.uuid) for o in page],
                                    in_source=self._name == self._job.source)
                 if self._job.multi_references and page else {})
        for obj in page:
            uuid = str(obj.uuid)
            if self._reshaped:
                try:
                    obj = self._job.reshape.apply(obj)
                except Unconvertible as error:  # differs from whatever the target holds: copied again, refused
                    self.count += 1
                    yield uuid, REFUSED, True, Refused(obj.uuid, str(error))
                    continue
                if obj is None:
                    self.skipped += 1  # onConvertError: skipObject: not in the new version
                    continue
            self.count += 1
            stored = obj.vector or {}
            yield uuid, content_digest(obj, self._job, links.get(uuid, ())), \
                all(stored.get(v) for v in self._present), obj


_END = object()
REFUSED = b"refused by its conversion"  # the digest of a source object whose value does not convert


@dataclass(frozen=True)
class Refused:
    """A source object held for copying whose value does not convert: repair records why."""

    uuid: Any
    message: str


def _read_ahead(pages: Iterator[list], depth: int = 2) -> Iterator[list]:
    """`pages`, fetched by a thread of its own up to `depth` pages ahead: both sides of a
    comparison are read at once, and the digests are computed while the next page travels."""
    ready: queue.Queue = queue.Queue(depth)
    stopped = threading.Event()

    def offer(item) -> bool:
        while not stopped.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False  # the reader is gone

    def produce() -> None:
        try:
            for page in pages:
                if not offer(page):
                    return
            offer(_END)
        except BaseException as error:  # noqa: BLE001 - handed to the reader, raised there
            offer(error)

    threading.Thread(target=produce, daemon=True, name="schemactl-read-ahead").start()
    try:
        while True:
            item = ready.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stopped.set()


def content_digest(obj, job: CopyJob, multi_target: Iterable[tuple[str, str, str]] = ()) -> bytes:
    """What must be equal on both sides: copied properties, references (multi-target ones given
    apart, as (property, target collection, uuid)), reused vectors."""
    linked = obj.references or {}
    references = {n: sorted(str(o.uuid) for o in linked[n].objects)
                  for n in job.references + job.self_references if n in linked and linked[n].objects}
    properties = {k: _canonical(v) for k, v in (obj.properties or {}).items() if v is not None}
    digest = hashlib.blake2b(digest_size=16)
    content = [properties, references, sorted(multi_target)]
    digest.update(json.dumps(content, sort_keys=True, default=str, separators=(",", ":")).encode())
    stored = obj.vector or {}
    for name in job.reuse:
        digest.update(name.encode() + b"\0" + _vector_bytes(stored.get(name)))
    return digest.digest()


def _vector_bytes(vector) -> bytes:
    """A stored vector's float32 bytes (Weaviate stores float32: nothing is rounded away); a
    multi-vector's rows one after the other, each with its length."""
    if not vector:
        return b"-"
    if isinstance(vector[0], list):
        return b"".join(len(row).to_bytes(4, "little") + array("f", row).tobytes() for row in vector)
    return array("f", vector).tobytes()


def _canonical(value):
    """One spelling per value: 3.0 and 3 alike (an int property copied into a number one), a
    date as its instant in UTC, a uuid as its text."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime):
        return nanoseconds(value)
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items() if v is not None}
    return value


def repair(client, job: CopyJob, diff: Differences) -> Outcome:
    """Write the held source objects again; delete what the source no longer has."""
    outcome = Outcome()
    refused = {str(o.uuid): o.message for o in diff.held.values() if isinstance(o, Refused)}
    outcome.failed.update(refused)
    for chunk in _chunks([o for o in diff.held.values() if not isinstance(o, Refused)], PAGE):
        failed = _write(client, job, chunk, with_self_references=True)
        outcome.failed.update(failed)
        outcome.copied += len(chunk) - len(failed)
        if job.multi_references:  # rewritten objects lost them: link them again
            relink(client, job, [str(o.uuid) for o in chunk if str(o.uuid) not in failed])
    target = _collection(client, job.target, job)
    for ids in _chunks(diff.extra, PAGE):
        target.data.delete_many(where=Filter.by_id().contains_any(ids))
    return outcome


# ---- following a source that is being written -------------------------------------------------

@dataclass
class Following:
    """Delta passes while the application writes to the source (it is not fenced yet)."""

    passes: int = 0
    left: int = 0  # objects that differed in the last pass
    compare_seconds: float = 0.0  # the last full comparison
    repaired: int = 0
    repair_seconds: float = 0.0
    write_rate: float = 0.0  # objects changed in the source per second, as the last pass saw
    differing: list[int] = field(default_factory=list)  # objects that differed, pass by pass

    @property
    def copy_rate(self) -> float:
        return self.repaired / self.repair_seconds if self.repair_seconds > 0 else 0.0

    def pause_estimate(self) -> float:
        """Seconds a fenced final pass would take: one comparison and the repair of what differs."""
        rate = self.copy_rate or PAGE  # no repair measured yet: assume a page per second
        return self.compare_seconds + self.left / rate


def follow_writes(client, job: CopyJob, failures: dict[str, str], *, max_pause: float) -> Following:
    """Delta passes until what still differs fits in a fenced pass of at most `max_pause` seconds
    and stops shrinking (the application's writes keep a steady trickle). NotVerified when the
    writes outpace the copy; the source is untouched then."""
    state = Following()
    window = time.monotonic()
    previous: int | None = None
    taken: set[str] = set()  # written again by the last repair
    unembedded: set[str] = set()  # taken and still without a vector: the server embeds nothing for them
    while True:
        started = time.monotonic()
        diff = compare(client, job)
        unembedded |= set(diff.accept_unembedded(taken | unembedded))  # not a write the application makes
        state.compare_seconds, state.left, state.passes = time.monotonic() - started, diff.count, state.passes + 1
        state.differing.append(diff.count)
        if previous is not None:  # objects the copy could not write are not the application's writes
            unwritten = len(set(diff.missing + diff.stale + diff.without_vector) & failures.keys())
            state.write_rate = (diff.count - unwritten) / max(started - window, 1e-3)
        window = started
        step = next_step(state, previous, max_pause)
        if step == "fence":
            return state
        if step == "refuse":
            raise NotVerified(_outpaced(job, state, max_pause))
        started = time.monotonic()
        outcome = repair(client, job, diff)
        taken = set(diff.held) - outcome.failed.keys()
        failures.update(outcome.failed)
        state.repaired += outcome.copied + len(diff.extra)
        state.repair_seconds += time.monotonic() - started
        previous = diff.count


def next_step(state: Following, previous: int | None, max_pause: float) -> str:
    """After a delta pass: "fence" (what is left fits in the pause), "repair" (another pass may
    shrink it) or "refuse" (it does not fit and is not shrinking, or comparing alone is too slow)."""
    shrinking = previous is None or state.left <= previous * SHRINKING
    if previous is not None and state.compare_seconds > max_pause:
        return "refuse"
    if state.pause_estimate() <= max_pause:
        return "fence" if state.left <= SETTLED or not shrinking or state.passes >= FOLLOW_PASSES else "repair"
    return "refuse" if previous is not None and (not shrinking or state.passes >= FOLLOW_PASSES) else "repair"


def outpaced(state: Following) -> str:
    """Why delta passes did not converge, as the rates measured say: writes outran the copy, or
    the copy kept up but each pass (a full comparison) takes too long for the pause."""
    if state.copy_rate and state.copy_rate > state.write_rate:
        return "changes too fast for the final pass to fit in the write pause"
    return "changes faster than the copy can follow"


def _outpaced(job: CopyJob, state: Following, max_pause: float) -> str:
    return (f"{job.source}{_of(job)} {outpaced(state)}: about {state.write_rate:,.0f} "
            f"object(s)/s written, {state.copy_rate:,.0f} object(s)/s copied; {state.left} still differ after "
            f"{state.passes} delta passes, and the final pass would pause writes for about "
            f"{state.pause_estimate():.1f} s (comparing alone takes {state.compare_seconds:.1f} s; "
            f"--max-write-pause is {max_pause:g} s). Not cutting over; the source is untouched: apply again when "
            f"writes are slower{when_embedding(job)}, or allow a longer pause")


def when_embedding(job: CopyJob) -> str:
    """What else slows a copy that embeds: the module's request budget, kept by the server across
    applies (a copy right after another one's may find it spent)."""
    return (" or the embedding module's request budget has recovered (the copy re-embeds; one applied just "
            "before may have spent it: wait a minute)") if job.reembed else ""


def settle(client, job: CopyJob, failures: dict[str, str], *, source_read: list | None = None) -> Differences:
    """The final passes, with the source fenced (no write can reach it): the target becomes
    exactly the source. Only schemactl writes the target until the alias moves, so after one
    full comparison only what was repaired needs reading back. `source_read`: the source as a
    copy made under the fence read it (nothing has changed it since). NotVerified when objects
    cannot be copied (e.g. their embedding fails)."""
    full = diff = compare(client, job, source_read=source_read)
    unembedded: list[str] = []
    for _ in range(REPAIR_PASSES):
        if diff.clean:
            return _settled(full, unembedded)
        written = repair(client, job, diff)
        failures.update(written.failed)
        taken = set(diff.held) - written.failed.keys()
        diff = recheck(client, job, diff) if diff.complete else compare(client, job)
        unembedded += diff.accept_unembedded(taken)
    if diff.clean:
        return _settled(full, unembedded)
    where = f"{job.source}{_of(job)}"
    unresolved = set(diff.missing) | set(diff.without_vector) | set(diff.stale)
    refused = {u: m for u, m in failures.items() if u in unresolved}
    refuse_data(where, refused)
    if refused:
        first = next(iter(refused.values()))
        some = ", ".join(sorted(refused)[:3]) + (", ..." if len(refused) > 3 else "")
        raise NotVerified(f"{len(refused)} object(s) of {where} could not be copied after {RETRIES} retries "
                          f"({some}; last error: {first[:200]}); not cutting over, the source is untouched")
    raise NotVerified(f"{where} still differs from {job.target} with writes fenced off ({diff.describe()} after "
                      f"{REPAIR_PASSES} passes); not cutting over, the source is untouched")


def _settled(full: Differences, unembedded: list[str]) -> Differences:
    return Differences(source_count=full.source_count, target_count=full.source_count, skipped=full.skipped,
                       unembedded=sorted(unembedded))


# ---- helpers --------------------------------------------------------------------------------

def _collection(client, name: str, job: CopyJob, level: str | None = None):
    """`name` for `job`'s tenant, at `level` (default: the job's consistency level for writes).
    `client` is a client, or what gives the current one (Context.client: reopened once an OIDC
    token is renewed), asked for each page so that a long copy never outlives its token."""
    client = client() if callable(client) else client
    collection = client.collections.use(name).with_consistency_level(ConsistencyLevel(level or job.consistency))
    return collection.with_tenant(job.tenant) if job.tenant else collection


def _vector_selector(job: CopyJob, names: tuple[str, ...]):
    if not names:
        return False
    return list(names) if job.named_vectors else True


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _of(job: CopyJob) -> str:
    return f" (tenant {job.tenant})" if job.tenant else ""


def _short(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return (text[0] if text else type(error).__name__)[:300]


def take_in(client, stray: str, target: str, *, given: tuple[str, ...] | None) -> int:
    """Every object of `stray` (a collection without tenants or references, fenced by the caller)
    written to `target` as it is, with the stored vectors the target takes as given (`given`: by
    name; None: its single vector); the others the target embeds. The number carried.
    SchemactlError when the target refuses any: nothing is lost, `stray` stays."""
    objects = list(_client(client).collections.use(stray).iterator(include_vector=True))
    if not objects:
        return 0

    def vector(stored: dict):
        if given is None:
            return stored.get(DEFAULT)
        return {name: stored[name] for name in given if name in stored} or None

    written = _client(client).collections.use(target).data.insert_many([
        DataObject(uuid=o.uuid, properties={k: _writable(v) for k, v in o.properties.items()},  # type: ignore[arg-type]
                   vector=vector(o.vector or {}))  # type: ignore[arg-type]
        for o in objects])
    if written.errors:
        first = next(iter(written.errors.values())).message
        raise SchemactlError(f"{len(written.errors)} object(s) written to {stray} could not be carried over to {target} "
                             f"({first[:200]}); {stray} is kept: move them by hand, delete {stray} and apply again")
    return len(objects)


def _client(client):
    return client() if callable(client) else client
