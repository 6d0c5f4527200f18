"""The library API the CLI stands on: read files and cluster, compute a plan, pull."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .changes import RecreateCollection
from .connection import Target
from .diff import diff, unmanaged
from .errors import SchemactlError
from .live import RETAINED, LiveState, RestReader, count_objects, estimate, read_live
from .loader import find_files
from .plan import Plan, fingerprint_live, hash_files, make_plan, references_of
from .validate import Result, validate_paths


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


def compute_plan(paths: list[Path], target: Target, *, prune: bool = False) -> tuple[Plan, LiveState]:
    """Files vs cluster -> Plan (reads only; changes nothing)."""
    desired = load_desired(paths)
    reader = RestReader(target)
    try:
        live = read_live(reader)
        collections = desired.result.collections
        changes = diff(live.collections, collections, physical=live.physical, prune=prune)
        by_physical = {p: live.collections[n] for n, p in live.physical.items()}
        estimates = {c.collection: estimate(reader, c.physical, by_physical[c.physical], c.reembeds)
                     for c in changes if isinstance(c, RecreateCollection)}
    finally:
        reader.close()
    not_managed = tuple(unmanaged(live.collections, collections)) if not prune else ()
    retained = tuple(v for versions in live.retained.values() for v in versions)
    plan = make_plan(changes, target=target.url, desired_hash=desired.files_hash,
                     live_fingerprint=fingerprint_live(live.raw, live.aliases), estimates=estimates,
                     references=references_of(collections), unmanaged=not_managed, retained=retained)
    return plan, live


def pull(target: Target, names: list[str]) -> dict[str, str]:
    """YAML text per live collection (logical name), server defaults left out."""
    import yaml

    from .normalize import minimal

    reader = RestReader(target)
    try:
        live = read_live(reader)
    finally:
        reader.close()
    missing = [n for n in names if n not in live.collections]
    if missing:
        known = ", ".join(sorted(live.collections)) or "none"
        raise SchemactlError(f"no collection named {', '.join(missing)} in the cluster (it has: {known})")
    out = {}
    for name in names or sorted(live.collections):
        data = minimal(live.collections[name]).model_dump(mode="json", exclude_none=True)
        out[name] = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    return out


class StalePlan(SchemactlError):
    """The cluster is no longer what the plan was computed against."""


@dataclass
class ApplyOptions:
    allow_destructive: bool = False
    command: str = "schemactl apply"
    on_step: Callable = lambda step, status: None
    progress: Callable | None = None  # (label, total, done) -> context manager yielding advance(n)
    notice: Callable[[str], None] = lambda message: None


def apply(plan: Plan, checksum: str, target: Target, options: ApplyOptions | None = None):
    """Execute `plan` under the cluster's lock, recorded in the ledger; returns apply.Report.

    Refuses (StalePlan) when the live schema no longer matches the plan's fingerprint, unless an
    earlier run of this same plan was interrupted: then the steps it finished are skipped."""
    from .apply import Context, Report, apply_plan, blocking_problems, no_progress
    from .plan import summary
    from .state import (acquire_lock, last_record_for, mark_interrupted, me, release_lock, start_record,
                        update_record, now)

    options = options or ApplyOptions()
    reader = RestReader(target)
    try:
        holder = me(options.command)
        acquire_lock(reader, holder)
        try:
            mark_interrupted(reader)
            live = read_live(reader)
            record = last_record_for(reader, checksum)
            if record and record.result == "applied":
                return Report(already_applied_at=record.finishedAt or record.startedAt)
            if record is None and fingerprint_live(live.raw, live.aliases) != plan.live_fingerprint:
                raise StalePlan("the cluster changed since this plan was made; nothing was applied: plan again")
            problems = blocking_problems(plan, live.collections)
            if problems:
                raise SchemactlError("; ".join(problems) + "; nothing was applied")
            if record is None:
                steps = [{"step": s.number, "kind": s.change.kind, "collection": s.change.collection}
                         for s in plan.steps]
                record = start_record(reader, checksum, summary(plan), steps, holder)
            else:
                record.result, record.holder = "running", holder.describe()
                update_record(reader, record)
            ctx = Context(reader, target, dict(live.physical), dict(live.collections), dict(live.aliases),
                          set(live.raw), options.allow_destructive, options.progress or no_progress,
                          options.notice)

            def step_done(step) -> None:
                record.stepsDone = sorted(set(record.stepsDone) | {step.number})
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


def rollback(target: Target, name: str, command: str = "schemactl rollback") -> Rollback:
    """Point alias `name` back at the newest older physical version; recorded in the ledger."""
    from .state import acquire_lock, me, now, release_lock, start_record, update_record

    reader = RestReader(target)
    try:
        holder = me(command)
        acquire_lock(reader, holder)
        try:
            live = read_live(reader)
            current = live.aliases.get(name)
            if current is None:
                raise SchemactlError(f"{name} is not an alias in this cluster: nothing to roll back")
            older = _versions(name, live.raw, below=_version(current))
            if not older:
                raise SchemactlError(f"no earlier version of {name} is kept in the cluster (it points at {current})")
            previous = older[-1]
            record = start_record(reader, f"rollback:{name}:{current}->{previous}", {"rollback": name},
                                  [{"step": 1, "kind": "rollback", "collection": name}], holder)
            reader.send("PUT", f"/v1/aliases/{name}", {"class": previous}, f"re-point alias {name} -> {previous}")
            record.result, record.stepsDone, record.finishedAt = "applied", [1], now()
            update_record(reader, record)
            return Rollback(name, current, previous, count_objects(reader, current, None)
                            if not _multi_tenant(live.raw[current]) else -1,
                            count_objects(reader, previous, None) if not _multi_tenant(live.raw[previous]) else -1)
        finally:
            release_lock(reader)
    finally:
        reader.close()


def old_versions(target: Target, names: list[str]) -> dict[str, list[str]]:
    """Logical name -> physical versions no alias points at (kept for rollback)."""
    reader = RestReader(target)
    try:
        live = read_live(reader)
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
            live = read_live(reader)
            serving = set(live.aliases.values())
            if serving & set(versions):
                raise SchemactlError(f"{', '.join(sorted(serving & set(versions)))} is served by an alias; not dropped")
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
        read_live(reader)  # a clear error when the cluster is not usable
        holder = read_lock(reader)
        release_lock(reader)
        return holder
    finally:
        reader.close()
