"""What schemactl keeps in the cluster itself: the apply lock, the ledger, copy checkpoints.

All of it lives in collections `owned.py` names, which plan, pull and prune leave out.

The lock is a collection: creating a collection is atomic in Weaviate (it goes through Raft),
so of two applies racing to create `SchemactlLock` exactly one succeeds. Its description says
who holds it.
"""
from __future__ import annotations

import getpass
import hashlib
import json
import os
import socket
import uuid
from collections.abc import Container
from dataclasses import asdict, astuple, dataclass
from datetime import datetime, timezone

from . import __version__
from .changes import RecreateCollection
from .errors import RequestRefused, SchemactlError
from .live import RestClient, listed_objects, node_statuses
from .redact import redact
from .owned import CHECKPOINTS, LEDGER, LOCK
from .resume import Phase, ResumeState, TenantEntry, progress_from_json, progress_to_json
from .rest_json import to_rest

NAMESPACE = uuid.UUID("6f1c2b8e-5a7d-4c3e-9b1f-2d8e7a6c5b4a")


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


BOOKKEEPING_REPLICAS = 3  # the ledger and checkpoints survive one node lost (writes at QUORUM)
QUORUM = "consistency_level=QUORUM"  # read and written at QUORUM: a read sees the last write


def _bookkeeping_class(reader: RestClient, name: str, description: str, properties: dict[str, str]) -> dict:
    """A vectorless collection for schemactl's own records, on a cluster replicated to up to
    three nodes, so one node down stops no apply."""
    nodes = len(node_statuses(reader) or {}) or 1
    return {"class": name, "description": description, "vectorizer": "none",
            "vectorIndexConfig": {"skip": True},
            "replicationConfig": {"factor": min(nodes, BOOKKEEPING_REPLICAS)},
            "properties": [{"name": n, "dataType": [t], "indexSearchable": False} if t == "text"
                           else {"name": n, "dataType": [t]} for n, t in properties.items()]}


def _ensure(reader: RestClient, body: dict) -> None:
    try:
        reader.send("POST", "/v1/schema", body, f"create {body['class']}")
    except RequestRefused as error:
        if "already exists" not in str(error):
            raise


# ---- lock -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Holder:
    user: str
    host: str
    pid: int
    since: str
    command: str

    def describe(self) -> str:
        return f"{self.user}@{self.host} (pid {self.pid}) since {self.since}, running `{self.command}`"


class LockHeld(SchemactlError):
    """Another apply holds the cluster's lock."""


def me(command: str) -> Holder:
    return Holder(getpass.getuser(), socket.gethostname(), os.getpid(), now(), command)


def acquire_lock(reader: RestClient, holder: Holder) -> None:
    """Take the cluster's apply lock, or raise LockHeld naming who holds it."""
    body = {"class": LOCK, "description": json.dumps(asdict(holder)), "vectorizer": "none",
            "vectorIndexConfig": {"skip": True}}
    try:
        reader.send("POST", "/v1/schema", body, "take the apply lock")
    except RequestRefused as error:
        if "already exists" not in str(error):
            raise
        raise LockHeld(f"another apply holds the lock on this cluster: {held_by(read_lock(reader))} If it crashed, "
                       "release the lock with `schemactl force-unlock`.") from None


def held_by(holder: Holder | None) -> str:
    """Who holds the lock, and whether that process still runs when it ran on this machine."""
    who = holder.describe() if holder else "an unknown holder"
    return f"{who}." + (" That process is no longer running." if holder is not None and gone(holder) else "")


def gone(holder: Holder) -> bool:
    """The holder's process ran on this machine and runs no more (elsewhere: unknown)."""
    return holder.host == socket.gethostname() and not _alive(holder.pid)


def read_lock(reader: RestClient) -> Holder | None:
    body = reader.get_or_none(f"/v1/schema/{LOCK}")
    return None if body is None else holder_of(body.get("description") or "")


