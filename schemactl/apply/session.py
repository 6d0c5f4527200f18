"""One apply, start to end: the guards, the cluster's lock around the work (taken before the first
change, released however it ends; a killed process leaves it: `schemactl force-unlock`), the
ledger record of the run and of each step, and the resume of an interrupted run of the same plan."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from ..changes import FinishHandOver, RecreateCollection
from ..connection import Target
from ..errors import SchemactlError
from ..live import RestClient, read_live
from ..owned import LEDGER
from ..plan import Plan, summary
from ..state import (Holder, Record, acquire_lock, history, last_record_for, mark_interrupted, me, now, release_lock,
                     renamed_in, served_in, start_record, update_record, with_version)
from . import guards
from .context import Context, no_progress
from .executor import Report, execute_plan
from .guards import Limits, Situation


FORCE_UNLOCK = "run `schemactl force-unlock` once the cluster answers"


class LockNotReleased(SchemactlError):
    """The work under the lock ended, but the lock could not be released after it."""

    def __init__(self, command: str, cause: SchemactlError):
        super().__init__(f"{command} finished, but the apply lock could not be released ({cause}): "
                         f"{FORCE_UNLOCK}")
        self.cause = cause


@contextmanager
def locked(reader: RestClient, command: str) -> Iterator[Holder]:
    """Hold the apply lock as `command`; LockHeld names whoever holds it already. Released however
    the work ends: when the work failed, its error is the one raised, a failed release only noted
    on it; when it did not, a failed release is LockNotReleased."""
    holder = me(command)
    acquire_lock(reader, holder)
    try:
        yield holder
    except BaseException as failure:
        _release_after(reader, failure)
        raise
    try:
        release_lock(reader)
    except SchemactlError as error:
        raise LockNotReleased(command, error) from None


def _release_after(reader: RestClient, failure: BaseException) -> None:
    """Release the lock after `failure`; if that fails too, `failure` (when one of ours) says so."""
    try:
        release_lock(reader)
    except SchemactlError as error:
        if isinstance(failure, SchemactlError):
            _add_note(failure, unreleased_note(error))


def unreleased_note(cause: SchemactlError) -> str:
    """What a failure says when the lock stayed held after it as well."""
    return f"the apply lock could not be released either ({cause}): {FORCE_UNLOCK}"


def _add_note(error: SchemactlError, note: str) -> None:
    """`note` added to `error`'s message; its type, and what it carries, kept."""
    error.args = (f"{error}; {note}", *error.args[1:])


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
    """Guards, lock, ledger, execute: see api.apply. A failed step's error stays the report's,
    whatever fails after it (the ledger, the lock's release: noted on it)."""
    with RestClient(target) as reader:
        situation = Situation(plan, options.limits, target, reader)
        guards.refuse("target", situation)
        guards.refuse("plan", situation)
        guards.refuse("cluster", guards.read_for_guards(situation))
        report = Report()  # replaced under the lock; as it is (ok), a lock left held is the error
        try:
            with locked(reader, options.command) as holder:
                report = _under_lock(plan, checksum, target, options, reader, situation, holder)
        except LockNotReleased as error:
            if report.ok:
                raise
            report.error = f"{report.error}; {unreleased_note(error.cause)}"
        return report


def _under_lock(plan: Plan, checksum: str, target: Target, options: ApplyOptions, reader: RestClient,
                situation: Situation, holder: Holder) -> Report:
    """The apply proper, the lock held: the last guards, the ledger record, the steps."""
    mark_interrupted(reader)
    live = situation.live = read_live(reader)  # again, under the lock: it may be read (checked)
    record = last_record_for(reader, checksum)
    if record and record.result == "applied":
        return Report(already_applied_at=record.finishedAt or record.startedAt)
    situation.resumed = record is not None
    situation.done = frozenset(record.stepsDone) if record else frozenset()
    guards.refuse("locked", situation)
    record = _started(reader, plan, checksum, record, holder)
    records = situation.known.records if situation.known is not None else history(reader)
    # every rename recorded, done or not (renamed_in): a link target is looked up there only when the
    # file does not name it, and one a finish-hand-over has still to free goes by its old name here
    ctx = Context(reader, target, dict(live.physical), dict(live.collections), dict(live.aliases),
                  set(live.raw), max_write_pause=options.max_write_pause, consistency=options.consistency,
                  progress=options.progress or no_progress, notice=options.notice, served=frozenset(served_in(records)),
                  other_aliases=frozenset(live.extra_aliases), renamed=renamed_in(records) | _renames_of(plan))
    try:
        if any(s.change.touches_objects for s in plan.steps):
            _grpc_reaches_this_cluster(ctx, record)
        report = execute_plan(plan, ctx, options.on_step, done=frozenset(record.stepsDone),
                              on_done=_recording_steps(reader, record, ctx))
    except KeyboardInterrupt:
        _interrupted(reader, record)
        raise
    except Exception as error:  # a failure no step foresaw: the record says it failed, not that it runs
        _stopped(reader, record, "failed", f"{type(error).__name__}: {error}")
        raise
    finally:
        ctx.close()
    _finished(reader, record, report)
    return report


