"""The library API the CLI stands on: read files and cluster, compute a plan, pull."""
from __future__ import annotations

from collections.abc import Callable
from typing import Literal, TypeVar
from dataclasses import dataclass, replace
from pathlib import Path

from . import tenants
from .changes import (AddNamedVector, AddProperty, CreateCollection, DeleteCollection, PropertyOnlyInCluster,
                      RecreateCollection, ReindexProperty, ScaleReplication, UpdateInPlace)
from .connection import Target
from .diff import backfill_candidates, diff, unmanaged, with_backfill
from .errors import SchemactlError
from .live import (
    RETAINED,
    LiveState,
    RestReader,
    active_tenants,
    count_objects,
    describe_down,
    estimate,
    node_statuses,
    nodes_down,
    read_live,
    unrepresentable,
)
from .loader import find_files
from .permissions import Need, own_permissions
from .probe import PREFIX as PROBED, Probed, probed
from .plan import Plan, change_document, fingerprint_live, hash_files, make_plan, references_of
from .redact import endpoint
from .spec import Collection
from . import tenant_ops
from .tenants import Outcome, Tenant, Where
from .validate import Result, validate_paths


def read_cluster(reader: RestReader, permissions: list[dict] | None | Literal["ask"] = "ask") -> LiveState:
    """The live state, after making sure the caller may see all of it (RBAC filters what a
    role cannot read instead of refusing: a partial view would make plans wrong). `permissions`:
    the caller's, when already asked for."""
    from .permissions import check, to_read_cluster

    check(own_permissions(reader) if permissions == "ask" else permissions, to_read_cluster(), "reading the cluster")
    return read_live(reader)


class InvalidFiles(SchemactlError):
    """The files did not validate; carries the result so the CLI can print every finding."""

    def __init__(self, result: Result):
        super().__init__(f"{sum(f.severity == 'error' for f in result.findings)} error(s) in the files")
        self.result = result


@dataclass(frozen=True)
class Desired:
    result: Result
    files_hash: str


def load_desired(paths: list[Path]) -> Desired:
    """Validated collections from files; InvalidFiles when any file has an error."""
    result = validate_paths(paths)
    if not result.ok:
        raise InvalidFiles(result)
    contents = {str(p): p.read_bytes() for p in find_files(paths)}
    return Desired(result, hash_files(contents))


def compute_plan(paths: list[Path], target: Target, *, prune: bool = False, backfill: bool = True,
                 probe: bool = False, price_per_1k_texts: float | None = None) -> tuple[Plan, LiveState]:
    """Files vs cluster -> Plan (reads only; changes nothing). `backfill`: named vectors added to
    collections that hold objects are filled for them (through a new version). `probe`: changed
    vectorizations are probed, and the embedding rate measured. `price_per_1k_texts`: what
    embedding costs, for the plan's cost estimate."""
    desired = load_desired(paths)
    reader = RestReader(target)
    try:
        permissions = own_permissions(reader)
        live = read_cluster(reader, permissions)
        if probe:
            _may_probe(permissions)
        collections = desired.result.collections
        hidden = unrepresentable(live)
        _refuse_files_naming(hidden, collections)
        _refuse_modules_not_enabled(live, collections)
        _refuse_more_replicas_than_nodes(reader, collections)
        changes = diff(live.collections, collections, physical=live.physical, prune=prune,
                       index_tasks=index_tasks_on(live), replication_scale=replication_scale_on(reader, live))
        by_physical = {p: live.collections[n] for n, p in live.physical.items()}
        if backfill:
            holding = [n for n in backfill_candidates(changes)
                       if estimate(reader, live.physical[n], live.collections[n], False).objects]
            changes = with_backfill(changes, live.collections, collections, live.physical, holding)
        rates: dict[str, float] = {}
        if probe:
            changes, rates = _probed_once(reader, changes)
        estimates = {c.collection: replace(estimate(reader, c.physical, by_physical[c.physical], c.reembeds),
                                           texts_per_second=rates.get(c.collection))
                     for c in changes if isinstance(c, RecreateCollection)}
        warnings = _nodes_down_warning(reader, changes) + tenants.plan_warnings(changes, collections, live.aliases,
                                                                                live.version)
    finally:
        reader.close()
    not_managed = tuple(unmanaged(live.collections, collections)) if not prune else ()
    retained = tuple(v for versions in live.retained.values() for v in versions)
    plan = make_plan(changes, target=target.cluster, desired_hash=desired.files_hash,
                     live_fingerprint=fingerprint_live(live.raw, live.aliases), estimates=estimates,
                     references=references_of(collections), unmanaged=not_managed, retained=retained,
                     unmanageable=hidden, price_per_1k_texts=price_per_1k_texts, warnings=warnings)
    return plan, live