def holder_of(description: str) -> Holder | None:
    """The holder a lock's description records (None: unreadable, or not as schemactl writes it)."""
    try:
        holder = Holder(**json.loads(description or "{}"))
    except (TypeError, ValueError):
        return None
    kinds = (str, str, int, str, str)
    typed = [isinstance(v, k) and not isinstance(v, bool) for v, k in zip(astuple(holder), kinds)]
    return holder if all(typed) and 0 < holder.pid < 2**31 else None


def release_lock(reader: RestClient) -> None:
    try:
        reader.send("DELETE", f"/v1/schema/{LOCK}", None, "release the apply lock")
    except RequestRefused as error:
        if error.status != 404:
            raise


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# ---- ledger ---------------------------------------------------------------------------------

LEDGER_FIELDS = {"planChecksum": "text", "startedAt": "date", "finishedAt": "date", "result": "text",
                 "schemactlVersion": "text", "holder": "text", "summary": "text", "steps": "text",
                 "stepsDone": "int[]", "error": "text"}


@dataclass
class Record:
    """One apply of one plan: when, what, by which version, result."""

    id: str
    planChecksum: str
    startedAt: str
    result: str  # running | applied | failed
    schemactlVersion: str
    holder: str
    summary: str  # JSON: the plan's summary counts
    steps: str  # JSON: [{step, kind, collection, moves (a recreate's renames, retypes, drops)}]
    stepsDone: list[int]
    error: str = ""
    finishedAt: str | None = None


def start_record(reader: RestClient, checksum: str, summary: dict, steps: list[dict], holder: Holder) -> Record:
    _ensure(reader, _bookkeeping_class(reader, LEDGER, "schemactl: every applied plan", LEDGER_FIELDS))
    record = Record(str(uuid.uuid4()), checksum, now(), "running", __version__, holder.describe(),
                    json.dumps(summary), json.dumps(steps), [])
    _write(reader, LEDGER, record.id, _properties(record), create=True)
    return record


def update_record(reader: RestClient, record: Record) -> None:
    _write(reader, LEDGER, record.id, _properties(record), create=False)


def with_version(steps: str, number: int, version: str | None) -> str:
    """The steps JSON with the physical version step `number` left its collection at."""
    entries = json.loads(steps or "[]")
    for entry in entries:
        if entry.get("step") == number and version:
            entry["version"] = version
    return json.dumps(entries)


def completed_in(records: list[Record]) -> set[str]:
    """Physical versions a finished step of one of `records` left an alias pointing at."""
    found = set()
    for record in records:
        for entry in json.loads(record.steps or "[]"):
            if entry.get("step") in record.stepsDone and entry.get("version"):
                found.add(entry["version"])
    return found


def served_in(records: list[Record]) -> set[str]:
    """Physical collections an alias served, as `records` say: those a finished step left it
    pointing at, and those a finished recreate copied from (what it served then)."""
    return completed_in(records) | {e["from"] for e in _finished_entries(records) if e.get("from")}


def copied_for(records: list[Record]) -> dict[str, str]:
    """Physical collection -> the name a finished recreate that was not a rename copied it for
    (the name's alias served it: made outside schemactl, or an earlier version); records from
    before steps said whether they renamed tell nothing."""
    return {e["from"]: e["collection"] for e in _finished_entries(records)
            if e.get("from") and e.get("renamedFrom") == ""}


def renamed_in(records: list[Record]) -> dict[str, str]:
    """Old name -> new name of each collection a recreate of `records` renames, recorded as done or
    not (a run can stop after moving the alias, before it records the step): whoever reads this
    keeps only those whose new name serves and whose old name is gone (diff.renames_done)."""
    return {e["renamedFrom"]: e["collection"] for record in records for e in json.loads(record.steps or "[]")
            if e.get("renamedFrom")}


def _finished_entries(records: list[Record]) -> list[dict]:
    return [entry for record in records for entry in json.loads(record.steps or "[]")
            if entry.get("step") in record.stepsDone]


MOVES_THE_ALIAS = ("create", "recreate", "finish-hand-over", "rollback")  # step kinds that point it elsewhere


