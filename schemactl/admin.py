"""Commands on the versions schemactl keeps: roll back to the previous one, drop old ones, read
the ledger, release the lock. Each runs under the apply lock and is recorded in the ledger."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from .planning import Managed, finishes_left, hand_overs_left, left_behind, managed, read_cluster
from .rest_json import multi_tenant_json
from .connection import Target
from .errors import SchemactlError
from .live import (
    RestClient,
    active_tenants,
    is_active,
    count_objects,
    server_meta,
)
from .naming import in_version_order, is_version_of, version_of, versions_of
from .permissions import Need, own_permissions
from .state import Holder, Record, copies_in, now, update_record
from . import tenant_ops
from .apply.session import locked


@dataclass(frozen=True)
class Rollback:
    name: str
    previous: str  # the version the alias pointed at
    restored: str  # the version it points at now
    objects_then: int
    objects_now: int
    referrers: tuple[str, ...] = ()  # reference properties in use that still point at `previous`
    returned: tuple[str, ...] = ()  # tenants `restored` has that `previous` no longer had (deleted since)
    aimed_back: tuple[str, ...] = ()  # `restored`'s reference properties to an old version no alias serves


def rollback(target: Target, name: str, command: str = "schemactl rollback", *, force: bool = False) -> Rollback:
    """Point alias `name` back at the version its current one was made from (the ledger says
    which; without a record, the newest older one); recorded in the ledger.

    Refused, unless `force`, when that version has fewer objects than the current one (the
    application would lose sight of them) or the ledger does not record it as ever completed
    (a partial copy, or one made outside schemactl)."""
    from .apply.fence import unfence, unfence_shards
    from .tenant_ops import set_auto_tenants
    from .state import start_record

    with RestClient(target) as reader, _locked_if_allowed(reader, command) as (holder, permissions):
        live = read_cluster(reader, permissions)
        current = live.aliases.get(name)
        if current is None:
            raise SchemactlError(f"{name} is not an alias in this cluster: nothing to roll back")
        known = managed(reader, live)
        previous = _rollback_target(reader, name, current, set(live.raw), known)
        _refuse_broken_references(live.raw, name, current, previous)
        abandoned = [h for h in hand_overs_left(reader, live) if h.collection == name]
        if abandoned and not force:
            raise SchemactlError(f"{name}: an apply stopped after moving the alias to {current}, before what follows "
                                 f"was done; run `schemactl apply` to finish it, or roll back with --force to abandon "
                                 f"it ({abandoned[0].physical} keeps what was written there); nothing was changed")
        _require_for(permissions, [Need("update_aliases", previous, name, f"roll back {name}"),
                                   Need("update_tenants", previous, why=f"let writes reach {previous} again")])
        woken, returned = _wake_for_rollback(reader, name, current, previous, live.raw, force=force,
                                             recorded=_not_handed_over(reader, abandoned))
        in_current, in_previous = _count(reader, current, live.raw), _count(reader, previous, live.raw)
        if not force:
            try:
                _refuse_unsafe_rollback(name, current, previous, in_current, in_previous, previous in known.served)
            except SchemactlError:
                tenant_ops.set_status(reader, previous, {t: "COLD" for t in woken})  # as it was
                raise
        record = start_record(reader, f"rollback:{name}:{current}->{previous}", {"rollback": name},
                              [{"step": 1, "kind": "rollback", "collection": name, "version": previous,
                                "from": current}], holder)
        with _recorded(reader, record):
            if multi_tenant_json(live.raw[previous]):  # asking a sleeping tenant's shard fails: set, not ask
                awake = tenant_ops.list_tenants(reader, previous)
                unfence_shards(reader, previous, [t for t, s in awake.items() if is_active(s)])
            else:
                unfence(reader, previous)  # read-only since the cutover away from it
            if multi_tenant_json(live.raw[previous]):  # a class update, refused while a loaded shard is read-only
                set_auto_tenants(reader, previous, _auto_tenants_for(reader, current, abandoned))
            reader.send("PUT", f"/v1/aliases/{name}", {"class": previous}, f"re-point alias {name} -> {previous}")
            record.stepsDone = [1]  # the alias moved: what follows tidies up
            if multi_tenant_json(live.raw[current]):  # served no more: its tenants sleep, as an old version's do
                tenant_ops.put_to_sleep(reader, current)
            for hand_over in abandoned:  # the version it was to hand over from serves again
                _drop_checkpoint_and_log(reader, hand_over.physical)
        kept = {v for olds in known.live.retained.values() for v in olds}
        referrers = _referenced_by({n: c for n, c in live.raw.items() if n not in kept}, [current]).get(current, [])
        retired = {v for olds in known.retired.values() for v in olds}  # a renamed target's old versions
        aimed_back = _to_old_versions(live.raw[previous], (kept | retired) - {previous, current})
        return Rollback(name, current, previous, in_current, in_previous, tuple(referrers), tuple(returned),
                        tuple(aimed_back))


def _to_old_versions(definition: dict, old: set[str]) -> list[str]:
    """A version's reference properties that point at an old version of their target (one a
    cutover or rename of the target left behind, read-only, no alias serving it): property -> it."""
    return [f"{prop.get('name')} -> {target}" for prop in definition.get("properties") or []
            for target in prop.get("dataType") or [] if target in old]


@contextmanager
def _locked_if_allowed(reader: RestClient, command: str,
                       needs: list[Need] | None = None) -> Iterator[tuple[Holder, list[dict] | None]]:
    """The lock, held as `command`, once the caller's permissions (returned) allow taking it,
    recording the command and `needs`: a role that may not is told what it lacks, not the lock's 403."""
    permissions = own_permissions(reader)
    _require_for(permissions, needs or [])
    with locked(reader, command) as holder:
        yield holder, permissions


