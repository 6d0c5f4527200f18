"""A recreate of a multi-tenant collection: tenants copied, followed and settled several at a time,
and the source's tenants listed again on every pass, so that a tenant the application creates,
deletes, wakes or puts to sleep while the data moves is followed too.

The write invariant (docs/multi-tenant.md): every tenant the source has when the alias moves
exists in the new version with every acknowledged object and its activity status; a tenant the
application deleted does not come back. Tenant creation is a schema operation the shard fence
cannot block, so while fenced the source's autoTenantCreation/autoTenantActivation are off, the
tenants are listed again after each settle until no new one appears, and right after the alias
moves the old version is listed once more: a tenant created in the last moment is carried over
(the new version's objects win).

Resources: tenants the application keeps COLD are woken a few at a time (both versions), copied
and verified with the source tenant fenced, and put back to sleep; once the alias has moved the
old version's tenants go COLD (kept for rollback). FROZEN/OFFLOADED tenants are refused before any
change.
"""
from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TypeVar

from .context import Context
from .data_copy import (CopyJob, Differences, Following, NotVerified, compare, copy_objects, next_step, outpaced, repair,
                        settle, when_embedding)
from ..errors import SchemactlError
from ..live import Statuses, is_active
from .fence import Fences, fence_shards, give_back, open_shards, unfence_shards, writable_shards
from ..resume import Phase, TenantEntry, new_entry
from ..state import Checkpoint, append_progress, drop_progress, save_checkpoint
from ..settings import AWAKE_BUDGET, PAGE, TARGET_GROUP, TENANT_WORKERS, WAKE_GROUP
from ..tenant_ops import (OFFLOADED, auto_tenants, create_tenants, delete_tenants, list_tenants,
                          UPDATE_PER_REQUEST, offloaded_refusal, put_to_sleep, set_auto_tenants, set_status,
                          vanished)

T = TypeVar("T")
RELISTS = 5  # fenced settle + re-list rounds before giving up on a source that keeps gaining tenants
# Fencing as the copy goes: a group fenced, copied and settled costs about this many times the
# first group's unfenced copy (measured: 1.85x at 100 tenants x 20 objects)
FENCED_GROUP_COST = 2.0
FENCE_EARLY_SHARE = 0.5  # of --max-write-pause: the projected fenced copy may take up to this
FENCE_EARLY_CEILING = 0.8  # and, as measured while it runs, up to this (else the fence is lifted)
FLUSH_SECONDS = 0.5  # progress records at most this often (a kill redoes at most this much)


def refuse_offloaded(source: str, tenants: dict[str, str]) -> None:
    """A tenant offloaded since the plan was checked (the application froze it): stop before the
    copy changes anything."""
    refusal = offloaded_refusal(source, tenants)
    if refusal:
        raise SchemactlError(f"{refusal}; schemactl changed nothing of theirs, and keeps the copy made so far for "
                             "the apply that goes on once they are back")


class Progress:
    """Tenant progress, recorded as a log next to the checkpoint (only what changed, at most
    every FLUSH_SECONDS); thread-safe, as tenants are copied several at a time."""

    def __init__(self, ctx: Context, checkpoint: Checkpoint):
        self._ctx, self._checkpoint = ctx, checkpoint
        self._lock = threading.Lock()
        self._changed: dict[str, TenantEntry] = {}
        self._flushed = time.monotonic()
        state = checkpoint.state
        if state.progress_seq is None:
            state.progress_seq = 0
        if state.log_seq is None:
            state.log_seq = state.progress_seq
        self.seq = state.log_seq

    @property
    def tenants(self) -> dict[str, TenantEntry]:
        return self._checkpoint.state.tenants

    def update(self, tenant: str, *, status: str | None = None, after: str | None = None, copied: int | None = None,
               done: bool | None = None, settled: bool | None = None, handed: bool | None = None) -> None:
        """Record what moved for `tenant` (a field left None stays as it was)."""
        with self._lock:
            entry = self.tenants.setdefault(tenant, new_entry("HOT" if status is None else status))
            if status is not None:
                entry.status = status
            if after is not None:
                entry.after = after
            if copied is not None:
                entry.copied = copied
            if done is not None:
                entry.done = done
            if settled is not None:
                entry.settled = settled
            if handed is not None:
                entry.handed = handed
            due = self._changed_locked(tenant, entry)
        if due:
            self.flush()

    def start(self, tenant: str, status: str) -> None:
        """`tenant` is to be copied from the start (new in the source)."""
        with self._lock:
            entry = self.tenants[tenant] = new_entry(status)
            due = self._changed_locked(tenant, entry)
        if due:
            self.flush()

    def _changed_locked(self, tenant: str, entry: TenantEntry) -> bool:
        """Note `entry` for the next record; True when a record is due."""
        self._changed[tenant] = replace(entry)  # as it is now: the entry moves on while the record waits
        return time.monotonic() - self._flushed >= FLUSH_SECONDS

    def record_waking(self, statuses: Mapping[str, str | None]) -> None:
        """Each tenant's status before the copy wakes it (None: put back), recorded now: durable
        before the wake, and before the application may change the status again once it is put
        back."""
        with self._lock:
            for tenant, status in statuses.items():
                entry = self.tenants.get(tenant)
                if entry is not None and entry.waking != status:
                    entry.waking = status
                    self._changed[tenant] = replace(entry)
        self.flush()

    def forget(self, tenant: str) -> None:
        with self._lock:
            self.tenants.pop(tenant, None)
            self._changed[tenant] = TenantEntry.forgotten()

    def flush(self) -> None:
        with self._lock:
            changed, self._changed = self._changed, {}
            self._flushed = time.monotonic()
            if not changed:
                return
            self.seq += 1
            seq = self.seq
        append_progress(self._ctx.reader, self._checkpoint.source, seq, changed)

    def snapshot(self, phase: Phase) -> None:
        """Fold the log into the checkpoint (a phase boundary): one rewrite of the whole state."""
        self.flush()
        state = self._checkpoint.state
        folded = state.progress_seq or 0
        state.phase, state.progress_seq, state.log_seq = phase, self.seq, self.seq
        save_checkpoint(self._ctx.reader, self._checkpoint)
        drop_progress(self._ctx.reader, self._checkpoint.source, self.seq, after=folded)


