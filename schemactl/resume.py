"""The resume state of a recreate: how far the copy into a new physical version got.

It is kept in the cluster as JSON (state.Checkpoint, saved in `SchemactlCheckpoint`), so a killed
apply, run again, resumes where it left off. These dataclasses read and write exactly that JSON:

    {"version": 2, "phase": "copy" | "verify" | "fenced" | "cutover" | "handover",
     "tenants": {"<tenant>": {"status": "HOT", "after": <cursor>, "copied": 0, "done": false,
                              "settled": false, "linked": <cursor>, "multi_linked": <cursor>?}},
     "fenced": [...]?, "autoTenants": {...}?, "targetAutoActivation": bool?,
     "progressSeq": 0?, "logSeq": 0?, "keptAwake": [...]?, "change": {<a plan step>}?,
     "renamedFrom": "<old name>"?}

(a single-collection recreate has one tenant, ""; the keys marked ? are absent until first set,
and stay absent when written back.) Format 1 had no "version" and its tenants no "settled".
A checkpoint in a newer format, or holding a key this version does not know, is refused:
resuming it would drop what the newer schemactl recorded.

A multi-tenant copy also keeps a log of the tenants that moved beside the checkpoint
(state.append_progress): each record maps tenants to the same entries, or to `{"gone": true}` for
a tenant the application deleted.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum
from typing import Any

from .errors import SchemactlError

STATE_VERSION = 5  # 1 had no version, no per-tenant progress log and no "settled" per tenant; 2 no "handed";
# 3 no "waking"; 4 no "freed"


class Phase(str, Enum):
    """Where a recreate stands; each phase is entered once the one before is checkpointed."""

    COPY = "copy"  # copying tenant by tenant (a multi-tenant copy may fence groups as it goes)
    VERIFY = "verify"  # copied: delta passes while the application writes
    FENCED = "fenced"  # the source fenced (recorded before fencing): last differences settled
    CUTOVER = "cutover"  # verified: the alias is being moved to the new version
    HANDOVER = "handover"  # multi-tenant, the alias moved and late tenants carried over: statuses handed over


class CheckpointRefused(SchemactlError):
    """A checkpoint this schemactl cannot resume: newer, or not readable."""


@dataclass
class TenantEntry:
    """One tenant's copy ("" for a collection without tenants)."""

    status: str  # its activity status in the source (HOT, COLD, ...)
    after: str | None = None  # the cursor: every object up to it is copied
    copied: int = 0
    done: bool = False  # every object copied (and references linked)
    settled: bool = False  # verified equal to the source with the source fenced
    linked: str | None = None  # self-references linked up to this cursor
    multi_linked: str | None = None  # multi-target references linked up to this cursor (absent until then)
    gone: bool = False  # only in the progress log: the tenant was deleted from the source
    handed: bool = False  # the hand-over gave it its status in the new version (never again: it is live there)
    waking: str | None = None  # its status in the source when the copy woke it, until put back (a stopped run's
    # have their fence lifted by the next, which verifies them again: tenant_recreate.lift_woken)

    @classmethod
    def forgotten(cls) -> TenantEntry:
        """A progress-log record for a tenant that is gone: `{"gone": true}`."""
        return cls(status="", gone=True)

    def to_json(self) -> dict[str, Any]:
        if self.gone:
            return {"gone": True}
        data: dict[str, Any] = {"status": self.status, "after": self.after, "copied": self.copied,
                                "done": self.done, "settled": self.settled, "linked": self.linked}
        if self.multi_linked is not None:
            data["multi_linked"] = self.multi_linked
        if self.handed:
            data["handed"] = True
        if self.waking:
            data["waking"] = self.waking
        return data

    @classmethod
    def from_json(cls, data: object, source: str, where: str) -> TenantEntry:
        if not isinstance(data, dict):
            raise _unreadable(source, f"{where} is not an object")
        if data.get("gone"):
            _refuse_unknown(source, set(data) - {"gone"}, where)
            return cls.forgotten()
        _refuse_unknown(source, set(data) - _ENTRY_KEYS, where)
        missing = sorted({"status", "after", "copied", "done", "linked"} - set(data))
        if missing:
            raise _unreadable(source, f"{where} has no {', '.join(missing)}")
        return cls(status=_typed(data["status"], str, source, where),
                   after=_typed(data["after"], (str, type(None)), source, where),
                   copied=_typed(data["copied"], int, source, where),
                   done=_typed(data["done"], bool, source, where),
                   settled=_typed(data.get("settled", False), bool, source, where),  # format 1 had none
                   linked=_typed(data["linked"], (str, type(None)), source, where),
                   multi_linked=_typed(data.get("multi_linked"), (str, type(None)), source, where),
                   handed=_typed(data.get("handed", False), bool, source, where),
                   waking=_typed(data.get("waking"), (str, type(None)), source, where))


_ENTRY_KEYS = {"status", "after", "copied", "done", "settled", "linked", "multi_linked", "handed", "waking"}


def new_entry(status: str) -> TenantEntry:
    """A tenant not copied yet."""
    return TenantEntry(status)


