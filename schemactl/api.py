"""The library API the CLI stands on: read files and cluster, compute a plan, pull."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from dataclasses import dataclass, field

from . import guards, tenants
from .guards import Limits, Situation
from .planning import InvalidFiles, compute_plan, read_cluster  # noqa: F401 - the library's API
from .connection import Target
from .errors import SchemactlError
from .live import (
    RETAINED,
    RestReader,
    active_tenants,
    count_objects,
    read_live,
    unrepresentable,
)
from .permissions import Need, own_permissions
from .plan import Plan
from . import tenant_ops
from .tenants import Outcome, Tenant, Where


def pull(target: Target, names: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """YAML text per live collection (logical name), server defaults left out; and the
    collections left out because schemactl cannot represent them (name -> why)."""
    import yaml

    from .normalize import minimal

    reader = RestReader(target)
    try:
        live = read_cluster(reader)
    finally:
        reader.close()
    hidden = unrepresentable(live)
    refused = [n for n in names if n in hidden]
    if refused:
        raise SchemactlError("; ".join(f"cannot pull {n}: schemactl cannot represent it yet ({hidden[n]})"
                                       for n in refused))
    missing = [n for n in names if n not in live.collections]
    if missing:
        known = ", ".join(sorted(live.collections)) or "none"
        raise SchemactlError(f"no collection named {', '.join(missing)} in the cluster (it has: {known})")
    out = {}
    for name in names or sorted(live.collections):
        data = minimal(live.collections[name]).model_dump(mode="json", exclude_none=True)
        out[name] = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    return out, ({} if names else hidden)


@dataclass
class ApplyOptions:
    limits: Limits = field(default_factory=Limits)  # what the caller allows: destructive steps, re-embedding, policy
    max_write_pause: float = 10.0  # seconds a cutover may fence the old version (writes to it fail)
    consistency: str = "ALL"  # the level data moves are written at
    command: str = "schemactl apply"
    on_step: Callable = lambda step, status: None
    progress: Callable | None = None  # (label, total, done) -> context manager yielding advance(n)
    notice: Callable[[str], None] = lambda message: None


def check_plan(plan: Plan, limits: Limits) -> None:
    """The guards that need the plan only (Refused): what apply refuses before it reads the
    cluster; the CLI asks before it asks for confirmation. `apply` runs them again itself."""
    guards.refuse("plan", Situation(plan, limits))


def apply(plan: Plan, checksum: str, target: Target, options: ApplyOptions | None = None):
    """Execute `plan` under the cluster's lock, recorded in the ledger; returns apply.Report.

    Every guard (guards.GUARDS) runs first, for every caller: Refused names what is wrong and
    nothing changes. A plan whose earlier run was interrupted resumes: the steps it finished are
    skipped."""
    from .apply import Report, apply_plan
    from .context import Context, no_progress
    from .plan import summary
    from .state import (
        acquire_lock,
        last_record_for,
        mark_interrupted,
        me,
        now,
        release_lock,
        start_record,
        update_record,
        with_version,
    )

    options = options or ApplyOptions()
    reader = RestReader(target)
    try:
        situation = Situation(plan, options.limits, target, reader)
        guards.refuse("plan", situation)
        guards.refuse("cluster", guards.read_for_guards(situation))
        holder = me(options.command)
        acquire_lock(reader, holder)
        try:
            mark_interrupted(reader)
            live = situation.live = read_live(reader)  # again, under the lock: it may be read (checked)
            record = last_record_for(reader, checksum)
            if record and record.result == "applied":
                return Report(already_applied_at=record.finishedAt or record.startedAt)
            situation.resumed = record is not None
            guards.refuse("locked", situation)
            if record is None:
                steps = [{"step": s.number, "kind": s.change.kind, "collection": s.change.collection}
                         for s in plan.steps]
                record = start_record(reader, checksum, summary(plan), steps, holder)
            else:
                record.result, record.holder = "running", holder.describe()
                update_record(reader, record)
            ctx = Context(reader, target, dict(live.physical), dict(live.collections), dict(live.aliases),
                          set(live.raw), max_write_pause=options.max_write_pause, consistency=options.consistency,
                          progress=options.progress or no_progress,
                          notice=options.notice)

            def step_done(step) -> None:
                record.stepsDone = sorted(set(record.stepsDone) | {step.number})
                record.steps = with_version(record.steps, step.number, ctx.physical.get(step.change.collection))
                update_record(reader, record)

            try:
                report = apply_plan(plan, ctx, options.on_step, done=frozenset(record.stepsDone), on_done=step_done)
            finally:
                ctx.close()
            record.result = "applied" if report.ok else "failed"
            record.error, record.finishedAt = report.error, now()
            update_record(reader, record)
            return report
        finally:
            release_lock(reader)
    finally:
        reader.close()


@dataclass(frozen=True)
class Rollback:
    name: str
    previous: str  # the version the alias pointed at
    restored: str  # the version it points at now
    objects_then: int
    objects_now: int


def rollback(target: Target, name: str, command: str = "schemactl rollback", *, force: bool = False) -> Rollback:
    """Point alias `name` back at the newest older physical version; recorded in the ledger.

    Refused, unless `force`, when that version has fewer objects than the current one (the
    application would lose sight of them) or the ledger does not record it as ever completed
    (a partial copy, or one made outside schemactl)."""
    from .fence import unfence, unfence_shards
    from .tenant_ops import auto_tenants, set_auto_tenants
    from .state import acquire_lock, completed_versions, me, now, release_lock, start_record, update_record

    reader = RestReader(target)
    try:
        holder = me(command)
        acquire_lock(reader, holder)
        try:
            permissions = own_permissions(reader)
            live = read_cluster(reader, permissions)
            current = live.aliases.get(name)
            if current is None:
                raise SchemactlError(f"{name} is not an alias in this cluster: nothing to roll back")
            older = _versions(name, live.raw, below=_version(current))
            if not older:
                raise SchemactlError(f"no earlier version of {name} is kept in the cluster (it points at {current})")
            previous = older[-1]
            _require_for(permissions, [Need("update_aliases", previous, name, f"roll back {name}"),
                                       Need("update_tenants", previous, why=f"let writes reach {previous} again")])
            woken = _wake_for_rollback(reader, name, current, previous, live.raw, force=force)
            in_current, in_previous = _count(reader, current, live.raw), _count(reader, previous, live.raw)
            if not force:
                try:
                    _refuse_unsafe_rollback(name, current, previous, in_current, in_previous,
                                            previous in completed_versions(reader))
                except SchemactlError:
                    tenant_ops.set_status(reader, previous, {t: "COLD" for t in woken})  # as it was
                    raise
            if _multi_tenant(live.raw[previous]):
                set_auto_tenants(reader, previous, auto_tenants(reader, current))
            record = start_record(reader, f"rollback:{name}:{current}->{previous}", {"rollback": name},
                                  [{"step": 1, "kind": "rollback", "collection": name, "version": previous}], holder)
            if _multi_tenant(live.raw[previous]):  # asking a sleeping tenant's shard fails: set, not ask
                awake = tenant_ops.list_tenants(reader, previous)
                unfence_shards(reader, previous, [t for t, s in awake.items() if tenant_ops.is_active(s)])
            else:
                unfence(reader, previous)  # read-only since the cutover away from it
            reader.send("PUT", f"/v1/aliases/{name}", {"class": previous}, f"re-point alias {name} -> {previous}")
            if _multi_tenant(live.raw[current]):  # served no more: its tenants sleep, as an old version's do
                served = tenant_ops.list_tenants(reader, current)
                awake = {t: "COLD" for t, s in served.items() if tenant_ops.is_active(s)}
                tenant_ops.set_status(reader, current, awake)
            record.result, record.stepsDone, record.finishedAt = "applied", [1], now()
            update_record(reader, record)
            return Rollback(name, current, previous, in_current, in_previous)
        finally:
            release_lock(reader)
    finally:
        reader.close()


def _wake_for_rollback(reader: RestReader, name: str, current: str, previous: str, raw: dict[str, dict], *,
                       force: bool) -> list[str]:
    """A multi-tenant old version sleeps since its cutover (and takes no tenant auto-creation):
    its tenants wake as the current version's are. Refused, unless `force`, when the current
    version has tenants the old one lacks (created since the migration)."""
    if not _multi_tenant(raw[previous]):
        return []
    now, then = tenant_ops.list_tenants(reader, current), tenant_ops.list_tenants(reader, previous)
    newer = sorted(set(now) - set(then))
    if newer and not force:
        raise SchemactlError(f"{current} has {len(newer)} tenant(s) {previous} lacks ({', '.join(newer[:5])}"
                             f"{', ...' if len(newer) > 5 else ''}): rolling back would hide them from the "
                             f"application; {name} still points at {current}. Pass --force to roll back anyway")
    active = tenant_ops.is_active
    woken = sorted(t for t, s in now.items() if t in then and active(s) and not active(then[t]))
    tenant_ops.set_status(reader, previous, {t: "HOT" for t in woken})
    return woken


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


def _count(reader: RestReader, physical: str, raw: dict[str, dict]) -> int:
    """Objects in a collection; of a multi-tenant one, in its active tenants."""
    if not _multi_tenant(raw[physical]):
        return count_objects(reader, physical, None)
    return sum(count_objects(reader, physical, tenant) for tenant in active_tenants(reader, physical))


def old_versions(target: Target, names: list[str]) -> dict[str, list[str]]:
    """Logical name -> physical versions no alias points at (kept for rollback)."""
    reader = RestReader(target)
    try:
        live = read_cluster(reader)
    finally:
        reader.close()
    unknown = [n for n in names if n not in live.aliases]
    if unknown:
        raise SchemactlError(f"{', '.join(unknown)}: not a collection schemactl manages (no alias of that name)")
    return {n: list(v) for n, v in live.retained.items() if not names or n in names}


def drop_versions(target: Target, versions: list[str], command: str = "schemactl drop-old-versions") -> None:
    """Delete old physical versions (destructive: the caller has checked the flag)."""
    from .state import acquire_lock, me, now, release_lock, start_record, update_record

    reader = RestReader(target)
    try:
        holder = me(command)
        acquire_lock(reader, holder)
        try:
            permissions = own_permissions(reader)
            live = read_cluster(reader, permissions)
            serving = set(live.aliases.values())
            if serving & set(versions):
                raise SchemactlError(f"{', '.join(sorted(serving & set(versions)))} is served by an alias; not dropped")
            _require_for(permissions, [Need("delete_collections", v, why=f"drop {v}") for v in versions])
            record = start_record(reader, f"drop:{','.join(versions)}", {"drop": len(versions)},
                                  [{"step": i, "kind": "drop-version", "collection": v}
                                   for i, v in enumerate(versions, 1)], holder)
            for i, version in enumerate(versions, 1):
                reader.send("DELETE", f"/v1/schema/{version}", None, f"drop {version}")
                record.stepsDone.append(i)
            record.result, record.finishedAt = "applied", now()
            update_record(reader, record)
        finally:
            release_lock(reader)
    finally:
        reader.close()


def _require_for(permissions: list[dict] | None, needs: list[Need]) -> None:
    """`needs` plus the lock and ledger; checked before the first change."""
    from .permissions import check, for_bookkeeping
    from .state import LEDGER, LOCK

    check(permissions, needs + for_bookkeeping(LOCK, (LEDGER,)), "this command")


def _version(physical: str) -> int:
    match = RETAINED.match(physical)
    return int(match["version"]) if match else 0


def _versions(logical: str, classes: dict[str, dict], *, below: int) -> list[str]:
    found = [(int(m["version"]), n) for n in classes
             if (m := RETAINED.match(n)) and m["logical"] == logical and int(m["version"]) < below]
    return [n for _, n in sorted(found)]


def _multi_tenant(body: dict) -> bool:
    return bool((body.get("multiTenancyConfig") or {}).get("enabled"))


def history(target: Target):
    from .state import history as read_history

    reader = RestReader(target)
    try:
        return read_history(reader)
    finally:
        reader.close()


def force_unlock(target: Target):
    """Release the apply lock whoever holds it; returns the holder it had (or None)."""
    from .state import read_lock, release_lock

    reader = RestReader(target)
    try:
        read_cluster(reader)  # a clear error when the cluster is not usable
        holder = read_lock(reader)
        release_lock(reader)
        return holder
    finally:
        reader.close()


T = TypeVar("T")


def list_tenants(target: Target, name: str) -> tuple[Where, list[Tenant]]:
    """The tenants of the multi-tenant collection `name` (alias or physical name) and where they are."""
    def listing(reader: RestReader, where: Where) -> tuple[Where, list[Tenant]]:
        return where, tenants.list_tenants(reader, where)
    return _on_tenants(target, name, listing)


def create_tenants(target: Target, name: str, names: list[str], status: str = "HOT") -> Outcome:
    """Create tenants (in one request per thousand); existing ones are left as they are."""
    return _on_tenants(target, name, lambda reader, where: tenants.create(reader, where, names, status))


def set_tenant_status(target: Target, name: str, names: list[str], status: str) -> Outcome:
    """Put tenants in `status` (HOT or COLD)."""
    return _on_tenants(target, name, lambda reader, where: tenants.set_status(reader, where, names, status))


def delete_tenants(target: Target, name: str, names: list[str]) -> Outcome:
    """Delete tenants and their objects (destructive: the caller has checked the flag)."""
    return _on_tenants(target, name, lambda reader, where: tenants.delete(reader, where, names))


def _on_tenants(target: Target, name: str, work: Callable[[RestReader, Where], T]) -> T:
    """`work` on the collection `name` stands for, through one REST reader."""
    reader = RestReader(target)
    try:
        return work(reader, tenants.resolve(reader, name))
    finally:
        reader.close()