def _may_probe(permissions: list[dict] | None) -> None:
    """--probe writes a throwaway collection: say which permission is missing before planning."""
    from .live import OWNED_PREFIX
    from .permissions import check, for_probe

    check(permissions, for_probe(f"{OWNED_PREFIX}Probe"), "plan --probe")


def _moving_replicated_data(changes) -> list:
    return [c for c in changes if isinstance(c, RecreateCollection) and c.definition.replication_factor > 1]


def _nodes_down_warning(reader: RestReader, changes) -> tuple[str, ...]:
    down = nodes_down(reader)
    if not down:
        return ()
    moving = ", ".join(c.collection for c in _moving_replicated_data(changes))
    needs = (f"apply refuses to move the data of {moving} until every node is back (a replica on a node that "
             "is down would miss objects)") if moving else "steps that move replicated data need every node"
    return (f"{describe_down(down)}: {needs}",)


def refuse_data_moves_with_nodes_down(reader: RestReader, plan: Plan) -> None:
    """Before the first change: a replicated recreate needs every node (copies write at ALL; the
    cutover waits for every replica)."""
    moving = _moving_replicated_data([s.change for s in plan.steps])
    down = nodes_down(reader) if moving else {}
    if down:
        raise SchemactlError(f"{describe_down(down)}: moving the data of {', '.join(c.collection for c in moving)} needs every "
                             "node (each replica of the new version must hold every object); start it again or "
                             "remove it from the cluster, then apply; nothing was applied")


def _refuse_more_replicas_than_nodes(reader: RestReader, collections) -> None:
    """Weaviate refuses a replication factor above the number of nodes ("not enough replicas"):
    say so at plan time instead of failing halfway through an apply."""
    wanted = {n: c.replication_factor for n, c in collections.items() if c.replication_factor > 1}
    if not wanted:
        return
    members = node_statuses(reader)
    if members is None:
        return  # not allowed to list nodes: the server will say it
    nodes = len(members)  # a member that is down still counts: it holds replicas when back
    over = {n: f for n, f in sorted(wanted.items()) if f > nodes}
    if over:
        listed = ", ".join(f"{n} asks for {f}" for n, f in over.items())
        raise SchemactlError(f"replication factor above the cluster's {nodes} node(s): {listed}; Weaviate keeps "
                             "each replica on its own node: lower the factor or add nodes; nothing was planned")


def index_tasks_on(live: LiveState) -> bool:
    """Whether the server rebuilds property indexes in place (its version decides).
    SCHEMACTL_INDEX_TASKS=off plans a recreate instead (to compare the two, as bench/ does)."""
    from . import versions
    from .settings import switched_off

    if switched_off("INDEX_TASKS"):
        return False
    return versions.has("property_index_tasks", live.version)


def replication_scale_on(reader: RestReader, live: LiveState) -> bool:
    """Whether the server changes replication factors in place (its version, replica movement on)."""
    from . import replication

    return replication.available(reader, live.version, next(iter(sorted(live.raw)), None))


def _refuse_files_naming(hidden: dict[str, str], collections) -> None:
    """A file for a collection the cluster holds but schemactl cannot represent would plan a
    create that fails halfway: refuse it before anything is planned."""
    taken = {name.lower(): name for name in hidden}
    named = sorted(n for n in collections if n.lower() in taken)
    if named:
        reasons = "; ".join(f"{taken[n.lower()]} ({hidden[taken[n.lower()]]})" for n in named)
        raise SchemactlError(f"the cluster already holds {reasons}, which schemactl cannot represent yet: "
                             "a file for it cannot be planned; nothing was planned")