def _renames_of(plan: Plan) -> dict[str, str]:
    """Old name -> new name of the collections the plan renames."""
    return {s.change.definition.renamedFrom: s.change.collection for s in plan.steps
            if isinstance(s.change, RecreateCollection) and s.change.definition.renamedFrom}


LEDGER_READS = 4  # over 3 s


def _grpc_reaches_this_cluster(ctx: Context, record: Record) -> None:
    """Data moves over gRPC, the rest over REST: both must reach the same cluster. A gRPC address
    left from another cluster (a stale WEAVIATE_GRPC_URL, an environment's grpcUrl pasted from
    another) would copy another cluster's objects into it, verify them there, and move the alias
    here to an empty version. Told by the ledger record this apply has just written over REST,
    read back over gRPC."""
    from weaviate.classes.config import ConsistencyLevel
    from weaviate.exceptions import WeaviateBaseError

    why = ""
    for attempt in range(LEDGER_READS):  # a node may learn of a ledger made this moment a little later
        try:
            ledger = ctx.client().collections.use(LEDGER).with_consistency_level(ConsistencyLevel.QUORUM)
            if ledger.query.fetch_object_by_id(record.id) is not None:
                return
            why = "the ledger record this apply has just written over REST is not there"
        except WeaviateBaseError as error:
            why = f"reading the ledger there failed ({str(error).splitlines()[0][:200]})"
            if any(word in why.lower() for word in REFUSED_CREDENTIAL) and _not_for_weaviate(ctx.target):
                _credential_refused_over_grpc(ctx, why)
        if attempt + 1 < LEDGER_READS:
            time.sleep(0.5 * (attempt + 1))
    grpc = ctx.target.grpc
    raise SchemactlError(f"gRPC at {grpc.display} (from {grpc.source}) does not reach the Weaviate that REST reaches at "
                         f"{ctx.target.rest_url}: {why}; give gRPC's address of this cluster (--grpc-url, "
                         "WEAVIATE_GRPC_URL, or an environment's grpcUrl or grpcPort); no step was started (the "
                         "ledger records the refusal)")


REFUSED_CREDENTIAL = ("unauthenticated", "unauthorized", "invalid api key", "permission denied", "forbidden")


def _not_for_weaviate(target) -> bool:
    """A credential Weaviate itself never takes (a user and password in the URL, a header of
    one's own): REST took it, so something in front of REST checked it, not the cluster. Any
    other refusal over gRPC may be another cluster's, so the address stays the suspect."""
    return target.url_login is not None or target.authorization_header


def _credential_refused_over_grpc(ctx: Context, why: str) -> None:
    """gRPC reached a Weaviate that refused what REST had accepted (a proxy in front of REST that
    checks a password of its own): a credential to give, not an address."""
    grpc = ctx.target.grpc
    raise SchemactlError(f"gRPC at {grpc.display} (from {grpc.source}) refused the credentials REST was accepted "
                         f"with ({ctx.target.auth_mechanism}): {why}; gRPC needs a credential Weaviate itself takes "
                         "(an API key or an OIDC token: --api-key, --bearer-token); no step was started (the ledger "
                         "records the refusal)")


def _interrupted(reader: RestClient, record: Record) -> None:
    """Ctrl-C: the record says so (the next apply of the plan resumes it)."""
    _stopped(reader, record, "interrupted", "interrupted (Ctrl-C) before finishing")


def _stopped(reader: RestClient, record: Record, result: str, why: str) -> None:
    """A run stopped by something other than a step's own failure: the record says how, unless the
    ledger cannot be written either (the next apply marks it interrupted then)."""
    record.result, record.finishedAt = result, now()
    record.error = "; ".join(e for e in (record.error, why) if e)
    try:
        update_record(reader, record)
    except SchemactlError:
        pass


def _finished(reader: RestClient, record: Record, report: Report) -> None:
    """The run's result into the ledger. If the ledger cannot take it, a failed run keeps its own
    error, noting the ledger's; a run that did everything fails with the ledger's."""
    earlier = record.error  # what the runs this one took over from said (kept, not overwritten)
    record.result = "applied" if report.ok else "failed"
    record.error = "; ".join(e for e in (earlier, report.error) if e)
    record.finishedAt = now()
    try:
        update_record(reader, record)
    except SchemactlError as error:
        if report.ok:
            raise SchemactlError(f"the plan was applied, but the ledger could not record it ({error})") from None
        report.error = f"{report.error}; the ledger could not record the failure either ({error})"


def _started(reader: RestClient, plan: Plan, checksum: str, record: Record | None, holder: Holder) -> Record:
    """The ledger record of this run: a new one, or the interrupted run's, taken over."""
    if record is None:
        steps = [{"step": s.number, "kind": s.change.kind, "collection": s.change.collection}
                 | ({"from": s.change.physical, "renamedFrom": s.change.definition.renamedFrom or ""}
                    if isinstance(s.change, RecreateCollection) else {})
                 | ({"from": s.change.physical} if isinstance(s.change, FinishHandOver) else {})
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