@contextmanager
def _recorded(reader: RestClient, record: Record) -> Iterator[None]:
    """The ledger record of an admin command: applied when the work ends, failed (with why) when
    it fails, never left "running"."""
    try:
        yield
    except SchemactlError as error:
        record.result, record.error, record.finishedAt = "failed", str(error), now()
        update_record(reader, record)
        raise
    record.result, record.finishedAt = "applied", now()
    update_record(reader, record)


def _rollback_target(reader: RestClient, name: str, current: str, classes: set[str], known: Managed) -> str:
    """The version `current` was made from: the source of the copy that made it while its
    checkpoint is there (a run stopped after moving the alias), else as the ledger records it;
    without either, the newest older version. Never a version a rollback moved away from, nor
    another collection's (--force overrides the checks on the version, never this choice). A
    collection made outside schemactl that the alias served before it is one of its versions."""
    from .state import CREATED, checkpoints_into, made_from

    older = versions_of(name, classes, below=_number(current))
    copies = checkpoints_into(reader, {current})
    source = copies[0].source if copies else made_from(known.records, name, current)
    if source is None and older:
        return older[-1]
    if source is not None and (source in older or source in known.live.retained.get(name, ())):
        return source
    why = ""
    if source == CREATED:
        why = f"; {current} was created new, not made from an earlier version (older ones belong to another collection)"
    elif source is not None and source not in classes:
        why = f"; {current} was made from {source}, which is no longer kept"
    elif source is not None and not is_version_of(source, name):
        why = f"; {current} was made from {source}, a version of another name (a rename)"
    elif source is not None:
        why = f"; {current} was made from {source}, not an earlier version"
    raise SchemactlError(f"no earlier version of {name} to roll back to (it points at {current}){why}")


def _auto_tenants_for(reader: RestClient, current: str, abandoned: list) -> dict[str, bool]:
    """The tenant auto-settings the version rolled back to takes: the current version's, or, when
    a hand-over is abandoned, its own from before the migration (the stopped run changed both)."""
    from .state import load_checkpoint

    checkpoint = load_checkpoint(reader, abandoned[0].physical) if abandoned else None
    if checkpoint is not None and checkpoint.state.auto_tenants is not None:
        return checkpoint.state.auto_tenants
    return tenant_ops.auto_tenants(reader, current)


def _drop_checkpoint_and_log(reader: RestClient, source: str) -> None:
    from .state import drop_checkpoint, drop_log

    drop_checkpoint(reader, source)
    drop_log(reader, source)


def _not_handed_over(reader: RestClient, abandoned: list) -> dict[str, str]:
    """Of a hand-over abandoned once it had started putting the old version's tenants to sleep:
    the tenants it had not given their status in the new version yet whose recorded status beats
    the new version's: awake at the switch (the new version's copy may still sleep), or asleep
    then while schemactl kept the new version's copy awake."""
    from .resume import Phase
    from .state import load_checkpoint, replay_progress

    checkpoint = load_checkpoint(reader, abandoned[0].physical) if abandoned else None
    if checkpoint is None or checkpoint.state.phase != Phase.HANDOVER:
        return {}
    replay_progress(reader, checkpoint)
    kept = set(checkpoint.state.kept_awake or [])  # left awake by schemactl: awake says nothing of the application
    # one asleep at the switch, awake now and not kept awake, was woken by the application: its status wins
    return {t: e.status for t, e in checkpoint.state.tenants.items()
            if not e.handed and (is_active(e.status) or t in kept)}