def _refuse_modules_not_enabled(live: LiveState, collections) -> None:
    """A file naming a module the server does not have enabled would fail at create: refuse it
    at plan time, with what the server has."""
    if live.modules is None:
        return
    missing = [(name, module) for name, c in sorted(collections.items()) for module in modules_used(c)
               if module not in live.modules]
    if missing:
        from . import modules

        lines = [f"{name} uses {module}{modules.suggestion(module, list(live.modules))}" for name, module in missing]
        enabled = ", ".join(m for m in live.modules if m.split("-")[0] in {m.split("-")[0] for _, m in missing})
        raise SchemactlError("modules not enabled on this server: " + "; ".join(lines)
                             + f" (it has: {enabled or ', '.join(live.modules) or 'none'}; "
                             "ENABLE_MODULES decides); nothing was planned")


def modules_used(c: Collection) -> list[str]:
    """Every module a collection names: vectorizers, generative, reranker."""
    found = [v.vectorizer.module for v in (c.vectors or {}).values()]
    found += [b.module for b in (c.vectorizer, c.generative, c.reranker) if b is not None]
    return sorted({m for m in found if m != "none"})


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


class StalePlan(SchemactlError):
    """The cluster is no longer what the plan was computed against."""


def preflight(plan: Plan, reader: RestReader) -> None:
    """Before anything changes (even the lock): names that would clash, permissions lacking.
    The caller's permissions are asked for once: first whether it may read everything (else the
    state the other needs are worked out from could be partial), then what the steps need."""
    from .permissions import check, for_bookkeeping, for_plan
    from .state import CHECKPOINTS, LEDGER, LOCK

    permissions = own_permissions(reader)
    live = read_cluster(reader, permissions)
    clashes = name_clashes(plan, live)
    if clashes:
        raise SchemactlError("; ".join(clashes) + "; nothing was applied")
    multi_tenant = {n for n, body in live.raw.items() if _multi_tenant(body)}
    records = (LEDGER, CHECKPOINTS) if any(s.change.moves_data for s in plan.steps) else (LEDGER,)
    needs = for_bookkeeping(LOCK, records) + for_plan(plan.steps, set(live.raw), live.aliases, multi_tenant)
    check(permissions, needs, "this apply")


def name_clashes(plan: Plan, live: LiveState) -> list[str]:
    """Weaviate keeps collections and aliases whose names differ only in case side by side; a
    new name that equals an existing one but for case is refused (a typo far more often than not)."""
    existing = {n.lower(): n for n in (*live.raw, *live.aliases)}
    problems = []
    for step in plan.steps:
        if isinstance(step.change, CreateCollection):
            name = step.change.collection
            other = existing.get(name.lower())
            if other is not None and other != name:
                problems.append(f"{name} differs only in case from {other}, which exists in the cluster")
    return problems


def check_fresh(plan: Plan, live: LiveState, target: Target) -> None:
    """A plan runs only on the cluster it was made for, unchanged since, and only if every step
    is what a fresh diff of the plan's own definitions against the live state gives (a saved plan
    edited by hand, checksum recomputed, is refused here)."""
    if endpoint(plan.target) != target.cluster:
        raise StalePlan(f"this plan was made for {endpoint(plan.target)}, not {target.cluster}; nothing was "
                        "applied: plan against this cluster")
    if fingerprint_live(live.raw, live.aliases) != plan.live_fingerprint:
        raise StalePlan("the cluster changed since this plan was made; nothing was applied: plan again")
    desired = desired_from_plan(plan, live)
    reader = RestReader(target)
    try:
        fresh = diff(live.collections, desired, physical=live.physical, prune=True,
                     index_tasks=index_tasks_on(live), replication_scale=replication_scale_on(reader, live))
        backfilled = with_backfill(fresh, live.collections, desired, live.physical, backfill_candidates(fresh))
        candidates = (*fresh, *backfilled)
        if any(v.reason.startswith(PROBED) for s in plan.steps for v in getattr(s.change, "vectors", ())):
            # reuse decided by a probe: probe again, never take the file's word
            candidates, _ = _probed_once(reader, candidates)
    finally:
        reader.close()
    # a plan made with or without --no-backfill: each step is one of the two forms
    expected = [_without_measurements(change_document(c)) for c in candidates]
    odd = [s for s in plan.steps if _without_measurements(change_document(s.change)) not in expected]
    if odd:
        listed = ", ".join(f"step {s.number} {s.change.kind} {s.change.collection}" for s in odd)
        raise StalePlan(f"{listed} of this plan is not what the live cluster and the plan's own definitions "
                        "give (was the plan file edited?); nothing was applied: plan again")