@dataclass
class Woken:
    """The source's tenants a stopped run had woken (and fenced) to copy them, as they are now."""

    awake: list[str]
    asleep: list[str]
    gone: list[str]  # deleted since
    frozen: list[str] = field(default_factory=list)  # offloaded since (an operator's): left as they are

    @property
    def every(self) -> list[str]:
        return sorted(self.awake + self.asleep + self.gone + self.frozen)


def lift_woken(ctx: Context, checkpoint: Checkpoint, *, verified_again: bool, target_served: bool) -> Woken:
    """The source's tenants a stopped run had woken and fenced to copy them (its record says which),
    their fence lifted. Those awake now stay awake: the stopped run's wake cannot be told from one
    the application made since (and may have written after), and a status it set is never set
    back. Those asleep: when they are `verified_again` (a resumed copy wakes them under a fence of
    its own), left to that; else woken, their fence lifted, and put back to sleep (a fence set on
    a sleeping shard holds through its next wake). Their copies asleep, unless the alias serves
    the new version already (`target_served`: its statuses are the hand-over's to give)."""
    woken = sorted(t for t, e in checkpoint.state.tenants.items() if e.waking)
    source, target = checkpoint.source, checkpoint.target
    if not woken or source not in ctx.classes:  # deleted to free its name: its tenants with it
        return Woken([], [], woken)
    listed = list_tenants(ctx.reader, source)
    found = Woken(awake=[t for t in woken if t in listed and is_active(listed[t])],
                  asleep=[t for t in woken if t in listed and not is_active(listed[t]) and listed[t] not in OFFLOADED],
                  gone=[t for t in woken if t not in listed],
                  frozen=[t for t in woken if listed.get(t) in OFFLOADED])
    unfence_shards(ctx.reader, source, found.awake)
    if not verified_again and found.asleep:
        set_status(ctx.reader, source, {t: "HOT" for t in found.asleep})
        unfence_shards(ctx.reader, source, found.asleep)
        set_status(ctx.reader, source, {t: "COLD" for t in found.asleep})
    if target in ctx.classes and not target_served:
        copies = list_tenants(ctx.reader, target)
        set_status(ctx.reader, target, {t: "COLD" for t in found.awake + found.asleep if t in copies})
    return found


def woken_notice(source: str, found: Woken) -> str:
    shown = ", ".join(found.awake[:10]) + (", ..." if len(found.awake) > 10 else "")
    awake = (f"{len(found.awake)} awake now, left awake as schemactl cannot tell its wake from the application's: "
             f"{shown}") if found.awake else "none awake now"
    others = [f"{len(found.gone)} deleted since"] if found.gone else []
    others += [f"{len(found.frozen)} frozen since, left as they are ({', '.join(found.frozen[:10])})"] \
        if found.frozen else []
    return (f"{source}: {len(found.awake) + len(found.asleep)} tenant(s) an earlier apply had woken to copy are "
            f"writable again ({awake})" + "".join(f"; {o}" for o in others))


@dataclass
class Relisted:
    """What changed in the source's tenants since they were last listed."""

    created: dict[str, str] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)
    woken: list[str] = field(default_factory=list)  # were asleep, are active now
    slept: list[str] = field(default_factory=list)  # were active, are asleep now

    @property
    def any(self) -> bool:
        return bool(self.created or self.deleted or self.woken or self.slept)

    def describe(self) -> str:
        parts = [f"{len(self.created)} created", f"{len(self.deleted)} deleted", f"{len(self.woken)} woken",
                 f"{len(self.slept)} put to sleep"]
        return ", ".join(p for p in parts if not p.startswith("0 "))