def arrivals(records: list[Record], collection: str) -> list[tuple[str, str, str | None]]:
    """(version, kind of step, the version it was copied from if the ledger says) each time a
    finished step of an apply or rollback pointed the alias `collection` at another version, or
    made one (a create starts anew, even under a name used before), oldest first. Steps made in
    place record the version they found and move nothing: they do not count."""
    found: list[tuple[str, str, str | None]] = []
    for record in records:
        for entry in json.loads(record.steps or "[]"):
            version, kind = entry.get("version"), entry.get("kind", "")
            if entry.get("collection") == collection and version and kind in MOVES_THE_ALIAS \
                    and entry.get("step") in record.stepsDone \
                    and (not found or found[-1][0] != version or kind == "create"):
                found.append((version, kind, entry.get("from")))
    return found


CREATED = ""  # what made_from says of a version a create step made: from nothing


def made_from(records: list[Record], collection: str, version: str) -> str | None:
    """The version the alias `collection` served before the apply that last moved it to
    `version` (a rollback moving it back does not count); CREATED for a version made new (a
    create, after a rename or a delete freed the name: the versions before belong to another
    collection); None when the ledger does not say."""
    return _made_from(arrivals(records, collection), version)


def _made_from(served: list[tuple[str, str, str | None]], version: str) -> str | None:
    """made_from, on the alias's arrivals read once."""
    made = [i for i, (v, kind, _) in enumerate(served) if v == version and kind != "rollback"]
    if not made:
        return None
    _, kind, source = served[made[-1]]
    if kind == "create":
        return CREATED
    if source is not None:  # recorded with the step (a rename's source has another name)
        return source
    return served[made[-1] - 1][0] if made[-1] > 0 else None  # inferred, for records without it


def lineage(records: list[Record], collection: str, version: str) -> list[str] | None:
    """The versions `version` descends from, newest first: what it was made from, what that was
    made from, ... (the versions a rollback and the ones after it go back to); None when the
    ledger does not know how `version` was made."""
    served = arrivals(records, collection)
    source = _made_from(served, version)
    if source is None:
        return None
    found: list[str] = []
    while source and source not in found and source != version:
        found.append(source)
        source = _made_from(served, source)
    return found


def history(reader: RestClient) -> list[Record]:
    """Every ledger record, oldest first."""
    if reader.get_or_none(f"/v1/schema/{LEDGER}") is None:  # no apply ever ran here
        return []
    records = [Record(id=o["id"], **{k: o["properties"].get(k) for k in LEDGER_FIELDS})
               for o in listed_objects(reader, LEDGER)]
    for r in records:
        r.stepsDone = list(r.stepsDone or [])
        r.error = r.error or ""
    return sorted(records, key=lambda r: r.startedAt or "")


def mark_interrupted(reader: RestClient) -> None:
    """Called with the lock held: any record still 'running' belongs to an apply that died."""
    for record in history(reader):
        if record.result == "running":
            stopped = "the apply stopped before finishing"
            record.result, record.error = "interrupted", stopped + (f" ({record.error})" if record.error else "")
            update_record(reader, record)


def last_record_for(reader: RestClient, checksum: str) -> Record | None:
    matching = [r for r in history(reader) if r.planChecksum == checksum]
    return matching[-1] if matching else None


def _properties(record: Record) -> dict:
    """What a record stores; its texts pass the redaction layer (an error may quote a request)."""
    return {k: redact(v) if isinstance(v, str) else v for k, v in asdict(record).items()
            if k != "id" and v is not None}


# ---- copy checkpoints -----------------------------------------------------------------------

CHECKPOINT_FIELDS = {"source": "text", "target": "text", "definitionHash": "text", "state": "text",
                     "updatedAt": "date"}


