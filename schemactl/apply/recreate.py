"""A recreate, end to end: new physical version, copy, verify, cut over, keep the old one.

Naming: the physical collections of logical `Article` are `Article_v1`, `Article_v2`, ...; the
alias `Article` points at the current one. Every phase is recorded in a checkpoint in the cluster,
so a killed apply, run again, resumes where the last flushed page left off.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Container, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ..changes import DiscardCopy, FinishHandOver, RecreateCollection
from .stored_links import StoredLinks
from .context import Context, physical_references, removed_on_failure
from .data_copy import (CopyJob, DataRefused, copy_objects, follow_writes, link_multi_target_references,
                        link_self_references, refuse_data, settle, take_in)
from ..errors import RequestRefused, SchemactlError
from .fence import Fences, fence, fences, give_back, reopened
from ..replicas import ReplicaCheck
from ..live import RestClient, count_objects, describe_down, is_active, node_statuses, nodes_down
from ..naming import declared_name, is_version_of, next_version
from ..plan import change_document, change_from_document
from ..rest_json import from_rest, to_rest
from ..reshape import Reshape
from ..spec import PRIMITIVE_TYPES, Collection
from ..resume import STATE_VERSION, Phase, ResumeState, TenantEntry, new_entry
from .. import settings
from ..state import (Checkpoint, definition_hash, drop_checkpoint, drop_log, drop_progress, load_checkpoint,
                     replay_progress, save_checkpoint)
from .tenant_recreate import TenantRecreate, lift_woken, refuse_offloaded, woken_notice
from ..waiting import Poll, poll_until
from ..tenant_ops import auto_tenants, create_tenants, list_tenants, set_auto_tenants



# a multi-tenant copy that took less than this share of --max-write-pause goes straight to the
# fenced pass: delta passes first would read everything twice more to shorten a pause that short
QUICK_COPY = 0.5
REPLICA_WAIT = settings.REPLICA_WAIT  # seconds to wait for a node at cutover (tests set it per test)


def run_recreate(change: RecreateCollection, ctx: Context) -> None:
    ctx.failures = {}  # this recreate's own: an earlier step's refused objects are not this copy's
    serving = ctx.aliases.get(change.collection)
    if serving is not None and serving != change.physical:  # a resumed plan whose step had moved the alias
        _finish_cut_over(change, ctx, serving)
        return
    checkpoint = _resume_or_start(change, ctx)
    try:
        if change.definition.multi_tenant:
            _recreate_tenants(change, ctx, checkpoint)
        else:
            _recreate_whole(change, ctx, checkpoint)
    except DataRefused as error:
        if ctx.aliases.get(change.collection) == checkpoint.target:
            raise  # the alias moved: the new version is the live one
        _abandon(ctx, checkpoint, "the data does not fit it")
        drop_checkpoint(ctx.reader, change.physical)
        raise DataRefused(f"{error}; {checkpoint.target} was deleted (it never served the alias) and "
                          f"{change.physical} is as it was") from None


def _finish_cut_over(change: RecreateCollection, ctx: Context, serving: str) -> None:
    """The alias points at `serving`, not at this plan's source: an interrupted run of this plan
    moved it (its checkpoint says so), and what is left is its hand-over (multi-tenant), or
    nothing; the copy is never made again from the old version. Refused otherwise."""
    checkpoint = load_checkpoint(ctx.reader, change.physical)
    if checkpoint is None or checkpoint.target != serving:
        raise SchemactlError(f"{change.collection}: its alias points at {serving}, not at {change.physical} as this "
                             "plan expects (another apply moved it): plan again; nothing was changed")
    _old_name_left(ctx, change.collection, change.definition.renamedFrom, checkpoint)
    if checkpoint.hand_over_left(serving):
        _finish_from(checkpoint, change.collection, ctx)
        return
    drop_checkpoint(ctx.reader, change.physical)
    ctx.notice(f"{change.collection}: an earlier run of this plan already moved the alias to {serving}")


def _abandon(ctx: Context, checkpoint: Checkpoint, why: str) -> bool:
    """A copy that will not be finished (the data refuses it, or the files changed): the source as
    it was (writable, its tenant settings back), its tenants' progress dropped, and the new version
    deleted unless an alias serves it. True when it was deleted."""
    state, source, target = checkpoint.state, checkpoint.source, checkpoint.target
    if state.auto_tenants is not None or state.change is not None:  # multi-tenant: tenants a stopped run woke
        replay_progress(ctx.reader, checkpoint)
        found = lift_woken(ctx, checkpoint, verified_again=False, target_served=False)
        if found.every:
            ctx.notice(woken_notice(source, found))
    give_back(ctx.reader, source, state.fenced, state.auto_tenants)
    drop_log(ctx.reader, source)
    if target in ctx.aliases.values() or target not in ctx.classes:
        return False
    ctx.reader.send("DELETE", f"/v1/schema/{target}", None, f"delete {target}: {why}")
    ctx.classes.discard(target)
    return True


def _recreate_whole(change: RecreateCollection, ctx: Context, checkpoint: Checkpoint) -> None:
    """A recreate of a collection without tenants (one copy job)."""
    state = checkpoint.state
    source = ctx.live[_live_name(change, ctx)]
    source_properties = {p.name for p in source.properties}
    multi = _multi_target_pairs(change, ctx, checkpoint.target, source)
    links = _links(change, ctx, checkpoint.target)
    jobs = {t: _job(change, source_properties, checkpoint.target, t or None, multi, ctx.consistency, links)
            for t in state.tenants}
    if state.phase == Phase.COPY:
        _replicas_agree_before_the_copy(change, ctx)
        _copy_every_tenant(change, ctx, checkpoint, jobs)
        refuse_data(change.physical, ctx.failures)
        state.phase = Phase.VERIFY
        save_checkpoint(ctx.reader, checkpoint)
    if state.phase == Phase.VERIFY:
        _follow_every_tenant(change, ctx, checkpoint, jobs)
    _fenced_cutover(change, ctx, checkpoint, jobs)
    drop_checkpoint(ctx.reader, change.physical)


def _fenced_cutover(change: RecreateCollection, ctx: Context, checkpoint: Checkpoint,
                    jobs: dict[str, CopyJob]) -> None:
    """Fence the source (writes to it fail from now on), copy the last differences, move the alias.
    Any failure before the alias moved lifts the fence again: the application writes on."""
    state = checkpoint.state
    if state.fenced and _replicated(change, ctx):  # resumed: no fence is held while apply waits for the replicas
        _lift_fence(ctx, checkpoint)
    _wait_for_every_node(change, ctx, checkpoint.target)
    if state.phase != Phase.FENCED:
        state.phase = Phase.FENCED
        state.fenced = state.fenced or []  # a resumed cutover keeps the shards it had fenced
        save_checkpoint(ctx.reader, checkpoint)
    started = time.monotonic()
    try:
        state.fenced = sorted(set(state.fenced or []) | set(fence(ctx.reader, change.physical)))
        save_checkpoint(ctx.reader, checkpoint)
        verified = {tenant: settle(ctx.client, jobs[tenant], ctx.failures) for tenant in sorted(state.tenants)}
        _fence_held(ctx, change.physical)
        _refuse_properties_gained(change, ctx)
        state.phase = Phase.CUTOVER
        save_checkpoint(ctx.reader, checkpoint)
        _cut_over(change, ctx, checkpoint)
    except BaseException:
        if _still_serving_the_source(change, ctx, checkpoint.target):
            _lift_fence(ctx, checkpoint)  # the alias never moved: the source is still the live version
        raise
    for tenant, diff in verified.items():
        skipped = f" ({diff.skipped} left out by onConvertError: skipObject)" if diff.skipped else ""
        skipped += (f" ({len(diff.unembedded)} without a re-embedded vector: the vectorizer had no text to embed, "
                    "as Weaviate does for such writes)") if diff.unembedded else ""
        ctx.notice(f"{change.collection}{f' [{tenant}]' if tenant else ''}: verified {diff.target_count} object(s) "
                   f"in {checkpoint.target}, {_same_as(change)}{skipped}")
    ctx.notice(f"{change.collection}: writes to {change.physical} were paused for "
               f"{_paused(time.monotonic() - started, ctx)} while the last differences were copied and the alias "
               f"moved to {checkpoint.target}; " + _what_stays(change))


def _paused(seconds: float, ctx: Context) -> str:
    """How long writes were fenced, and whether that outlasted --max-write-pause (the bound is on
    the estimate the fence was decided by: a server slower than measured makes it longer)."""
    over = seconds > ctx.max_write_pause
    return f"{seconds:.1f} s" + (f" (more than --max-write-pause {ctx.max_write_pause:g} s: the server was slower "
                                 "than the estimate the fence was decided on)" if over else "")


def _refuse_properties_gained(change: RecreateCollection, ctx: Context) -> None:
    """Weaviate's auto-schema (on unless AUTOSCHEMA_ENABLED=false) adds a property a write names:
    one the source gained while it was copied holds values the copy never read. Refused before
    the alias moves (the fence is lifted, the application writes on)."""
    source = _as_planned(change, ctx)
    if source is None:
        return
    known = {p.name for p in source.properties}
    now = {p["name"] for p in ctx.reader.get(f"/v1/schema/{change.physical}").get("properties") or []}
    gained = sorted(now - known)
    if gained:
        them = "it" if len(gained) == 1 else "them"
        raise SchemactlError(f"{change.physical} gained {', '.join(gained)} while it was copied (Weaviate's auto-schema "
                             f"adds a property a write names): the copy does not carry {them}, so the alias was not "
                             f"moved and the application writes on there; declare {them} in {change.collection}'s "
                             "file and apply again")


def _recreate_tenants(change: RecreateCollection, ctx: Context, checkpoint: Checkpoint) -> None:
    """A multi-tenant recreate: tenants several at a time, listed again on every pass."""
    run = _tenant_run(change, ctx, checkpoint, ctx.live[_live_name(change, ctx)])
    try:
        run.take_over_woken(cut_over=False)
        if any(e.done for e in run.tenants.values()):  # resumed: the stopped run's copies are not trusted blindly
            run.doubt_sleeping_copies()
        run.adopt_awake()  # the alias has not moved: only schemactl wakes the new version's tenants
        _copy_and_follow(change, ctx, checkpoint, run)
        _fenced_tenant_cutover(change, ctx, checkpoint, run)
    finally:
        run.close()
    drop_checkpoint(ctx.reader, change.physical)
    drop_progress(ctx.reader, change.physical, run.progress.seq)


def _copy_and_follow(change: RecreateCollection, ctx: Context, checkpoint: Checkpoint, run: TenantRecreate) -> None:
    """Every tenant copied, then followed while the application writes; a failure or an interrupt
    gives the source back as it was (restore_source)."""
    try:
        if checkpoint.state.phase != Phase.COPY:  # resumed past the copy, which settles them itself
            run.resettle_sleeping()
        if checkpoint.state.phase == Phase.COPY:
            if checkpoint.state.fenced:  # killed while fencing as it copied
                run.lift_early_fence("resuming a copy that had fenced tenants as it went")
            _replicas_agree_before_the_copy(change, ctx)
            seconds = run.copy_all(fence_early=not _replicated(change, ctx))
            refuse_data(change.physical, ctx.failures)
            if run.fence_started is not None:
                fenced = time.monotonic() - run.fence_started
                ctx.notice(f"{change.collection}: the copy fitted in the write pause, so each group of active tenants "
                           f"was fenced, copied and verified in one go (the copy took {seconds:.1f} s, the last "
                           f"{fenced:.1f} s of it fenced)")
                run.progress.snapshot(Phase.FENCED)
            elif seconds < ctx.max_write_pause * QUICK_COPY:
                ctx.notice(f"{change.collection}: no delta pass needed (the copy took {seconds:.1f} s; the fenced "
                           "pass reads no more than it did)")
                run.progress.snapshot(Phase.FENCED)  # the fenced pass itself repairs what changed meanwhile
            else:
                run.progress.snapshot(Phase.VERIFY)
        if checkpoint.state.phase == Phase.VERIFY:
            started = time.monotonic()
            following = run.follow()
            differing = " -> ".join(f"{n:,}" for n in following.differing)
            ctx.notice(f"{change.collection}: {following.passes} delta pass(es) over {len(run.tenants):,} tenant(s) "
                       f"of {checkpoint.target} in {time.monotonic() - started:.1f} s (objects differing: "
                       f"{differing}); {following.left} object(s) left for the final pass")
    except BaseException:
        try:
            run.restore_source()
        except SchemactlError as error:  # the first failure is the one to report
            ctx.notice(f"could not give {change.physical} its tenant settings back ({error}): run apply again to "
                       "finish or lift them")
        raise


def _tenant_run(change: RecreateCollection, ctx: Context, checkpoint: Checkpoint,
                source: Collection) -> TenantRecreate:
    """The run of a multi-tenant recreate from `source` (the old version's definition)."""
    source_properties = {p.name for p in source.properties}
    multi = _multi_target_pairs(change, ctx, checkpoint.target, source)
    links = _links(change, ctx, checkpoint.target)
    jobs: dict[str, CopyJob] = {}

    def job_for(tenant: str) -> CopyJob:
        if tenant not in jobs:
            jobs[tenant] = _job(change, source_properties, checkpoint.target, tenant or None, multi, ctx.consistency,
                                links)
        return jobs[tenant]

    def linked(job: CopyJob, entry: TenantEntry) -> None:
        if job.self_references:
            link_self_references(ctx.client, job, after=None, on_flushed=lambda cursor, n: None)
        if job.multi_references:
            link_multi_target_references(ctx.client, job, after=None, on_flushed=lambda cursor, n: None)

    return TenantRecreate(ctx, checkpoint, change.collection, job_for, linked)


def _fenced_tenant_cutover(change: RecreateCollection, ctx: Context, checkpoint: Checkpoint,
                           run: TenantRecreate) -> None:
    """Tenant auto-creation and auto-activation off and every active shard fenced; settle and
    list the tenants again until nothing changes; move the alias; carry over a tenant created
    in the last moment; the old version's tenants go to sleep."""
    state = checkpoint.state
    if state.fenced and _replicated(change, ctx):  # resumed: no fence is held while apply waits for the replicas
        _lift_fence(ctx, checkpoint, run)
    _wait_for_every_node(change, ctx, checkpoint.target)
    state.fenced = state.fenced or []
    if state.auto_tenants is None:
        state.auto_tenants = auto_tenants(ctx.reader, change.physical)
        run.progress.snapshot(Phase.FENCED)
    started = run.fence_started or time.monotonic()
    try:
        set_auto_tenants(ctx.reader, change.physical, {key: False for key in state.auto_tenants})
        objects = run.settle_fenced()
        if state.target_auto_activation is None:
            state.target_auto_activation = auto_tenants(ctx.reader, checkpoint.target)["autoTenantActivation"]
        # until the hand-over wakes them, a request to a sleeping tenant of the new version wakes it
        set_auto_tenants(ctx.reader, checkpoint.target, {"autoTenantActivation": True})
        if _frees_its_name(change, ctx):  # the source goes as the alias takes its name: read until nothing is new
            for _ in range(LAST_LISTINGS):
                if not run.carry_over_late():
                    break
        found = fences(ctx.reader, change.physical)  # one read of every node's fences, for both checks
        _fence_held(ctx, change.physical, run.fenced, found)
        run.settle_reopened(found)
        state.kept_awake = list(run.kept_awake)  # a hand-over resumed after a kill does not wake them again
        _refuse_properties_gained(change, ctx)
        run.progress.snapshot(Phase.CUTOVER)
        _cut_over(change, ctx, checkpoint)
    except BaseException:
        if _still_serving_the_source(change, ctx, checkpoint.target):
            _lift_fence(ctx, checkpoint, run)  # the alias never moved: the source is still the live version
        raise
    paused = time.monotonic() - started
    active = sum(1 for e in run.tenants.values() if is_active(e.status))  # as `objects` was counted
    _hand_over(change.collection, ctx, checkpoint, run)
    ctx.notice(f"{change.collection}: verified {len(run.tenants):,} tenant(s) in {checkpoint.target} "
               f"({active:,} active, {objects:,} object(s) in them), {_same_as(change)}")
    ctx.notice(f"{change.collection}: writes to {change.physical} were paused for {_paused(paused, ctx)} while the "
               f"last differences were copied and the alias moved to {checkpoint.target}; "
               + _what_stays(change, ", its tenants COLD"))


def _hand_over(collection: str, ctx: Context, checkpoint: Checkpoint, run: TenantRecreate) -> None:
    """The alias has moved: carry over the tenants created in the old version meanwhile, put its
    tenants to sleep and give the new version's their statuses and the autoTenantActivation it
    was created with. Recorded before the old version's tenants go to sleep: a run finishing
    this one after a kill takes the statuses from the record then, not from the old version
    (schemactl put its tenants to sleep, not the application)."""
    handing_over = checkpoint.state.phase == Phase.HANDOVER  # a stopped run's, started already
    late: list[str] = []
    if checkpoint.source in ctx.classes:  # else deleted to free its name: its late tenants carried before
        late = run.carry_over_late(handing_over=handing_over)
    if not handing_over:
        checkpoint.state.kept_awake = list(run.kept_awake)
        run.progress.snapshot(Phase.HANDOVER)
    run.hand_over()
    set_auto_tenants(ctx.reader, checkpoint.target,
                     {"autoTenantActivation": bool(checkpoint.state.target_auto_activation)})
    if late:
        ctx.notice(f"{collection}: {len(late)} tenant(s) created in {checkpoint.source} as the alias moved "
                   f"({', '.join(late[:5])}{', ...' if len(late) > 5 else ''}) carried over to {checkpoint.target}")


def finish_hand_over(change: FinishHandOver, ctx: Context) -> None:
    """What a recreate an apply stopped in after moving the alias left, done from its checkpoint
    (which keeps a multi-tenant recreate's change: how objects are copied)."""
    checkpoint = load_checkpoint(ctx.reader, change.physical)
    if change.alias_left and checkpoint is not None and checkpoint.target == change.target \
            and change.collection not in ctx.aliases:
        if _the_original_is_there(ctx, checkpoint):  # stopped before its delete: verified under the fence it keeps
            ctx.reader.send("DELETE", f"/v1/schema/{change.physical}", None,
                            f"delete {change.physical} to free its name")
            ctx.classes.discard(change.physical)
        _make_alias(ctx, change.collection, change.target)  # over a collection auto-schema made since, if any
        _beside_the_alias(ctx, change.collection, change.target)
        ctx.notice(f"{change.collection}: made the alias to {change.target} that an earlier apply, stopped after "
                   f"deleting {change.physical} to free its name, left")
    if checkpoint is None or not checkpoint.cutting_over or ctx.aliases.get(change.collection) != change.target:
        ctx.notice(f"{change.collection}: what an earlier apply left after moving the alias to {change.target} was "
                   "finished meanwhile")
        return
    _old_name_left(ctx, change.collection, change.old_alias, checkpoint)
    if checkpoint.hand_over_left(change.target):
        _finish_from(checkpoint, change.collection, ctx)
        return
    drop_checkpoint(ctx.reader, change.physical)


def discard_stopped_copy(change: DiscardCopy, ctx: Context) -> None:
    """A copy an earlier apply stopped in, which the files no longer ask for: discarded, and its
    source as it was."""
    found = load_checkpoint(ctx.reader, change.physical)
    if found is None or found.target != change.target:
        ctx.notice(f"{change.collection}: the copy into {change.target} an earlier apply stopped in was finished or "
                   "discarded meanwhile")
        return
    if not found.never_served(change.collection, ctx.aliases, ctx.served):
        raise SchemactlError(f"{change.target} serves or once served {change.collection}: not discarding it "
                             "(plan again)")
    deleted = _abandon(ctx, found, f"a copy of {change.physical} the files no longer ask for")
    drop_checkpoint(ctx.reader, change.physical)
    what = f"{change.target} deleted" if deleted else f"{change.target} was gone already"
    source = "takes writes as before" if change.physical in ctx.aliases.values() else "is as it was (an old version)"
    ctx.notice(f"{change.collection}: discarded the copy an earlier apply stopped in ({what}); {change.physical} "
               + source)


def _old_name_left(ctx: Context, collection: str, old: str | None, checkpoint: Checkpoint) -> None:
    """A rename (from `old`) stopped between making the new name's alias and removing the old
    name's: the old name's alias, still at the old version, removed as that run would have."""
    if _remove_alias_at(ctx, old, checkpoint.source):
        ctx.notice(f"{collection}: removed the alias {old}, which an earlier apply renaming it to {collection} had "
                   f"left at {checkpoint.source}")


def _remove_alias_at(ctx: Context, alias: str | None, source: str) -> bool:
    """A rename's last step: the old name's alias removed, if it still points at `source`."""
    if not alias or ctx.aliases.get(alias) != source:
        return False
    ctx.reader.send("DELETE", f"/v1/aliases/{alias}", None, f"remove old alias {alias}")
    ctx.aliases.pop(alias)
    return True


def _finish_from(checkpoint: Checkpoint, collection: str, ctx: Context) -> None:
    """The hand-over `checkpoint` has left, done; the checkpoint and its log dropped."""
    source, target = checkpoint.source, checkpoint.target
    recreate = _recreate_of(checkpoint, collection)
    replay_progress(ctx.reader, checkpoint)
    if recreate is None or source not in ctx.classes:  # what is left can be done, unless a tenant needs copying
        run = TenantRecreate(ctx, checkpoint, collection, _copy_unknown(checkpoint, collection),
                             lambda job, entry: None)
    else:
        run = _tenant_run(recreate, ctx, checkpoint, _as_it_was(ctx, source, collection))
    run.take_over_woken(cut_over=True)
    run.adopt_awake(checkpoint.state.kept_awake or [])
    try:
        _hand_over(collection, ctx, checkpoint, run)
    finally:
        run.close()
    drop_checkpoint(ctx.reader, source)
    drop_progress(ctx.reader, source, run.progress.seq)
    kept = (f"{source} stays read-only for rollback, its tenants COLD" if source in ctx.classes else
            f"{source}, made outside schemactl, was deleted to free its name")
    ctx.notice(f"{collection}: finished the hand-over to {target} that an earlier apply left; {kept}")


def _as_it_was(ctx: Context, source: str, collection: str) -> Collection:
    """The old version's definition as the plan read it before the alias moved: named
    `collection`, references to its own physical name (not served by an alias now) too."""
    names = {physical: alias for alias, physical in ctx.aliases.items()} | {source: collection}
    return from_rest(ctx.reader.get(f"/v1/schema/{source}"), logical_name=collection, logical_names=names)


def _recreate_of(checkpoint: Checkpoint, collection: str) -> RecreateCollection | None:
    """The recreate a multi-tenant checkpoint was written for (how its objects are copied); None
    for a checkpoint written before checkpoints kept it."""
    where = f"{collection}: the checkpoint of the move from {checkpoint.source} to {checkpoint.target}"
    if checkpoint.state.change is None:
        return None
    try:
        recreate = change_from_document(checkpoint.state.change)
    except (KeyError, TypeError, ValueError) as error:  # pydantic's ValidationError is a ValueError
        raise SchemactlError(f"{where} holds a change this schemactl cannot read ({str(error).splitlines()[0]})"
                             ) from None
    if not isinstance(recreate, RecreateCollection):
        raise SchemactlError(f"{where} holds a {recreate.kind} step, not a recreate")
    return recreate


def _copy_unknown(checkpoint: Checkpoint, collection: str) -> Callable[[str], CopyJob]:
    """A copy job nobody can build: the checkpoint does not say how objects were copied."""
    def job_for(tenant: str) -> CopyJob:
        raise SchemactlError(f"{collection}: tenant {tenant}, created or written in {checkpoint.source} as the alias "
                             f"moved to {checkpoint.target}, is to be carried over, and the checkpoint of this move, "
                             "written by an earlier schemactl, does not say how its objects were copied: this "
                             f"schemactl cannot carry it over; {checkpoint.source} keeps them: `schemactl rollback "
                             f"{collection} --force` serves it again and abandons this migration")
    return job_for


def _same_as(change: RecreateCollection) -> str:
    """What verification found the new version to hold, in words."""
    if change.property_moves or any(v.source for v in change.vectors):
        return f"the same ids as {change.physical}, and its content as the file moves and converts it"
    return f"the same ids and content as {change.physical}"


def _what_stays(change: RecreateCollection, how: str = "") -> str:
    if change.adopts:  # its name went to the alias
        return (f"{change.physical}, made outside schemactl, was deleted to free its name for the alias: there is "
                "no earlier version to roll back to")
    old = change.definition.renamedFrom
    if old and is_version_of(change.physical, old):  # renamed now: nothing serves the old name any more
        return (f"{change.physical} stays read-only{how}, kept with the other versions of {old} (a rename has no "
                f"rollback; schemactl drop-old-versions {old} --allow-destructive deletes them)")
    return f"{change.physical} stays read-only for rollback{how}"


def _wait_for_every_node(change: RecreateCollection, ctx: Context, target: str) -> None:
    """No cutover while a node is down: the new version would hold fewer replicas than the old
    one (its copy on that node misses what was written while it was away). Wait for the node,
    then the fenced final pass verifies at ALL; a node that stays away refuses the cutover. Then
    wait for Weaviate to compare the old version's replicas afresh: the last read would miss what
    one lacks."""
    node_was_down = _waited_for_nodes(change, ctx, target)
    if not _replicated(change, ctx):
        return
    replicas = ReplicaCheck(ctx.reader, change.physical)
    replicas.since_now(node_was_down=node_was_down)
    refused = f"not cutting over {change.collection} to {target}; {change.physical} stays live and the copy is " \
              "checkpointed"
    _wait_for_repair(change, ctx, replicas, f"before the cutover for Weaviate to compare the replicas of "
                     f"{change.physical} once more", refused)
    down = nodes_down(ctx.reader)  # one gone while apply waited: its replicas were left out of the comparisons
    if down:
        raise SchemactlError(f"{describe_down(down)} (while apply waited for the replicas of {change.physical} to "
                             f"agree): {refused}: run apply again once every node is back")


def _fence_held(ctx: Context, source: str, fenced: Container[str] | None = None, found: Fences | None = None) -> None:
    """Last, before the alias moves: on several nodes, no fenced shard writable again. A node
    restarted during the pause brings its shards back READY (Weaviate keeps a shard's status in
    memory) and takes writes at ONE that its fenced replicas refuse: the last read, of one
    replica, would not have seen them, and Weaviate's repair cannot reach a fenced replica.
    Refused then: the fence is lifted, the repair evens the replicas out, and the next apply
    resumes (`fenced`: the tenants fenced, see fence.reopened; `found`: fence.fences, read already)."""
    if len(node_statuses(ctx.reader) or {}) < 2:
        return
    broken = reopened(fences(ctx.reader, source) if found is None else found, fenced)
    if broken:
        some = "; ".join(f"{shard} on {', '.join(nodes)}" for shard, nodes in list(broken.items())[:3])
        raise SchemactlError(f"{len(broken)} fenced shard(s) of {source} became writable again during the write "
                             f"pause ({some}{'; ...' if len(broken) > 3 else ''}): a node restarted, and writes it "
                             f"took since may be on its replica only. Not cutting over; {source} is writable again: "
                             "apply again once every node is up (the copy resumes)")


def _replicated(change: RecreateCollection, ctx: Context) -> bool:
    """Whether the old version keeps more than one replica of each shard (the copy reads one)."""
    return ctx.live[_live_name(change, ctx)].replication_factor > 1


def _replicas_agree_before_the_copy(change: RecreateCollection, ctx: Context) -> None:
    """A copy from replicas that disagree would be read again in full: wait for the repair first."""
    if _replicated(change, ctx):
        _wait_for_repair(change, ctx, ReplicaCheck(ctx.reader, change.physical), "before the copy for Weaviate "
                         f"to repair the replicas of {change.physical}", f"{change.physical} stays live")


def _wait_for_repair(change: RecreateCollection, ctx: Context, replicas: ReplicaCheck, waiting_for: str,
                     left: str) -> None:
    replicas.wait(REPLICA_WAIT, f"{change.collection}: waiting up to {REPLICA_WAIT:.0f} s {waiting_for} (the "
                  "copy reads each shard from one of them)",
                  f"{left}: run apply again once Weaviate's repair has caught up", ctx.notice)


def _waited_for_nodes(change: RecreateCollection, ctx: Context, target: str) -> bool:
    """Wait for every node that is down (if any, True once they are back)."""
    if change.definition.replication_factor < 2 and not _replicated(change, ctx):
        return False
    down = nodes_down(ctx.reader)
    if not down:
        return False
    ctx.notice(f"{change.collection}: waiting up to {REPLICA_WAIT:.0f} s before the cutover, as "
               f"{describe_down(down)}")

    def step() -> Poll:
        down.clear()
        down.update(nodes_down(ctx.reader))
        return Poll.WAITING if down else Poll.DONE

    poll_until(step, every=1.0, patience=REPLICA_WAIT, give_up=lambda: SchemactlError(
        f"{describe_down(down)}: not cutting over {change.collection} to {target} while a node is down (its replica "
        f"would miss objects); {change.physical} stays live and the copy is checkpointed: run apply again once every "
        "node is back"))
    return True


def _lift_fence(ctx: Context, checkpoint: Checkpoint, run: TenantRecreate | None = None) -> None:
    """A cutover that failed before the alias moved: the source writable again (a multi-tenant
    one as restore_source gives it back: its sleeping tenants marked to be verified again first)."""
    state = checkpoint.state
    try:
        if run is not None:
            run.restore_source()
        else:
            give_back(ctx.reader, checkpoint.source, state.fenced, state.auto_tenants)
        state.phase, state.fenced = Phase.VERIFY, []
        state.freed = None  # the source serves: it was not deleted (a stop before the delete)
        save_checkpoint(ctx.reader, checkpoint)
    except SchemactlError as error:  # the first failure is the one to report
        ctx.notice(f"could not make {checkpoint.source} writable again ({error}): run apply again to finish "
                   "or lift it")


# ---- phases ---------------------------------------------------------------------------------

def _resume_or_start(change: RecreateCollection, ctx: Context) -> Checkpoint:
    wanted = definition_hash(change)
    found = load_checkpoint(ctx.reader, change.physical)  # refuses a checkpoint a newer schemactl wrote
    if found and found.state.freed and found.target not in ctx.classes:  # the copy deleted by hand since
        drop_checkpoint(ctx.reader, change.physical)
        found = None
    if found and found.state.freed:  # what holds the name now is not what was copied: never a source
        raise SchemactlError(f"{change.collection}: an earlier apply deleted {change.physical} to free its name for "
                             f"the alias to {found.target} and stopped; plan again (the plan finishes that cutover)")
    if found and not found.never_served(change.collection, ctx.aliases, ctx.served):
        drop_checkpoint(ctx.reader, change.physical)  # from a migration that did cut over
        found = None
    if found and found.target in ctx.classes:
        if found.definitionHash == wanted:
            replay_progress(ctx.reader, found)
            if change.definition.multi_tenant and found.state.phase == Phase.COPY:  # stopped before it made them
                create_tenants(ctx.reader, found.target, found.state.tenants)  # all: one request, kept as they are
            done = sum(t.copied for t in found.state.tenants.values())
            ctx.notice(f"{change.collection}: resuming the copy into {found.target} ({done} object(s) already copied)")
            return found
        if _abandon(ctx, found, "a partial copy, discarded"):  # killed before its alias moved
            ctx.notice(f"{change.collection}: discarded the partial copy {found.target}: it was made for another "
                       "change (the files, or a collection it references, changed since)")
    elif found:  # its copy was deleted since: what the stopped run left on the source is undone first
        _abandon(ctx, found, "gone already")
    _replicas_agree_before_the_copy(change, ctx)  # a refusal leaves nothing behind (checked again before the copy)
    target = next_version(change.collection, ctx.names_taken() | {change.physical})
    tenants = _source_tenants(ctx, change.physical) if change.definition.multi_tenant else {"": "HOT"}
    state = ResumeState(Phase.COPY, {t: new_entry(s) for t, s in tenants.items()},
                        change=change_document(change) if change.definition.multi_tenant else None,
                        renamed_from=change.definition.renamedFrom)
    checkpoint = Checkpoint(change.physical, target, wanted, state)
    # recorded before the new version is made: a run killed in between leaves a copy the next
    # resumes (or, the version not made, starts again), never a collection nothing names
    save_checkpoint(ctx.reader, checkpoint, create=True)
    with _checkpoint_dropped_if_nothing_made(ctx, checkpoint):
        _create_target(change, ctx, target)
    if change.definition.multi_tenant:
        with _checkpoint_dropped_if_nothing_made(ctx, checkpoint), removed_on_failure(ctx, target):
            create_tenants(ctx.reader, target, tenants)
    if _vectorizes_class_name(change):
        ctx.notice(f"{change.collection}: vectorizeClassName is on, so Weaviate embeds the physical name "
                   f"({target}) with each object, not {change.collection}")
    return checkpoint


@contextmanager
def _checkpoint_dropped_if_nothing_made(ctx: Context, checkpoint: Checkpoint) -> Iterator[None]:
    """A refusal that leaves no new version (the server refused to make it, or it was removed
    again: removed_on_failure, inside) drops the copy's checkpoint; an interrupt or a lost answer,
    after which the version may exist, keeps it: the next apply resumes that copy, or starts
    afresh if the version was never made."""
    try:
        yield
    except RequestRefused:
        if checkpoint.target not in ctx.classes:
            try:
                drop_checkpoint(ctx.reader, checkpoint.source)
            except SchemactlError as cleanup:  # the first error is the one to report
                ctx.notice(f"the checkpoint of the copy into {checkpoint.target} could not be dropped ({cleanup}); "
                           "the next apply starts afresh")
        raise


def _create_target(change: RecreateCollection, ctx: Context, target: str) -> None:
    names = dict(ctx.physical) | {change.collection: target}
    body = physical_references(to_rest(change.definition), names)
    body["class"] = target
    ctx.reader.send("POST", "/v1/schema", body, f"create collection {target}")
    ctx.classes.add(target)


def _copy_every_tenant(change: RecreateCollection, ctx: Context, checkpoint: Checkpoint,
                       jobs: dict[str, CopyJob]) -> None:
    for tenant, entry in sorted(checkpoint.state.tenants.items()):
        if entry.done:
            continue
        job = jobs[tenant]
        label = f"copy {change.physical} -> {checkpoint.target}" + (f" [{tenant}]" if tenant else "")
        total = count_objects(ctx.reader, change.physical, tenant or None)
        with ctx.progress(label, total, entry.copied) as advance:
            def flushed(cursor: str, copied: int, entry: TenantEntry = entry) -> None:
                entry.after, entry.copied = cursor, entry.copied + copied
                save_checkpoint(ctx.reader, checkpoint)

            started = time.monotonic()
            outcome = copy_objects(ctx.client, job, after=entry.after, on_flushed=flushed, progress=advance)
            seconds = max(time.monotonic() - started, 1e-6)
        ctx.failures.update(outcome.failed)
        refuse_data(change.physical, outcome.failed)  # before linking: refused objects are not there to link
        how = "re-embedded" if job.reembed else "with stored vectors"
        skipped = f", {outcome.skipped} left out by onConvertError: skipObject" if outcome.skipped else ""
        ctx.notice(f"{label}: {outcome.copied} object(s) {how} in {seconds:.1f} s "
                   f"({outcome.copied / seconds:,.0f} objects/s{skipped})")
        if job.self_references:
            _link(ctx, job, checkpoint, entry)
        if job.multi_references:
            _link_multi_target(ctx, job, checkpoint, entry)
        entry.done = True
        save_checkpoint(ctx.reader, checkpoint)


def _link(ctx: Context, job: CopyJob, checkpoint: Checkpoint, entry: TenantEntry) -> None:
    def flushed(cursor: str, _: int) -> None:
        entry.linked = cursor
        save_checkpoint(ctx.reader, checkpoint)

    with ctx.progress(f"link {', '.join(job.self_references)} in {job.target}", entry.copied, 0) as advance:
        link_self_references(ctx.client, job, after=entry.linked, on_flushed=flushed, progress=advance)


def _link_multi_target(ctx: Context, job: CopyJob, checkpoint: Checkpoint, entry: TenantEntry) -> None:
    def flushed(cursor: str, _: int) -> None:
        entry.multi_linked = cursor
        save_checkpoint(ctx.reader, checkpoint)

    names = ", ".join(name for name, _ in job.multi_references)
    with ctx.progress(f"link {names} in {job.target}", entry.copied, 0) as advance:
        link_multi_target_references(ctx.client, job, after=entry.multi_linked, on_flushed=flushed,
                                     progress=advance)


def _follow_every_tenant(change: RecreateCollection, ctx: Context, checkpoint: Checkpoint,
                         jobs: dict[str, CopyJob]) -> None:
    """Delta passes per tenant while the application keeps writing to the source."""
    for tenant, entry in sorted(checkpoint.state.tenants.items()):
        job = jobs[tenant]
        started = time.monotonic()
        following = follow_writes(ctx.client, job, ctx.failures, max_pause=ctx.max_write_pause)
        rate = f", about {following.write_rate:,.0f} write(s)/s to the source" if following.write_rate else ""
        differing = " -> ".join(f"{n:,}" for n in following.differing)
        ctx.notice(f"{change.collection}{f' [{tenant}]' if tenant else ''}: {following.passes} delta pass(es) "
                   f"over {checkpoint.target} in {time.monotonic() - started:.1f} s (objects differing: {differing}); "
                   f"{following.left} object(s) left for the final pass{rate}")


def _cut_over(change: RecreateCollection, ctx: Context, checkpoint: Checkpoint) -> None:
    """Point the logical name at the checkpoint's target; the old physical collection stays for
    rollback (one made outside schemactl is deleted to free the name, recorded first: what holds
    the name after that is never a source again)."""
    logical, source, target = change.collection, change.physical, checkpoint.target
    if ctx.aliases.get(logical) == source:
        ctx.reader.send("PUT", f"/v1/aliases/{logical}", {"class": target}, f"re-point alias {logical} -> {target}")
    else:
        if _frees_its_name(change, ctx):  # a guard asked for --allow-destructive
            checkpoint.state.freed, checkpoint.state.version = True, STATE_VERSION
            save_checkpoint(ctx.reader, checkpoint)
            ctx.reader.send("DELETE", f"/v1/schema/{source}", None, f"delete {source} to free its name")
            ctx.classes.discard(source)
            _make_alias(ctx, logical, target)
            _beside_the_alias(ctx, logical, target)
        else:
            _make_alias(ctx, logical, target)
    ctx.aliases[logical] = target  # moved: from here on a failure leaves the fence (the next apply finishes)
    ctx.physical[logical] = target
    _remove_alias_at(ctx, change.definition.renamedFrom, source)


STRAY_ATTEMPTS = 20  # times the alias is made again over a collection auto-schema made under its name


def _make_alias(ctx: Context, logical: str, target: str) -> None:
    """The alias `logical` -> `target`, where `logical` was just deleted to free the name. A write
    through the name in between makes it again with the server's auto-schema (on by default): that
    collection is taken in (objects acknowledged there carried over) and deleted, and the alias
    made; the application's writes fail meanwhile, none acknowledged is lost."""
    for _ in range(STRAY_ATTEMPTS):
        try:
            ctx.reader.send("POST", "/v1/aliases", {"alias": logical, "class": target},
                            f"create alias {logical} -> {target}")
            break
        except RequestRefused as error:
            if "already exists" in str(error) and \
                    (ctx.reader.get_or_none(f"/v1/aliases/{logical}") or {}).get("class") == target:
                break  # made by this very request, its answer lost (a retry)
            if "already exists" not in str(error) or not _a_class_named(ctx, logical):
                raise
        carried = _take_in_stray(ctx, logical, target)
        ctx.reader.send("DELETE", f"/v1/schema/{logical}", None, f"delete {logical}, made again by auto-schema")
        ctx.classes.discard(logical)
        ctx.notice(f"{logical}: a write through the name made it again (auto-schema) before its alias was made; "
                   f"deleted, {carried} object(s) written there carried over to {target}")
    else:
        raise SchemactlError(f"could not make the alias {logical}: writes through the name made it again "
                             f"{STRAY_ATTEMPTS} times (auto-schema), each taken in; {logical} holds only what was "
                             f"written since, {target} all the rest: stop the application's writes through {logical} "
                             f"and apply again (it carries what {logical} holds over to {target} and makes the alias)")
    ctx.aliases[logical] = ctx.physical[logical] = target


def _beside_the_alias(ctx: Context, logical: str, target: str) -> None:
    """Weaviate (1.38, 1.39) lets a write through the name make a collection of the alias's name
    (auto-schema) as the alias is made: both exist, and the alias hides what was written to that
    collection from every read. The alias is taken away for as long as that collection is taken in
    (fenced, carried over, deleted) and made again; writes through the name fail meanwhile."""
    for _ in range(STRAY_ATTEMPTS):
        try:
            names = {c["class"] for c in ctx.reader.get("/v1/schema").get("classes") or []}
        except SchemactlError as error:
            ctx.notice(f"{logical}: could not check that no collection of that name was made beside its alias "
                       f"({error})")
            return
        if logical not in names:
            return
        ctx.notice(f"{logical}: a write through the name made a collection of that name (auto-schema) as its alias "
                   f"was made; the alias is taken away while what was written there is carried over to {target}")
        ctx.reader.send("DELETE", f"/v1/aliases/{logical}", None, f"remove alias {logical} to reach that collection")
        ctx.aliases.pop(logical, None)
        _make_alias(ctx, logical, target)
    raise SchemactlError(f"{logical}: writes through the name kept making a collection of that name beside its alias "
                         f"({STRAY_ATTEMPTS} times): stop the application's writes through {logical} and apply again")


def _the_original_is_there(ctx: Context, checkpoint: Checkpoint) -> bool:
    """Whether the collection holding the freed name is the original, which the cutover was about
    to delete, rather than one auto-schema made since: multi-tenant as the original was (auto-schema
    makes none), or holding the shards the cutover fenced (one made since has shards of its own)."""
    body = ctx.reader.get_or_none(f"/v1/schema/{checkpoint.source}")
    if not body or body.get("class") != checkpoint.source:
        return False
    if checkpoint.state.auto_tenants is not None:
        return bool((body.get("multiTenancyConfig") or {}).get("enabled"))
    status, shards = ctx.reader.request_status("GET", f"/v1/schema/{checkpoint.source}/shards")
    names = {s.get("name") for s in shards} if status == 200 and isinstance(shards, list) else set()
    return bool(names & set(checkpoint.state.fenced or []))


def _a_class_named(ctx: Context, name: str) -> bool:
    """A collection of that very name (not an alias: the schema endpoint resolves those to their target)."""
    return (ctx.reader.get_or_none(f"/v1/schema/{name}") or {}).get("class") == name


def _take_in_stray(ctx: Context, stray: str, target: str) -> int:
    """A collection auto-schema made under a freed name: fenced (writes to it fail from now on),
    and what was written to it carried over to `target`; the objects carried."""
    body = ctx.reader.get(f"/v1/schema/{stray}")
    if (body.get("multiTenancyConfig") or {}).get("enabled"):
        raise SchemactlError(f"{stray} was made again, multi-tenant, by a write through its name before its alias "
                             f"was made: move what it holds to {target} by hand, delete it and apply again")
    linking = [p["name"] for p in body.get("properties") or [] if p.get("dataType", [""])[0] not in PRIMITIVE_TYPES]
    if linking:
        raise SchemactlError(f"{stray} was made again by a write through its name before its alias was made, with "
                             f"references ({', '.join(linking)}): move what it holds to {target} by hand, delete it "
                             "and apply again")
    fence(ctx.reader, stray)
    return take_in(ctx.client, stray, target, given=_given_vectors(ctx.reader.get(f"/v1/schema/{target}")))


def _given_vectors(body: dict) -> tuple[str, ...] | None:
    """The vectors of a collection the application gives (no vectorizer), by name; None: the
    single vector of a collection without named ones, given when it has no vectorizer."""
    named = body.get("vectorConfig") or {}
    if not named:
        return None if body.get("vectorizer") in (None, "none") else ()
    return tuple(n for n, v in named.items() if set((v.get("vectorizer") or {}).keys()) <= {"none"})


def _still_serving_the_source(change: RecreateCollection, ctx: Context, target: str) -> bool:
    """Whether a cutover that failed left the alias at the source. A request to move it that was
    cut short (Ctrl-C, a timeout) may have moved it all the same: the server is asked. When it
    cannot tell, the answer is no: the fence stays (writes fail, none is lost) and the next apply
    finishes the cutover or lifts it."""
    if ctx.aliases.get(change.collection) == target or change.physical not in ctx.classes:
        return False
    try:
        found = ctx.reader.get_or_none(f"/v1/aliases/{change.collection}")
        if found is None:  # no alias yet: a collection made outside schemactl, unless deleted to free its name
            return ctx.reader.get_or_none(f"/v1/schema/{change.physical}") is not None
    except SchemactlError:
        return False
    return found.get("class") != target


LAST_LISTINGS = 5  # listings of a collection made outside schemactl before it is deleted to free its name


def _frees_its_name(change: RecreateCollection, ctx: Context) -> bool:
    """A collection made outside schemactl holds the name the alias needs: the cutover deletes it."""
    return change.physical == change.collection and ctx.aliases.get(change.collection) != change.physical


# ---- tenants --------------------------------------------------------------------------------

def _source_tenants(ctx: Context, source: str) -> dict[str, str]:
    tenants = list_tenants(ctx.reader, source)
    refuse_offloaded(source, tenants)
    return tenants


# ---- what to copy ---------------------------------------------------------------------------

def _job(change: RecreateCollection, present: set[str], target: str, tenant: str | None,
         multi_references: tuple = (), consistency: str = "ALL", links: _Links | None = None) -> CopyJob:
    plain, references, self_references = [], [], []
    reshape = Reshape.of(change)
    for prop in change.definition.properties:
        if reshape.source_property(prop.name) not in present:
            continue  # added by this change: no data yet
        if not prop.is_reference:
            plain.append(prop.name)
        elif prop.is_multi_target:
            continue  # multi-target: linked in a pass of its own (multi_references)
        elif change.collection in prop.data_types or (change.definition.renamedFrom in prop.data_types):
            self_references.append(prop.name)
        else:
            references.append(prop.name)
    reuse = tuple(v.name for v in change.vectors if v.action == "reuse")
    reembed = tuple(v.name for v in change.vectors if v.action == "re-embed")
    return CopyJob(change.physical, target, tenant, tuple(plain), tuple(references), tuple(self_references),
                   reuse, reembed, named_vectors=change.definition.vectors is not None,
                   multi_references=multi_references, consistency=consistency, reshape=reshape,
                   **(links.of(tenant) if links else {}))


@dataclass(frozen=True)
class _Links:
    """A recreate's links that reads do not return (stored_links.py): single-target reference
    properties to other collections, taken as stored (`as_stored`: from a multi-tenant collection
    to one without tenants), or whose target moved (`followed`: property, the version it serves
    now, whether that has tenants)."""

    reader: RestClient
    source: str
    target: str
    as_stored: tuple[str, ...]
    followed: tuple[tuple[str, str, bool], ...]
    replicated: bool

    def of(self, tenant: str | None) -> dict[str, StoredLinks | None]:
        """CopyJob's source_links and target_links, for one tenant (None: none)."""
        followed = tuple((name, now, tenant if multi_tenant else None) for name, now, multi_tenant in self.followed)
        source = StoredLinks(self.reader, self.source, tenant, self.as_stored, followed, self.replicated)
        target = StoredLinks(self.reader, self.target, tenant, self.as_stored, replicated=self.replicated)
        return {"source_links": source or None, "target_links": target or None}


def _links(change: RecreateCollection, ctx: Context, target: str) -> _Links:
    live = _as_planned(change, ctx)
    held = {p.name for p in live.properties} if live else set()  # a reference property is never renamed
    wanted = [p for p in change.definition.properties if p.is_reference and not p.is_multi_target and p.name in held
              and p.data_types[0] not in (change.collection, change.definition.renamedFrom)]
    as_stored, followed = [], []
    raw = {p["name"]: p["dataType"] for p in ctx.reader.get(f"/v1/schema/{change.physical}").get("properties") or []} \
        if wanted else {}
    for prop in wanted:
        linked = ctx.live.get(prop.data_types[0])
        if change.definition.multi_tenant and linked is not None and not linked.multi_tenant:
            as_stored.append(prop.name)  # every such read fails: the links as stored are all there is
            continue
        now, stored = ctx.physical.get(prop.data_types[0]), raw.get(prop.name) or []  # never renamed
        if now and stored and stored[0] != now:
            followed.append((prop.name, now, bool(linked and linked.multi_tenant)))
    replicated = max(live.replication_factor if live else 1, change.definition.replication_factor) > 1
    return _Links(ctx.reader, change.physical, target, tuple(as_stored), tuple(followed), replicated)


def _multi_target_pairs(change: RecreateCollection, ctx: Context, target: str, source: Collection) -> tuple:
    """Per multi-target reference property: (old physical target, new physical target) pairs, one
    per target the links name (a target the file does not name stops the copy: the plan refuses
    dropping one)."""
    live = {p.name: p for p in source.properties}
    wanted = [p for p in change.definition.properties
              if p.is_multi_target and p.name in live]
    if not wanted:
        return ()
    raw = {p["name"]: p["dataType"] for p in ctx.reader.get(f"/v1/schema/{change.physical}").get("properties") or []}
    names = dict(ctx.physical) | {change.collection: target}
    pairs = []
    for prop in wanted:
        old = {declared_name(change.definition.own_name_for(t, source.name), prop.data_types, ctx.renamed): physical
               for t, physical in zip(live[prop.name].data_types, raw[prop.name])}
        lost = sorted(physical for t, physical in old.items() if t not in prop.data_types)
        if lost:  # the plan refuses a reference that loses a target: never copied without its links
            raise SchemactlError(f"{change.collection}.{prop.name}: its links to {', '.join(lost)} have no target "
                                 "in the file to follow; plan again")
        pairs.append((prop.name, tuple((old[t], names.get(t, t)) for t in prop.data_types if t in old)))
    return tuple(pairs)


def _as_planned(change: RecreateCollection, ctx: Context) -> Collection | None:
    """The source's definition as the plan read it (by the old name, for a rename under way); None
    when the live state has neither name. Unlike _live_name, not through ctx.physical, which a
    cutover (of this run, or of a stopped one) has moved on."""
    return ctx.live.get(change.collection) or ctx.live.get(change.definition.renamedFrom or "")


def _live_name(change: RecreateCollection, ctx: Context) -> str:
    """The logical name the source is known by in the live state (differs for a rename)."""
    return next(n for n, p in ctx.physical.items() if p == change.physical)


def _vectorizes_class_name(change: RecreateCollection) -> bool:
    d = change.definition
    vectorizers = [v.vectorizer for v in (d.vectors or {}).values()] + ([d.vectorizer] if d.vectorizer else [])
    return any(getattr(v, "vectorizeClassName", None) is True for v in vectorizers)