@dataclass
class ResumeState:
    """The checkpoint's state. None stands for a key not recorded yet (absent from the JSON)."""

    phase: Phase
    tenants: dict[str, TenantEntry]
    version: int = STATE_VERSION  # written as read: a format-1 state stays without "version"
    fenced: list[str] | None = None  # shards or tenants fenced, recorded before fencing them
    auto_tenants: dict[str, bool] | None = None  # the source's tenant auto-creation/activation before
    target_auto_activation: bool | None = None  # the new version's autoTenantActivation, restored after
    progress_seq: int | None = None  # the last progress-log record folded into this state
    log_seq: int | None = None  # the last progress-log record written
    kept_awake: list[str] | None = None  # the new version's tenants left awake as the alias moved
    change: dict[str, Any] | None = None  # a multi-tenant recreate's change (plan.change_document): to finish it
    renamed_from: str | None = None  # a rename's old name: its alias is removed once the new name's is made
    freed: bool | None = None  # a first cutover deleted the original to free its name (recorded before)

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.version != 1:
            data["version"] = self.version
        data["phase"] = self.phase.value
        data["tenants"] = {name: entry.to_json() for name, entry in self.tenants.items()}
        optional = {"fenced": self.fenced, "autoTenants": self.auto_tenants,
                    "targetAutoActivation": self.target_auto_activation, "progressSeq": self.progress_seq,
                    "logSeq": self.log_seq, "keptAwake": self.kept_awake, "change": self.change,
                    "renamedFrom": self.renamed_from, "freed": self.freed}
        data.update({key: value for key, value in optional.items() if value is not None})
        return data

    @classmethod
    def from_json(cls, text: str, source: str) -> ResumeState:
        """The state of the copy of `source`; CheckpointRefused when it is newer or unreadable."""
        try:
            data = json.loads(text)
        except ValueError as error:
            raise _unreadable(source, f"not JSON ({error})") from None
        return cls.from_dict(data, source)

    @classmethod
    def from_dict(cls, data: object, source: str) -> ResumeState:
        if not isinstance(data, dict):
            raise _unreadable(source, "not an object")
        version = data.get("version", 1)
        if not isinstance(version, int) or isinstance(version, bool):
            raise _unreadable(source, f"version {version!r}")
        if version > STATE_VERSION:
            raise CheckpointRefused(f"the copy of {source} was started by a newer schemactl (checkpoint format "
                                    f"{version}, this one reads up to {STATE_VERSION}): finish it with that "
                                    "version; nothing was changed")
        _refuse_unknown(source, set(data) - _STATE_KEYS, "its state")
        try:
            phase = Phase(data.get("phase"))
        except ValueError:
            raise _unreadable(source, f"phase {data.get('phase')!r}") from None
        tenants = data.get("tenants")
        if not isinstance(tenants, dict):
            raise _unreadable(source, "no tenants")
        auto = data.get("autoTenants")
        if auto is not None and not (isinstance(auto, dict) and all(isinstance(v, bool) for v in auto.values())):
            raise _unreadable(source, f"autoTenants {auto!r}")
        fenced = _typed(data.get("fenced"), (list, type(None)), source, "fenced")
        kept = _typed(data.get("keptAwake"), (list, type(None)), source, "keptAwake")
        return cls(phase=phase,
                   tenants={name: TenantEntry.from_json(entry, source, f"tenant {name!r}")
                            for name, entry in tenants.items()},
                   version=version,
                   fenced=None if fenced is None else [_typed(name, str, source, "fenced") for name in fenced],
                   auto_tenants=auto,
                   target_auto_activation=_typed(data.get("targetAutoActivation"), (bool, type(None)), source,
                                                 "targetAutoActivation"),
                   progress_seq=_typed(data.get("progressSeq"), (int, type(None)), source, "progressSeq"),
                   log_seq=_typed(data.get("logSeq"), (int, type(None)), source, "logSeq"),
                   kept_awake=None if kept is None else [_typed(name, str, source, "keptAwake") for name in kept],
                   change=_typed(data.get("change"), (dict, type(None)), source, "change"),
                   renamed_from=_typed(data.get("renamedFrom"), (str, type(None)), source, "renamedFrom"),
                   freed=_typed(data.get("freed"), (bool, type(None)), source, "freed"))


_STATE_KEYS = {"version", "phase", "tenants", "fenced", "autoTenants", "targetAutoActivation", "progressSeq",
               "logSeq", "keptAwake", "change", "renamedFrom", "freed"}


def progress_to_json(changed: dict[str, TenantEntry]) -> str:
    """A progress-log record: the tenants that moved since the last one."""
    return json.dumps({tenant: entry.to_json() for tenant, entry in changed.items()})


def progress_from_json(text: str, source: str) -> dict[str, TenantEntry]:
    try:
        data = json.loads(text)
    except ValueError as error:
        raise _unreadable(source, f"a progress record is not JSON ({error})") from None
    if not isinstance(data, dict):
        raise _unreadable(source, "a progress record is not an object")
    return {tenant: TenantEntry.from_json(entry, source, f"tenant {tenant!r} in a progress record")
            for tenant, entry in data.items()}


def _refuse_unknown(source: str, unknown: set, where: str) -> None:
    if unknown:
        raise CheckpointRefused(f"the copy of {source} was started by a newer schemactl ({where} holds "
                                f"{', '.join(sorted(map(str, unknown)))}, which this one does not know): finish it "
                                "with that version; nothing was changed")


def _unreadable(source: str, why: str) -> CheckpointRefused:
    return CheckpointRefused(f"the checkpoint of the copy of {source} cannot be read ({why}): nothing was changed")


def _typed(value: Any, kind: type | tuple[type, ...], source: str, where: str) -> Any:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise _unreadable(source, f"{where}: {value!r}")
    return value
