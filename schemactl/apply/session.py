"""One apply, start to end: the guards, the cluster's lock around the work (taken before the first
change, released however it ends; a killed process leaves it: `schemactl force-unlock`), the
ledger record of the run and of each step, and the resume of an interrupted run of the same plan."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from ..changes import RecreateCollection
from ..connection import Target
from ..live import RestClient, read_live
from ..plan import Plan, summary
from ..state import (Holder, Record, acquire_lock, last_record_for, mark_interrupted, me, now, release_lock, start_record,
                     update_record, with_version)
from . import guards
from .context import Context, no_progress
from .executor import Report, execute_plan
from .guards import Limits, Situation


@contextmanager
def locked(reader: RestClient, command: str) -> Iterator[Holder]:
    """Hold the apply lock as `command`; LockHeld names whoever holds it already."""
    holder = me(command)
    acquire_lock(reader, holder)
    try:
        yield holder
    finally:
        release_lock(reader)


@dataclass
class ApplyOptions:
    limits: Limits = field(default_factory=Limits)  # what the caller allows: destructive steps, re-embedding, policy
    max_write_pause: float = 10.0  # seconds a cutover may fence the old version (writes to it fail)
    consistency: str = "ALL"  # the level data moves are written at
    command: str = "schemactl apply"
    on_step: Callable = lambda step, status: None
    progress: Callable | None = None  # (label, total, done) -> context manager yielding advance(n)
    notice: Callable[[str], None] = lambda message: None


def run(plan: Plan, checksum: str, target: Target, options: ApplyOptions) -> Report:
    """Guards, lock, ledger, execute: see api.apply."""
    with RestClient(target) as reader:
        situation = Situation(plan, options.limits, target, reader)
        guards.refuse("plan", situation)
        guards.refuse("cluster", guards.read_for_guards(situation))
        with locked(reader, options.command) as holder:
            mark_interrupted(reader)
            live = situation.live = read_live(reader)  # again, under the lock: it may be read (checked)
            record = last_record_for(reader, checksum)
            if record and record.result == "applied":
                return Report(already_applied_at=record.finishedAt or record.startedAt)
            situation.resumed = record is not None
            guards.refuse("locked", situation)
            record = _started(reader, plan, checksum, record, holder)
            ctx = Context(reader, target, dict(live.physical), dict(live.collections), dict(live.aliases),
                          set(live.raw), max_write_pause=options.max_write_pause, consistency=options.consistency,
                          progress=options.progress or no_progress, notice=options.notice)
            try:
                report = execute_plan(plan, ctx, options.on_step, done=frozenset(record.stepsDone),
                                      on_done=_recording_steps(reader, record, ctx))
            finally:
                ctx.close()
            earlier = record.error  # what the runs this one took over from said (kept, not overwritten)
            record.result = "applied" if report.ok else "failed"
            record.error = "; ".join(e for e in (earlier, report.error) if e)
            record.finishedAt = now()
            update_record(reader, record)
            return report


def _started(reader: RestClient, plan: Plan, checksum: str, record: Record | None, holder: Holder) -> Record:
    """The ledger record of this run: a new one, or the interrupted run's, taken over."""
    if record is None:
        steps = [{"step": s.number, "kind": s.change.kind, "collection": s.change.collection}
                 | ({"from": s.change.physical, "renamedFrom": s.change.definition.renamedFrom or ""}
                    if isinstance(s.change, RecreateCollection) else {})
                 | ({"moves": s.change.moved()} if isinstance(s.change, RecreateCollection) and s.change.moved() else {})
                 for s in plan.steps]
        return start_record(reader, checksum, summary(plan), steps, holder)
    if record.result in ("failed", "interrupted"):  # the ledger keeps that it did, once this run ends
        when = f" at {record.finishedAt}" if record.finishedAt else ""
        record.error = f"an earlier run {record.result}{when}: {record.error or 'no error given'}"
    record.result, record.holder, record.finishedAt = "running", holder.describe(), None
    update_record(reader, record)
    return record


def _recording_steps(reader: RestClient, record: Record, ctx: Context) -> Callable:
    """Each finished step into the ledger, with the physical version it left its collection at."""
    def step_done(step) -> None:
        record.stepsDone = sorted(set(record.stepsDone) | {step.number})
        record.steps = with_version(record.steps, step.number, ctx.physical.get(step.change.collection))
        update_record(reader, record)
    return step_done