@dataclass
class Checkpoint:
    """How far the copy from `source` to `target` got (resume.ResumeState, stored as its JSON)."""

    source: str
    target: str
    definitionHash: str
    state: ResumeState

    @property
    def id(self) -> str:
        return str(uuid.uuid5(NAMESPACE, f"checkpoint:{self.source}"))

    @property
    def cutting_over(self) -> bool:
        """Stopped as its alias moved, or after: what follows the move is left (the checkpoint is
        dropped once it is done)."""
        return self.state.phase in (Phase.CUTOVER, Phase.HANDOVER)

    def never_served(self, logical: str, aliases: dict[str, str], served: Container[str]) -> bool:
        """A copy whose cutover never happened: its target serves no alias and never did (a version
        that served, then was rolled back from, holds writes: never resumed into or discarded), and
        the alias of `logical` was not moved to it."""
        if self.target in aliases.values() or self.target in served:
            return False
        return self.state.phase != Phase.CUTOVER or aliases.get(logical) == self.source \
            or self.source not in aliases.values()

    def hand_over_left(self, alias_target: str | None) -> bool:
        """A multi-tenant recreate stopped after its alias moved to the new version (`alias_target`:
        where the alias points now) and before its hand-over was done: the hand-over drops the
        checkpoint."""
        return self.cutting_over and self.state.auto_tenants is not None and alias_target == self.target


def definition_hash(change: RecreateCollection) -> str:
    """What a checkpoint's copy was made for (its definitionHash): the new version's definition,
    and how values move into it (a rename and an added property give the same definition). Apply
    resumes a copy only for the change it was made for; the plan reads it to say so."""
    content: object = to_rest(change.definition)
    moves = [asdict(m) for m in change.property_moves] + [[v.name, v.source] for v in change.vectors if v.source]
    if moves:
        content = [content, moves]
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def resumed_copy(checkpoint: Checkpoint, change: RecreateCollection, aliases: dict[str, str],
                 served: Container[str], classes: Container[str]) -> bool:
    """Whether apply resumes `checkpoint`'s copy for `change` (apply/recreate.py, _resume_or_start):
    a copy of its source made for this same change, into a version that exists and never served."""
    c = checkpoint
    return (c.source == change.physical and not c.state.freed and c.target in classes
            and c.never_served(change.collection, aliases, served) and c.definitionHash == definition_hash(change))


def load_checkpoint(reader: RestClient, source: str) -> Checkpoint | None:
    """The checkpoint of the copy of `source`; resume.CheckpointRefused when a newer schemactl wrote it."""
    oid = uuid.uuid5(NAMESPACE, f"checkpoint:{source}")
    body = reader.get_or_none(f"/v1/objects/{CHECKPOINTS}/{oid}?{QUORUM}")
    if body is None:
        return None
    return _checkpoint_of(body.get("properties") or {})


def _checkpoint_of(p: dict) -> Checkpoint:
    return Checkpoint(p["source"], p["target"], p["definitionHash"], ResumeState.from_json(p["state"], p["source"]))


def checkpoint_records(reader: RestClient) -> tuple[dict, ...]:
    """Every checkpoint as stored, unparsed (200 records a read; none without any)."""
    if reader.get_or_none(f"/v1/schema/{CHECKPOINTS}") is None:
        return ()
    found = (record.get("properties") or {} for record in listed_objects(reader, CHECKPOINTS))
    return tuple(p for p in found if p.get("target"))  # a progress record has none


def copies_in(records: tuple[dict, ...]) -> set[tuple[str, str]]:
    """(source, target) of each copy an apply has not finished, as its checkpoint names them."""
    return {(p.get("source") or "", p["target"]) for p in records}


def checkpoints_among(records: tuple[dict, ...], names: set[str]) -> list[Checkpoint]:
    """The checkpoints of copies from or into one of `names` (resume.CheckpointRefused when a newer
    schemactl wrote one)."""
    return [_checkpoint_of(p) for p in records if p["target"] in names or p.get("source") in names]


def checkpoints_into(reader: RestClient, targets: set[str]) -> list[Checkpoint]:
    """The checkpoints of copies into one of `targets`."""
    return [_checkpoint_of(p) for p in checkpoint_records(reader) if p["target"] in targets]


def save_checkpoint(reader: RestClient, checkpoint: Checkpoint, *, create: bool = False) -> None:
    """Durable once this returns: the next run resumes from here."""
    if create:
        _ensure(reader, _bookkeeping_class(reader, CHECKPOINTS, "schemactl: copy progress", CHECKPOINT_FIELDS))
    props = {"source": checkpoint.source, "target": checkpoint.target,
             "definitionHash": checkpoint.definitionHash, "state": checkpoint.state.to_json(),
             "updatedAt": now()}
    _write(reader, CHECKPOINTS, checkpoint.id, props, create=create)