class TenantRecreate:
    """One multi-tenant recreate: `job_for(tenant)` builds a tenant's copy job."""

    def __init__(self, ctx: Context, checkpoint: Checkpoint, logical: str, job_for: Callable[[str], CopyJob],
                 on_copied: Callable[[CopyJob, TenantEntry], None]):
        self.ctx, self.checkpoint, self.logical = ctx, checkpoint, logical
        self.source, self.target = checkpoint.source, checkpoint.target
        self.job_for, self.on_copied = job_for, on_copied
        self.progress = Progress(ctx, checkpoint)
        self.pool = ThreadPoolExecutor(TENANT_WORKERS, thread_name_prefix="schemactl-tenant")
        self.counts: dict[str, int] = {}  # objects per tenant, as the fenced settle found them
        self.fenced: set[str] = set()  # fenced by this run (a resumed one fences again: it is idempotent)
        self.fence_started: float | None = None  # monotonic time of the first fence, once fenced
        self.fenced_groups: list[float] = []  # seconds per group fenced, copied and settled
        self.kept_awake: list[str] = []  # the new version's tenants map_awake left awake, oldest first
        self.reads_wake = False  # whether a read of a sleeping tenant of the source wakes it (see _still_awake)
        self.statuses = Statuses(ctx.reader, self.source)

    @property
    def tenants(self) -> dict[str, TenantEntry]:
        return self.progress.tenants

    def guarded(self, work: Callable[[str], T]) -> Callable[[str], T | None]:
        """`work` for one tenant; None when the application deleted the tenant or put it to
        sleep meanwhile (the next listing finds out which, and follows it)."""
        def run(tenant: str) -> T | None:
            try:
                return work(tenant)
            except SchemactlError as error:
                if not vanished(error):
                    raise
                return None
        return run

    def adopt_awake(self, kept: list[str] | None = None) -> None:
        """A run resumed after a kill: the new version's tenants the stopped run left awake are
        treated as this run's, to be put to sleep or handed over without a wake. Before the alias
        moves, every awake one is such a tenant (`kept` None); after, only those the checkpoint
        recorded as the alias moved, if still awake."""
        awake = {t for t, s in list_tenants(self.ctx.reader, self.target).items() if is_active(s)}
        self.kept_awake = sorted(awake) if kept is None else [t for t in kept if t in awake]

    def take_over_woken(self, *, cut_over: bool) -> None:
        """A run resumed after a kill: the source's tenants the stopped run had woken to copy, their
        fence lifted (lift_woken), no longer recorded as woken. Before the alias moved they are
        verified again, those awake now followed as active ones (what was written to them since
        is copied); after (`cut_over`), the hand-over gives the new version the statuses the
        record holds."""
        found = lift_woken(self.ctx, self.checkpoint, verified_again=not cut_over, target_served=cut_over)
        if not cut_over:
            for tenant in found.awake:
                self.progress.update(tenant, status="HOT", settled=False)
            for tenant in found.asleep:
                self.progress.update(tenant, settled=False)
        if found.every:
            self.progress.record_waking({t: None for t in found.every})
            self.ctx.notice(woken_notice(self.source, found))

    def doubt_sleeping_copies(self) -> None:
        """A resumed run: the sleeping tenants the stopped run copied are verified again (woken
        under a fence), as the application may have woken, written and put one back to sleep
        since, which no listing shows (two status changes between them)."""
        for tenant, entry in list(self.tenants.items()):
            if entry.done and entry.settled and not is_active(entry.status):
                self.progress.update(tenant, settled=False)
        self.progress.flush()

    def restore_source(self) -> None:
        """A run that stops before its cutover (failed, interrupted): the source as it was, its
        fences lifted and its tenant auto-settings back (else the application's requests to a
        sleeping tenant fail until an apply comes back); the sleeping tenants copied so far are
        verified again by the next run, as the application may wake and write them now."""
        state = self.checkpoint.state
        if state.auto_tenants is None and not state.fenced:
            return
        for tenant, entry in list(self.tenants.items()):  # recorded before anything can wake them
            if entry.done and not is_active(entry.status):
                self.progress.update(tenant, settled=False)
        self.progress.flush()
        give_back(self.ctx.reader, self.source, state.fenced or [], state.auto_tenants or {})
        state.fenced = []
        self.fenced.clear()
        self.fence_started = None
        save_checkpoint(self.ctx.reader, self.checkpoint)

    def close(self) -> None:
        """A run that stops before the hand-over puts back to sleep what map_awake left awake."""
        try:
            self._sleep_kept()
        except SchemactlError as error:
            self.ctx.notice(f"{self.target}: tenants of the new version were left awake ({error})")
        finally:
            self.pool.shutdown(wait=True)

    # ---- copy --------------------------------------------------------------------------

    def copy_all(self, *, fence_early: bool = True) -> float:
        """Every listed tenant not yet copied: active ones several at a time, sleeping ones woken
        in small groups, copied and verified with the source fenced, and put back to sleep; with
        `fence_early`, the active ones fenced as they are copied when that fits in the write pause.
        Returns the seconds it took."""
        pending = sorted(t for t, e in self.tenants.items() if not e.done)
        started, before = time.monotonic(), sum(e.copied for e in self.tenants.values())
        with self.ctx.progress(f"copy {self.source} -> {self.target}", len(self.tenants),
                               len(self.tenants) - len(pending), "tenants") as advance:
            try:
                self.resettle_sleeping()
                self._copy(pending, advance, fence_early=fence_early)
            except BaseException as stopped:
                if self.fence_started is not None:
                    why = "the copy was interrupted" if isinstance(stopped, KeyboardInterrupt) else "the copy failed"
                    self.lift_early_fence(why, going_on=False)
                raise
        self.progress.flush()
        copied = sum(e.copied for e in self.tenants.values()) - before
        seconds = max(time.monotonic() - started, 1e-6)
        self.ctx.notice(f"copy {self.source} -> {self.target}: {len(pending):,} tenant(s), {copied:,} object(s) "
                        f"{self._how()} in {seconds:.1f} s ({copied / seconds:,.0f} objects/s)")
        return seconds

    def _copy(self, tenants: list[str], advance: Callable[[int], None] = lambda n: None, *,
              fence_early: bool = False) -> None:
        """Sleeping tenants first (each fenced only while awake), then the active ones a group at
        a time; with `fence_early` (the copy itself), once the first group shows the whole copy
        fits in the write pause, each further group is fenced, copied and settled in one go (the
        source's tenant auto-creation and activation off, as in the fenced pass), and the fence is
        lifted if the copy slows down. Without it (tenants a listing found since), a fence held
        stays: lifting it in the fenced pass would let writes into tenants already settled."""
        active = [t for t in tenants if is_active(self.tenants[t].status)]
        asleep = [t for t in tenants if not is_active(self.tenants[t].status)]
        if asleep:
            self.pause_activation()
        self._groups_awake(asleep, self._copy_and_settle, advance)
        self.reads_wake = bool(active) and auto_tenants(self.ctx.reader, self.source)["autoTenantActivation"]
        groups = list(_chunks(active, TARGET_GROUP))
        first = 0.0  # seconds of the first group's unfenced copy
        for index, group in enumerate(groups):
            left = len(groups) - index
            if fence_early and index == 1 and self.fenced_copy_fits(first * FENCED_GROUP_COST, left):
                self.fence_early()
            if fence_early and self.fenced_groups and not self.fenced_copy_fits(max(self.fenced_groups), left,
                                                                                ceiling=FENCE_EARLY_CEILING):
                self.lift_early_fence(f"the copy slowed down ({self.fenced_groups[-1]:.1f} s for the last group)")
                self.fenced_groups.clear()
            started = time.monotonic()
            if self.fence_started is not None:
                self._fence_copy_settle(group)
            else:
                self.map_awake(self._copy_one, group, listed_again=True)
                first = first or time.monotonic() - started
            advance(len(group))

    def _still_awake(self, group: list[str]) -> list[str]:
        """Those of `group` the source still has awake. While a read of a sleeping tenant wakes it,
        one the application put to sleep since it was listed would be read awake and handed over
        HOT: each group is listed again just before it is read (live.Statuses: at most once a
        second beyond 2,000 tenants), and a tenant found asleep is copied or settled as a
        sleeping one, activation paused from then on (a read of one put to sleep later then
        fails, and the next listing follows it)."""
        if not self.reads_wake:
            return group
        listed = self.statuses.now()
        refuse_offloaded(self.source, listed)  # as every listing of the copy does: never woken from storage
        slept = [t for t in group if t in listed and not is_active(listed[t])]
        if not slept:
            return group
        for tenant in slept:
            self.progress.update(tenant, status=listed[tenant], settled=False)
        self._settle_asleep(slept)
        return [t for t in group if t not in slept]

    def _settle_asleep(self, tenants: list[str]) -> None:
        """Tenants the application put to sleep since they were listed awake (their status
        recorded): from now on no request wakes a sleeping tenant (pause_activation), and each is
        woken under a fence, copied if not yet, and settled (what it was written before)."""
        self.pause_activation()
        self._groups_awake([t for t in tenants if not self.tenants[t].done], self._copy_and_settle)
        self._groups_awake([t for t in tenants if self.tenants[t].done], self._settle_one)

    def fenced_copy_fits(self, group_seconds: float, groups_left: int, *,
                         ceiling: float = FENCE_EARLY_SHARE) -> bool:
        """Would the fence, held from its start until the alias moves, stay within `ceiling` of
        the write pause with `groups_left` groups still to fence, copy and settle (and the
        first group, copied unfenced, to settle once more)?"""
        held = time.monotonic() - self.fence_started if self.fence_started is not None else 0.0
        return held + group_seconds * (groups_left + 1) <= ceiling * self.ctx.max_write_pause

    def auto_settings_while_copying(self) -> dict[str, bool]:
        """The source's tenant auto-settings as they were, but activation off once a sleeping
        tenant has been copied."""
        wanted = dict(self.checkpoint.state.auto_tenants or {})
        if any(e.done and not is_active(e.status) for e in self.tenants.values()):
            wanted["autoTenantActivation"] = False
        return wanted

    def resettle_sleeping(self) -> None:
        """Sleeping tenants copied by a run whose fence was lifted (the application could wake and
        write them since): settled again, with activation paused."""
        again = sorted(t for t, e in self.tenants.items() if e.done and not e.settled and not is_active(e.status))
        if again:
            self.pause_activation()
            self._groups_awake(again, self._settle_one)
            self.progress.flush()

    def fence_early(self) -> None:
        """From now on no write can create or wake a tenant of the source (the settings it had
        recorded first, so a kill leaves nothing unnamed); each active group is fenced as copied."""
        state = self.checkpoint.state
        if state.auto_tenants is None:
            state.auto_tenants = auto_tenants(self.ctx.reader, self.source)
        state.fenced = state.fenced or []
        save_checkpoint(self.ctx.reader, self.checkpoint)
        set_auto_tenants(self.ctx.reader, self.source, {key: False for key in state.auto_tenants})
        self.fence_started = time.monotonic()
        self.reads_wake = False

    def _fence_copy_settle(self, group: list[str]) -> None:
        started = time.monotonic()
        self._fence_recorded(group)
        self.map_awake(self._copy_and_settle, group)
        self.fenced_groups.append(time.monotonic() - started)

    def pause_activation(self) -> None:
        """From the first sleeping tenant copied until the alias moves, no request wakes a
        sleeping tenant of the source (autoTenantActivation off; recorded first, so a kill leaves
        nothing unnamed). A write that woke one after its copy, landed, and let it fall asleep
        again before the next listing would be seen by nothing: it is refused instead."""
        state = self.checkpoint.state
        if state.auto_tenants is None:
            state.auto_tenants = auto_tenants(self.ctx.reader, self.source)
            save_checkpoint(self.ctx.reader, self.checkpoint)
        set_auto_tenants(self.ctx.reader, self.source, {"autoTenantActivation": False})
        self.reads_wake = False

    def lift_early_fence(self, why: str, *, going_on: bool = True) -> None:
        """The source writable again, its tenant auto-creation as it was (and its activation, unless
        sleeping tenants have been copied: see pause_activation): what was settled under the fence
        is followed again by the delta passes and the fenced pass (`going_on`: of this run, else of
        the apply that resumes the copy)."""
        state = self.checkpoint.state
        unfence_shards(self.ctx.reader, self.source, state.fenced or [])
        settings = self.auto_settings_while_copying()
        set_auto_tenants(self.ctx.reader, self.source, settings)
        self.reads_wake = settings.get("autoTenantActivation", False)
        state.fenced = []
        save_checkpoint(self.ctx.reader, self.checkpoint)
        for tenant in self.fenced & set(self.tenants):
            self.progress.update(tenant, settled=False)
        self.fenced.clear()
        self.fence_started = None
        then = "what is left is copied first and fenced in the final pass" if going_on \
            else "an apply of the same change resumes the copy"
        self.ctx.notice(f"{self.logical}: {why}; {self.source} is writable again, and {then}")

    def _copy_one(self, tenant: str, *, keep: int = 0) -> list | None:
        """Copy `tenant`; with `keep`, returns the source objects as read (see copy_objects)."""
        entry = replace(self.tenants[tenant])  # a copy: the progress records what it reaches
        job = self.job_for(tenant)

        def flushed(cursor: str, copied: int) -> None:
            entry.after, entry.copied = cursor, entry.copied + copied
            self.progress.update(tenant, after=entry.after, copied=entry.copied)

        outcome = copy_objects(self.ctx.client, job, after=entry.after, on_flushed=flushed, keep=keep)
        self.ctx.failures.update(outcome.failed)
        self.on_copied(job, entry)
        self.progress.update(tenant, done=True)
        return outcome.read

    def _copy_and_settle(self, tenant: str) -> None:
        """Copy and settle a tenant whose source is fenced: the copy read it as it stays, so the
        settle reads only the new version. Only the read of a tenant that fits in one page is
        kept (as much as a copy holds in flight anyway); for a larger one, reading it again
        costs little beside its data."""
        self._settle_one(tenant, self._copy_one(tenant, keep=PAGE))

    def _while_awake(self, group: list[str], work: Callable[[str], object]) -> None:
        """Fence the source's shards of `group` while they sleep (v1.39 loads the shard and keeps
        it READONLY through the wake: no write, not even one that wakes the tenant through
        autoTenantActivation, can land unseen), wake `group` in both versions, do `work` per
        tenant, put both back to sleep (which lifts the fence: a woken shard comes back writable)."""
        self.progress.record_waking({t: self.tenants[t].status for t in group if t in self.tenants})
        fence_shards(self.ctx.reader, self.source, group)
        listed = list_tenants(self.ctx.reader, self.source)  # as the application left them (it may wake one)
        self._refuse_frozen_since(group, listed)
        statuses = {t: "HOT" if is_active(listed[t]) else "COLD" for t in group if t in listed}
        self.progress.record_waking(statuses)  # written only where the application changed one
        for name in (self.source, self.target):
            set_status(self.ctx.reader, name, {t: "HOT" for t in statuses})
        try:
            for tenant in statuses:
                self.guarded(work)(tenant)
        finally:  # fenced while awake, the group cannot be frozen meanwhile (v1.39.3 refuses: "store is read-only")
            set_status(self.ctx.reader, self.source, statuses)
            set_status(self.ctx.reader, self.target, {t: "COLD" for t in statuses})
            awake = [t for t, s in statuses.items() if s == "HOT"]  # woken by the application: writable again
            unfence_shards(self.ctx.reader, self.source, awake)
            self.fenced.difference_update(group)
            for tenant in awake:
                self.progress.update(tenant, status="HOT", settled=False)
            self.progress.record_waking({t: None for t in group})

    def _refuse_frozen_since(self, group: list[str], listed: dict[str, str]) -> None:
        """A tenant of `group` offloaded since the copy listed it (an operator froze it): never
        woken (that would thaw it) nor read (a copy would find nothing): refused, the group's
        fence lifted first (a sleeping shard keeps a fence through its next wake)."""
        offloaded = {t: listed[t] for t in group if listed.get(t) in OFFLOADED}
        if not offloaded:
            return
        unfence_shards(self.ctx.reader, self.source, [t for t in group if t not in offloaded])
        self.progress.record_waking({t: None for t in group})
        refuse_offloaded(self.source, offloaded)

    def map_awake(self, work: Callable[[str], T], tenants: list[str], *,
                  listed_again: bool = False) -> dict[str, T | None]:
        """`work` per active tenant with its copy in the new version awake: TARGET_GROUP of them
        are woken and worked on several at a time. They stay awake after, up to AWAKE_BUDGET
        tenants (by default one group): as more wake, those awake longest go back to sleep, and
        the rest sleep when tenants of the new version are woken otherwise, or when the run
        closes. Those still awake at the hand-over are not woken again (the first wake after a
        write costs the server a snapshot of the vector index, see docs/multi-tenant.md). The
        new version's tenants sleep otherwise, so beyond the budget the application's active
        tenants are never loaded twice over. `listed_again`: work that reads the source does it
        only on the tenants of each group still awake (_still_awake)."""
        results: dict[str, T | None] = {}
        for group in _chunks(tenants, TARGET_GROUP):
            if listed_again:
                group = self._still_awake(group)
            waking = self._make_room(group)
            if waking:
                set_status(self.ctx.reader, self.target, {t: "HOT" for t in waking})
            results.update(zip(group, self.pool.map(self.guarded(work), group)))
        return results

    def _make_room(self, group: list[str]) -> list[str]:
        """The tenants of `group` not awake yet, recorded as awake; before that, as many of the
        others awake longest put to sleep as keeps the new version within AWAKE_BUDGET."""
        awake, members = set(self.kept_awake), set(group)
        waking = [t for t in group if t not in awake]
        excess = len(awake) + len(waking) - AWAKE_BUDGET
        self._sleep([t for t in self.kept_awake if t not in members][:max(0, excess)])
        self.kept_awake += waking
        return waking

    def _sleep_kept(self) -> None:
        self._sleep(self.kept_awake)

    def _sleep(self, tenants: list[str]) -> None:
        """`tenants` of those map_awake left awake put to sleep."""
        asleep = set(tenants)
        self.kept_awake = [t for t in self.kept_awake if t not in asleep]
        if asleep:
            set_status(self.ctx.reader, self.target, {t: "COLD" for t in asleep})

    def _groups_awake(self, tenants: list[str], work: Callable[[str], object],
                      advance: Callable[[int], None] = lambda n: None) -> None:
        """Sleeping tenants in groups of WAKE_GROUP, TENANT_WORKERS groups at a time: at most
        WAKE_GROUP x TENANT_WORKERS of them are awake at any moment."""
        groups = list(_chunks(tenants, WAKE_GROUP))
        if groups:
            self._sleep_kept()
        with ThreadPoolExecutor(TENANT_WORKERS, thread_name_prefix="schemactl-wake") as waking:
            try:
                for group, future in [(g, waking.submit(self._while_awake, g, work)) for g in groups]:
                    future.result()
                    advance(len(group))
            except BaseException:  # a refusal, a failure: the groups not started are not woken at all
                waking.shutdown(wait=True, cancel_futures=True)
                raise

    # ---- follow ------------------------------------------------------------------------

    def relist(self) -> Relisted:
        """List the source's tenants again and bring the new version's tenants in line: new
        ones created and copied, deleted ones deleted, status changes followed."""
        listed = list_tenants(self.ctx.reader, self.source)
        refuse_offloaded(self.source, listed)
        known = self.tenants
        found = Relisted(created={t: s for t, s in listed.items() if t not in known},
                         deleted=sorted(t for t in known if t not in listed))
        for tenant, status in listed.items():
            if tenant in known and is_active(status) != is_active(known[tenant].status):
                (found.woken if is_active(status) else found.slept).append(tenant)
                self.progress.update(tenant, status=status, settled=False)
                self.fenced.discard(tenant)  # a shard put to sleep comes back writable when woken
        if found.deleted:
            delete_tenants(self.ctx.reader, self.target, found.deleted)
            for tenant in found.deleted:
                self.progress.forget(tenant)
        if found.created:
            create_tenants(self.ctx.reader, self.target, found.created)
            for tenant, status in found.created.items():
                self.progress.start(tenant, status)
            self._copy(sorted(found.created))
        if found.slept:  # what the application wrote before putting them to sleep
            self._settle_asleep(sorted(found.slept))
        self.progress.flush()
        return found

    def _settle_one(self, tenant: str, source_read: list | None = None) -> int:
        """Settle `tenant` (`source_read`: its source as read under the fence); returns the
        objects its copy holds."""
        self.counts[tenant] = settle(self.ctx.client, self.job_for(tenant), self.ctx.failures,
                                     source_read=source_read).target_count
        self.progress.update(tenant, settled=True)
        return self.counts[tenant]

    def follow(self) -> Following:
        """Delta passes over the active tenants while the application writes (not fenced),
        until what differs fits in the fenced pass; NotVerified when writes outpace the copy."""
        state, window, previous = Following(), time.monotonic(), None
        while True:
            relisted = self.relist()
            started = time.monotonic()
            found = self.map_awake(self._compare, self._active(), listed_again=True)
            diffs = {t: d for t, d in found.items() if d is not None}
            state.compare_seconds = time.monotonic() - started
            state.left, state.passes = sum(d.count for d in diffs.values()), state.passes + 1
            state.differing.append(state.left)
            if previous is not None:
                state.write_rate = state.left / max(started - window, 1e-3)
            window = started
            step = next_step(state, previous, self.ctx.max_write_pause)
            if relisted.any:
                self.ctx.notice(f"{self.logical}: tenants changed during the copy ({relisted.describe()}); followed")
            if step == "fence":
                return state
            if step == "refuse":
                raise NotVerified(self._refusal(state))
            started = time.monotonic()
            differing = {t: d for t, d in diffs.items() if not d.clean}
            outcomes = self.map_awake(functools.partial(self._repair_from, differing), sorted(differing))
            state.repaired += sum(n or 0 for n in outcomes.values())
            state.repair_seconds += time.monotonic() - started
            previous = state.left

    def _refusal(self, state: Following) -> str:
        pause = self.ctx.max_write_pause
        if state.compare_seconds > pause:  # comparing alone outlasts the pause, however few writes
            return (f"comparing the {len(self._active()):,} active tenants of {self.source} with {self.target} takes "
                    f"{state.compare_seconds:.1f} s (each tenant's copy is woken to be read, {TARGET_GROUP} at a "
                    f"time), so the fenced pass would pause writes at least that long; --max-write-pause is "
                    f"{pause:g} s ({state.left} object(s) differ now, about {state.write_rate:,.0f} write(s)/s). Not "
                    "cutting over; the source is untouched: allow a longer pause to migrate it")
        return (f"{self.source} {outpaced(state)}: {state.left} object(s) still differ after {state.passes} delta "
                f"passes (about {state.write_rate:,.0f} write(s)/s, {state.copy_rate:,.0f} object(s)/s copied), and "
                f"the final pass would pause writes for about {state.pause_estimate():.1f} s (comparing the "
                f"{len(self._active()):,} active tenants alone takes {state.compare_seconds:.1f} s; --max-write-pause "
                f"is {pause:g} s). Not cutting over; the source is untouched: apply again when writes are "
                f"slower{when_embedding(self.job_for(''))}, or allow a longer pause")

    def _active(self) -> list[str]:
        return sorted(t for t, e in self.tenants.items() if is_active(e.status))

    def _compare(self, tenant: str) -> Differences:
        return compare(self.ctx.client, self.job_for(tenant))

    def _repair_from(self, diffs: dict[str, Differences], tenant: str) -> int:
        return self._repair((tenant, diffs[tenant]))

    def _repair(self, item: tuple[str, Differences]) -> int:
        tenant, diff = item

        def write(_: str) -> int:
            outcome = repair(self.ctx.client, self.job_for(tenant), diff)
            self.ctx.failures.update(outcome.failed)
            return outcome.copied + len(diff.extra)
        return self.guarded(write)(tenant) or 0

    # ---- fenced ------------------------------------------------------------------------

    def settle_fenced(self) -> int:
        """With the source fenced and its tenant auto-creation off: settle every active tenant,
        list the tenants again, repeat until no tenant appeared, vanished or changed state (at
        most RELISTS rounds: what changes after the last one is followed after the switch).
        Returns the objects in the new version's active tenants."""
        settled = {t for t in self.fenced if self.tenants[t].settled}  # fenced, copied and settled early
        for attempt in range(1, RELISTS + 1):
            settled -= self.fence_active()
            todo = [t for t in self._active() if t not in settled]
            for tenant, count in self.map_awake(self._settle_one, todo).items():
                if count is not None:
                    settled.add(tenant)
            if attempt == RELISTS:  # still changing: what changes from now on is followed after the switch
                break
            relisted = self.relist()
            # as recorded: one woken since, or writable again (its fence lifted), is settled again
            settled = {t for t in settled if t in self.tenants and self.tenants[t].settled}
            if not relisted.any and settled >= set(self._active()):
                break
            if relisted.any:
                self.ctx.notice(f"{self.logical}: tenants changed while fenced ({relisted.describe()}); "
                                "settled them")
        unsettled = sorted(set(self._active()) - settled)
        if unsettled:
            raise NotVerified(f"{self.source}: {len(unsettled)} tenant(s) could not be settled while fenced "
                              f"({', '.join(unsettled[:5])}); not cutting over, the source is writable again")
        return sum(self.counts.get(t, 0) for t in self._active())

    def settle_reopened(self, found: Fences) -> None:
        """Last, before the alias moves: a tenant fenced, then writable again on every node since
        the last round (put to sleep and woken by the application, or each of its replicas
        restarted), or asleep at the last listing and woken by the application since, is fenced
        and settled once more, so what was written, changed or deleted there since its last read
        is in the new version (one writable on some node only is refused before this:
        recreate._fence_held; `found`: fence.fences of the source, read just before)."""
        asleep = {t for t, e in self.tenants.items() if not is_active(e.status)}
        reopened = sorted(open_shards(found) & (self.fenced | asleep))  # a sleeping one loaded now: woken since
        if not reopened:
            return
        for tenant in set(reopened) & asleep:
            self.progress.update(tenant, status="HOT", settled=False)
        self._fence_recorded(reopened)
        self.map_awake(self._settle_one, reopened)
        self.ctx.notice(f"{self.logical}: {len(reopened)} tenant(s) writable again as the alias was about to move "
                        f"({', '.join(reopened[:5])}{', ...' if len(reopened) > 5 else ''}); fenced and settled again")

    def fence_active(self) -> set[str]:
        """Every active tenant's shard READONLY (asking a sleeping tenant's shard status fails,
        so they are set without asking); recorded before, so a kill leaves nothing unnamed.
        Returns the tenants that had been fenced and were found writable again (put to sleep
        and woken between two listings): what they were written meanwhile is settled again."""
        writable = writable_shards(self.ctx.reader, self.source)  # fenced once, then slept and woken: open
        todo = [t for t in self._active() if t not in self.fenced or t in writable]
        reopened = self.fenced & writable
        if todo:
            self._fence_recorded(todo)
        return reopened

    def _fence_recorded(self, tenants: list[str]) -> None:
        """Fence `tenants`, recorded in the checkpoint first: a kill leaves nothing unnamed."""
        state = self.checkpoint.state
        state.fenced = sorted(set(state.fenced or []) | set(tenants))
        save_checkpoint(self.ctx.reader, self.checkpoint)
        fence_shards(self.ctx.reader, self.source, tenants, self.pool)
        self.fenced.update(tenants)

    # ---- after the alias moved -----------------------------------------------------------

    def carry_over_late(self, *, handing_over: bool = False) -> list[str]:
        """List the old version once more, for what the application did there between the last
        listing and the alias moving (tenant changes are schema operations no fence blocks):
        - a tenant created there is fenced and its objects carried over; objects the new version
          already holds are kept (they were written after the switch);
        - a tenant deleted there is deleted in the new version too;
        - a tenant put to sleep or woken there takes that status in the new version, and one that
          is writable again (woken, or put to sleep and woken: a woken shard comes back writable)
          is fenced and its missing objects carried over;
        - a tenant a stopped run recorded as late and had not carried over yet is carried over.
        `handing_over` (finishing a run stopped once its hand-over started): only the last two,
        as the statuses there are partly schemactl's own (the hand-over puts them to sleep).
        Returns the late tenants."""
        listed = list_tenants(self.ctx.reader, self.source)
        known = self.tenants
        late = {t: s for t, s in listed.items() if t not in known and s not in OFFLOADED}
        reopened = [] if handing_over else self._follow_the_application(listed, late)
        unfinished = {t for t, e in known.items()  # late for a stopped run: started, not carried over yet
                      if not e.done and not e.settled and t in listed and listed[t] not in OFFLOADED}
        for tenant, status in late.items():
            self.progress.start(tenant, status)
        if late or unfinished:
            create_tenants(self.ctx.reader, self.target, {t: listed[t] for t in set(late) | unfinished})
        carried = set(late) | set(reopened) | unfinished
        active = sorted(t for t in carried if is_active(listed.get(t, "")))
        fence_shards(self.ctx.reader, self.source, active, self.pool)
        self.map_awake(self._carry_missing, active)
        self._groups_awake(sorted(t for t in carried if t in listed and not is_active(listed[t])), self._carry_missing)
        return sorted(late)

    def _follow_the_application(self, listed: dict[str, str], late: dict[str, str]) -> list[str]:
        """Follow the tenants the application deleted or gave another status in the old version;
        returns those whose shard is writable again."""
        known = self.tenants
        gone = [t for t in known if t not in listed]
        if gone:
            delete_tenants(self.ctx.reader, self.target, gone)
            for tenant in gone:
                self.progress.forget(tenant)
        moved = {t: s for t, s in listed.items() if t in known and is_active(s) != is_active(known[t].status)}
        self._follow_status(moved)
        return sorted((writable_shards(self.ctx.reader, self.source) & set(known)) - set(late))

    def _follow_status(self, moved: dict[str, str]) -> None:
        """Record the statuses `moved` to: the hand-over gives them to the new version."""
        for tenant, status in moved.items():
            self.progress.update(tenant, status=status)

    def _carry_missing(self, tenant: str) -> None:
        """Copy the objects of `tenant` the new version lacks, then make sure none is left."""
        job = self.job_for(tenant)
        for attempt in range(3):
            diff = compare(self.ctx.client, job)
            if not diff.missing or attempt == 2:
                break
            only_missing = Differences(missing=diff.missing)
            for uuid in diff.missing:
                if uuid in diff.held:
                    only_missing.hold(uuid, diff.held[uuid], diff.digests[uuid])
            self.ctx.failures.update(repair(self.ctx.client, job, only_missing).failed)
        if not diff.missing:
            self.progress.update(tenant, done=True)
            return
        raise SchemactlError(f"tenant {tenant}, created in {self.source} as the alias moved to {self.target}: "
                             f"{len(diff.missing)} of its object(s) could not be carried over "
                             f"({', '.join(diff.missing[:3])}); both versions keep them: copy them, or roll back")

    def hand_over(self) -> None:
        """The alias has moved: the old version's active tenants go to sleep (kept for rollback),
        then the new version's wake as the old version's were, 100 per request (those map_awake
        left awake are already; those of them asleep in the old version by now go to sleep). In
        that order the active tenants are never loaded in both versions at once, beyond those;
        until it is woken, a tenant of the new version wakes on its first request
        (autoTenantActivation is on in the new version until this is done). Status changes queue
        one behind another on the server, so sending them several at a time gains nothing
        (measured on v1.39.3, 1,000 active tenants of 20 objects: 3.6 s to put the old version's
        to sleep, then 6.7 s to wake the new version's; interleaved 100 of each at a time,
        11.2-11.6 s). Each request's tenants are recorded as handed over: a run finishing this one
        after a kill never sets them again (the application may have changed them since)."""
        if self.source in self.ctx.classes:  # not deleted to free its name for the alias
            # only those it knows: one created since the last listing keeps the application's status
            # for the run that finishes this one (if killed) to carry over as it is
            put_to_sleep(self.ctx.reader, self.source, only=self.tenants)
        kept, self.kept_awake = set(self.kept_awake), []
        left = {t: e for t, e in self.tenants.items() if not e.handed}
        wanted = {t: "HOT" for t, e in left.items() if is_active(e.status) and t not in kept}
        wanted.update({t: "COLD" for t in kept if t in left and not is_active(left[t].status)})
        for chunk in _chunks(sorted(wanted), UPDATE_PER_REQUEST):
            set_status(self.ctx.reader, self.target, {t: wanted[t] for t in chunk})
            for tenant in chunk:
                self.progress.update(tenant, handed=True)
            self.progress.flush()

    def _how(self) -> str:
        job = self.job_for("")
        return "re-embedded" if job.reembed else "with stored vectors"


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