def _wake_for_rollback(reader: RestClient, name: str, current: str, previous: str, raw: dict[str, dict], *,
                       force: bool, recorded: dict[str, str]) -> tuple[list[str], list[str]]:
    """A multi-tenant old version sleeps since its cutover (and takes no tenant auto-creation):
    its tenants wake as the current version's are, or as `recorded` (an abandoned hand-over's
    tenants it had not handed over). Refused, unless `force`, when the current version has
    tenants the old one lacks (created since the migration). Returns (the tenants woken, those
    the old version has and the current one no longer has: deleted since, they come back)."""
    if not multi_tenant_json(raw[previous]):
        return [], []
    now, then = tenant_ops.list_tenants(reader, current), tenant_ops.list_tenants(reader, previous)
    newer = sorted(set(now) - set(then))
    if newer and not force:
        raise SchemactlError(f"{current} has {len(newer)} tenant(s) {previous} lacks ({', '.join(newer[:5])}"
                             f"{', ...' if len(newer) > 5 else ''}): rolling back would hide them from the "
                             f"application; {name} still points at {current}. Pass --force to roll back anyway")
    active = is_active
    wanted = now | {t: s for t, s in recorded.items() if t in now}
    woken = sorted(t for t, s in wanted.items() if t in then and active(s) and not active(then[t]))
    tenant_ops.set_status(reader, previous, {t: "HOT" for t in woken})
    return woken, sorted(set(then) - set(now))


def _refuse_broken_references(raw: dict[str, dict], name: str, current: str, previous: str) -> None:
    """A version whose reference properties point at a collection that is gone (dropped, or
    deleted by hand) would serve reference queries that fail: never rolled back to."""
    from .spec import PRIMITIVE_TYPES

    gone = [f"{prop.get('name')} -> {target}" for prop in raw[previous].get("properties") or []
            for target in prop.get("dataType") or [] if target not in raw and target not in PRIMITIVE_TYPES]
    if gone:
        raise SchemactlError(f"{previous} references collections that no longer exist ({'; '.join(gone)}): as the "
                             f"version {name} serves, every query of those references would fail; {name} still "
                             f"points at {current}. Nothing was changed")


def _refuse_unsafe_rollback(name: str, current: str, previous: str, in_current: int, in_previous: int,
                            completed: bool) -> None:
    if not completed:
        raise SchemactlError(f"{previous} is not recorded in the ledger as a version schemactl completed (a "
                             f"partial copy, or made outside schemactl); {name} still points at {current}. "
                             "Check it, then pass --force to roll back anyway")
    if in_previous < in_current:
        raise SchemactlError(f"{previous} has {in_previous} object(s), {current} has {in_current}: rolling back "
                             f"would hide {in_current - in_previous} object(s) from the application; {name} still "
                             f"points at {current}. Pass --force to roll back anyway")


def _count(reader: RestClient, physical: str, raw: dict[str, dict]) -> int:
    """Objects in a collection; of a multi-tenant one, in its active tenants."""
    if not multi_tenant_json(raw[physical]):
        return count_objects(reader, physical, None)
    return sum(count_objects(reader, physical, tenant) for tenant in active_tenants(reader, physical))


def old_versions(target: Target, names: list[str]) -> dict[str, list[str]]:
    """Logical name -> physical versions no alias points at: kept for rollback, and those of
    names no alias serves any more (renamed or deleted)."""
    with RestClient(target) as reader:
        known = managed(reader, read_cluster(reader))
    live, retired = known.live, known.retired
    unknown = [n for n in names if n not in live.aliases and n not in retired]
    if unknown:
        raise SchemactlError(f"{', '.join(unknown)}: not a collection schemactl manages (no alias of that name) nor "
                             "the old name of one")
    kept = {n: list(v) for n, v in live.retained.items()} | retired
    return {n: sorted(v, key=in_version_order) for n, v in kept.items() if not names or n in names}


def left_behind_versions(target: Target, names: list[str]) -> dict[str, list[str]]:
    """Logical name -> its kept versions a rollback left behind (planning.left_behind)."""
    with RestClient(target) as reader:
        known = managed(reader, read_cluster(reader))
    return {n: v for n, v in left_behind(known.live, known.records).items() if not names or n in names}


def drop_versions(target: Target, versions: list[str], command: str = "schemactl drop-old-versions") -> None:
    """Delete old physical versions (destructive: the caller has checked the flag). Every
    permission it needs, the lock's too, is checked before it takes the lock."""
    deletes = [Need("delete_collections", v, why=f"drop {v}") for v in versions]
    with RestClient(target) as reader, _locked_if_allowed(reader, command, deletes) as (holder, permissions):
        _drop_under_lock(reader, permissions, versions, holder)


def _drop_under_lock(reader: RestClient, permissions: list[dict] | None, versions: list[str], holder) -> None:
    from .state import start_record

    _refuse_undroppable(reader, read_cluster(reader, permissions), versions)
    record = start_record(reader, f"drop:{','.join(versions)}", {"drop": len(versions)},
                          [{"step": i, "kind": "drop-version", "collection": v}
                           for i, v in enumerate(versions, 1)], holder)
    with _recorded(reader, record):
        for i, version in enumerate(versions, 1):
            reader.send("DELETE", f"/v1/schema/{version}", None, f"drop {version}")
            record.stepsDone.append(i)