def drop_checkpoint(reader: RestClient, source: str) -> None:
    oid = uuid.uuid5(NAMESPACE, f"checkpoint:{source}")
    try:
        reader.send("DELETE", f"/v1/objects/{CHECKPOINTS}/{oid}?{QUORUM}", None, "drop the copy checkpoint")
    except RequestRefused as error:
        if error.status != 404:
            raise


# ---- REST objects ---------------------------------------------------------------------------

def _write(reader: RestClient, cls: str, oid: str, properties: dict, *, create: bool) -> None:
    body = {"class": cls, "id": oid, "properties": properties}
    if create:
        try:
            reader.send("POST", f"/v1/objects?{QUORUM}", body, f"record in {cls}")
            return
        except RequestRefused as error:
            if "already exists" not in str(error) and error.status != 422:
                raise
    reader.send("PUT", f"/v1/objects/{cls}/{oid}?{QUORUM}", body, f"record in {cls}")


# ---- per-tenant progress --------------------------------------------------------------------
#
# A multi-tenant copy records its tenants' progress as a log next to the checkpoint: each record
# holds only the tenants that moved since the last one, so thousands of tenants never rewrite the
# whole state. The checkpoint's state names the last record it already includes ("progressSeq").

def _progress_id(source: str, seq: int) -> str:
    return str(uuid.uuid5(NAMESPACE, f"progress:{source}:{seq}"))


def append_progress(reader: RestClient, source: str, seq: int, tenants: dict[str, TenantEntry]) -> None:
    """Durable once this returns: record `seq` of `source`'s log (a gone tenant: TenantEntry.forgotten())."""
    props = {"source": source, "target": "", "definitionHash": f"progress:{seq}", "state": progress_to_json(tenants),
             "updatedAt": now()}
    _write(reader, CHECKPOINTS, _progress_id(source, seq), props, create=True)


def load_progress(reader: RestClient, source: str, after: int) -> list[tuple[int, dict[str, TenantEntry]]]:
    """The records of `source`'s log after `after`, in order."""
    found = [(seq, progress_from_json(state, source)) for seq, state in _progress_records(reader, source)
             if seq > after]
    return sorted(found, key=lambda record: record[0])


def replay_progress(reader: RestClient, checkpoint: Checkpoint) -> None:
    """Lay the log records the checkpoint does not include over its tenants (as the stopped run
    left them)."""
    state = checkpoint.state
    for seq, changed in load_progress(reader, checkpoint.source, after=state.progress_seq or 0):
        for tenant, entry in changed.items():
            if entry.gone:
                state.tenants.pop(tenant, None)
            else:
                state.tenants[tenant] = entry
        state.log_seq = max(state.log_seq or 0, seq)


def progress_seqs(reader: RestClient, source: str) -> list[int]:
    """The numbers of the records in `source`'s log (not read: a discarded copy's log is only dropped)."""
    return sorted(seq for seq, _ in _progress_records(reader, source))


def _progress_records(reader: RestClient, source: str):
    for obj in listed_objects(reader, CHECKPOINTS):
        p = obj.get("properties") or {}
        kind = p.get("definitionHash") or ""
        if p.get("source") == source and kind.startswith("progress:"):
            yield int(kind.split(":")[1]), p["state"]


def drop_log(reader: RestClient, source: str) -> None:
    """Every record of `source`'s log (a copy abandoned)."""
    drop_progress(reader, source, max(progress_seqs(reader, source), default=0))


def drop_progress(reader: RestClient, source: str, upto: int, *, after: int = 0) -> None:
    """Delete records after..`upto` of `source`'s log (folded into the checkpoint, or the copy is over)."""
    for seq in range(after + 1, upto + 1):
        try:
            reader.send("DELETE", f"/v1/objects/{CHECKPOINTS}/{_progress_id(source, seq)}?{QUORUM}", None,
                        "drop a progress record")
        except RequestRefused as error:
            if error.status != 404:
                raise