def _probed_once(reader: RestReader, changes: tuple) -> tuple[tuple, dict[str, float]]:
    """(`changes` with every recreate probed, each distinct one once — a saved plan's check lists
    both backfill forms, which often share a recreate —, collection -> texts a second measured)."""
    import json

    done: dict[str, Probed] = {}
    out = []
    rates: dict[str, float] = {}
    for c in changes:
        if isinstance(c, RecreateCollection):
            key = json.dumps(change_document(c), sort_keys=True)
            if key not in done:
                done[key] = probed(reader, c)
            c, rate = done[key]
            if rate is not None:
                rates[c.collection] = rate
        out.append(c)
    return tuple(out), rates


def _without_measurements(document: dict) -> dict:
    """A step's document without the similarities a probe measured (the action is what counts)."""
    for vector in document.get("vectors", []):
        if PROBED in vector["reason"]:
            vector["reason"] = PROBED
    return document


def desired_from_plan(plan: Plan, live: LiveState) -> dict[str, Collection]:
    """The desired state a plan implies: the live collections, with each step's definition laid
    over them (added properties and vectors added, deleted and renamed-away ones removed)."""
    desired = dict(live.collections)
    for step in plan.steps:
        c = step.change
        if isinstance(c, DeleteCollection):
            desired.pop(c.collection, None)
        elif isinstance(c, (CreateCollection, UpdateInPlace, ReindexProperty, ScaleReplication,
                            RecreateCollection)):
            desired[c.collection] = c.definition
            if c.definition.renamedFrom:
                desired.pop(c.definition.renamedFrom, None)
    defined = {s.change.collection for s in plan.steps if getattr(s.change, "definition", None) is not None}
    for step in plan.steps:
        c = step.change
        if c.collection in defined or c.collection not in desired:
            continue
        current = desired[c.collection]
        if isinstance(c, AddProperty):
            desired[c.collection] = current.model_copy(update={"properties": current.properties + (c.property,)})
        elif isinstance(c, AddNamedVector):
            vectors = dict(current.vectors or {}) | {c.vector_name: c.vector}
            desired[c.collection] = current.model_copy(update={"vectors": vectors})
        elif isinstance(c, PropertyOnlyInCluster):
            kept = tuple(p for p in current.properties if p.name != c.property_name)
            desired[c.collection] = current.model_copy(update={"properties": kept})
    return desired


@dataclass
class ApplyOptions:
    allow_destructive: bool = False
    max_write_pause: float = 10.0  # seconds a cutover may fence the old version (writes to it fail)
    consistency: str = "ALL"  # the level data moves are written at
    command: str = "schemactl apply"
    on_step: Callable = lambda step, status: None
    progress: Callable | None = None  # (label, total, done) -> context manager yielding advance(n)
    notice: Callable[[str], None] = lambda message: None


def apply(plan: Plan, checksum: str, target: Target, options: ApplyOptions | None = None):
    """Execute `plan` under the cluster's lock, recorded in the ledger; returns apply.Report.

    Refuses (StalePlan) when the live schema no longer matches the plan's fingerprint, unless an
    earlier run of this same plan was interrupted: then the steps it finished are skipped."""
    from .apply import Report, apply_plan, blocking_problems
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
        preflight(plan, reader)
        holder = me(options.command)
        acquire_lock(reader, holder)
        try:
            mark_interrupted(reader)
            live = read_live(reader)  # again, under the lock; preflight checked it may be read
            record = last_record_for(reader, checksum)
            if record and record.result == "applied":
                return Report(already_applied_at=record.finishedAt or record.startedAt)
            if record is None:
                check_fresh(plan, live, target)
            problems = blocking_problems(plan, live.collections)
            if problems:
                raise SchemactlError("; ".join(problems) + "; nothing was applied")
            refuse_data_moves_with_nodes_down(reader, plan)
            if record is None:
                steps = [{"step": s.number, "kind": s.change.kind, "collection": s.change.collection}
                         for s in plan.steps]
                record = start_record(reader, checksum, summary(plan), steps, holder)
            else:
                record.result, record.holder = "running", holder.describe()
                update_record(reader, record)
            ctx = Context(reader, target, dict(live.physical), dict(live.collections), dict(live.aliases),
                          set(live.raw), allow_destructive=options.allow_destructive,
                          max_write_pause=options.max_write_pause, consistency=options.consistency,
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
                tenant_ops.set_status(reader, current, {t: "COLD" for t, s in served.items() if tenant_ops.is_active(s)})
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