def check_droppable(target: Target, versions: list[str]) -> None:
    """What drop_versions would refuse of `versions`, before it is asked to (--allow-destructive)."""
    with RestClient(target) as reader:
        _refuse_undroppable(reader, read_cluster(reader), versions)


def _refuse_undroppable(reader: RestClient, live, versions: list[str]) -> None:
    """A version an alias serves, or one a stopped apply has a hand-over from left, is not dropped."""
    served = {v: sorted(a for a, target in live.every_alias.items() if target == v) for v in versions}
    if any(served.values()):
        listed = ", ".join(f"{v} (alias {', '.join(names)})" for v, names in served.items() if names)
        raise SchemactlError(f"{listed}: served by an alias, so not an old version to drop; delete or re-point "
                             "the alias first; nothing was dropped")
    known = managed(reader, live)
    copying = sorted({target for _, target in copies_in(known.checkpoints)} & set(versions))
    if copying:
        raise SchemactlError(f"{', '.join(copying)}: a copy an apply stopped in; `schemactl apply` resumes it, or "
                             "discards it (deleting it and lifting what it left on its source) when the files no "
                             "longer ask for it; nothing was dropped")
    # retired versions (of old names) and those a rollback left behind are never served again: they
    # may keep a link to a dropped one
    behind = {v for olds in left_behind(known.live, known.records).values() for v in olds}
    retained = {v: name for name, olds in known.live.retained.items() for v in olds if v not in behind}
    retired = {v for olds in known.retired.values() for v in olds} | behind
    referenced = _referenced_by({n: c for n, c in live.raw.items() if n not in retained and n not in retired},
                                versions)
    if referenced:
        listed = "; ".join(f"{v} (by {', '.join(by)})" for v, by in referenced.items())
        raise SchemactlError(f"{listed}: referenced by a collection in use, whose reference queries would fail once "
                             "it is gone; apply the files first (their plan points those references at the served "
                             "versions); nothing was dropped")
    kept = _referenced_by({n: c for n, c in live.raw.items() if n in retained}, versions)
    if kept:
        listed = "; ".join(f"{v} (by {', '.join(by)})" for v, by in kept.items())
        owners = sorted({retained[by.split('.')[0]] for refs in kept.values() for by in refs})
        raise SchemactlError(f"{listed}: referenced by a version kept for rollback, which would serve reference "
                             f"queries that fail once it is gone; drop the old versions of {', '.join(owners)} first, "
                             "or in the same command; nothing was dropped")
    handing = sorted({h.physical for h in finishes_left(known.checkpoints_here, live)} & set(versions))
    if handing:
        raise SchemactlError(f"{', '.join(handing)}: an apply stopped before its hand-over from there was done "
                             "(what was created there as the alias moved is not carried over yet); run "
                             "`schemactl apply` to finish it first; nothing was dropped")


def _referenced_by(raw: dict[str, dict], versions: list[str]) -> dict[str, list[str]]:
    """Each of `versions` that a reference property of a collection not among them points to ->
    those properties (Collection.property)."""
    dropped = set(versions)
    found: dict[str, list[str]] = {}
    for name in sorted(set(raw) - dropped):
        for prop in raw[name].get("properties") or []:
            for target in set(prop.get("dataType") or []) & dropped:
                found.setdefault(target, []).append(f"{name}.{prop.get('name')}")
    return found


def _require_for(permissions: list[dict] | None, needs: list[Need]) -> None:
    """`needs` plus the lock and ledger; checked before the first change."""
    from .permissions import check, for_bookkeeping
    from .state import LEDGER, LOCK

    check(permissions, needs + for_bookkeeping(LOCK, (LEDGER,)), "this command")


def _number(physical: str) -> int:
    """The version number of `physical` (0 for a collection not made as a version)."""
    found = version_of(physical)
    return found[1] if found else 0


def history(target: Target):
    from .state import history as read_history

    with RestClient(target) as reader:
        server_meta(reader)  # Weaviate is there: a wrong address is an error, never "no applies recorded"
        return read_history(reader)


def force_unlock(target: Target):
    """Release the apply lock whoever holds it; returns the holder it had (or None)."""
    from .permissions import check
    from .state import LOCK, read_lock, release_lock

    with RestClient(target) as reader:
        permissions = own_permissions(reader)
        read_cluster(reader, permissions)  # a clear error when the cluster is not usable
        if reader.get_or_none(f"/v1/schema/{LOCK}") is None:
            return None  # none held: nothing to release (a role that may not release one may run this too)
        check(permissions, [Need("delete_collections", LOCK, why="release the apply lock")], "force-unlock")
        holder = read_lock(reader)
        release_lock(reader)
        return holder
