"""Execute a plan step by step; return a report instead of dying halfway.

New collections are created as a physical collection `<Name>_v1` plus an alias `<Name>`, so every
later migration is an atomic alias re-point. Weaviate refuses cross-references to an alias, so
references are written with physical names.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import singledispatch

from . import index_task, scale
from .. import modules, index_changes
from ..changes import (AddNamedVector, AddProperty, Change, CreateCollection, DeleteCollection, DiscardCopy, FieldChange,
                       FinishHandOver, RecreateCollection, ReindexProperty, ScaleReplication, UpdateInPlace)
from .context import Context, physical_references, removed_on_failure
from ..errors import Interrupted, SchemactlError
from ..live import wait_for_agreement
from ..naming import next_version
from .recreate import discard_stopped_copy, finish_hand_over, run_recreate
from ..diff import diff_collection
from ..normalize import canonical, merged, stated
from ..plan import Plan, Step
from ..rest_json import from_rest, named_vector_to_rest, property_to_rest, to_rest
from ..spec import vectorizer_modules
from ..spec import PRIMITIVE_TYPES


class NotYetSupported(SchemactlError):
    """A change type without an executor."""


@dataclass
class Report:
    applied: list[Step] = field(default_factory=list)
    pending: list[Step] = field(default_factory=list)
    failed: Step | None = None
    error: str = ""
    skipped: list[Step] = field(default_factory=list)  # done by an earlier, interrupted run
    already_applied_at: str = ""  # the plan was applied before: nothing was done
    serving: dict[int, str] = field(default_factory=dict)  # step -> the version its collection's alias serves then

    @property
    def ok(self) -> bool:
        return self.failed is None and not self.pending


def execute_plan(plan: Plan, ctx: Context, on_step=lambda step, status: None, *,
               done: frozenset[int] = frozenset(), on_done=lambda step: None) -> Report:
    """Run the executable steps in order (skipping those in `done`); stop at the first failure."""
    report = Report()
    steps = [s for s in plan.steps if s.change.executable]
    for index, step in enumerate(steps):
        if step.number in done:
            report.skipped.append(step)
            continue
        on_step(step, "start")
        try:
            execute(step.change, ctx)
            wait_for_agreement(ctx.reader)  # the next step, or the application, may ask any node
        except SchemactlError as error:
            report.failed, report.error = step, str(error)
            report.pending = steps[index + 1:]
            on_step(step, "failed")
            return report
        except KeyboardInterrupt:
            raise Interrupted(f"during step {step.number} ({step.change.kind} {step.change.collection}); what it "
                              "finished is kept: apply again to resume (plan shows what is left)") from None
        report.applied.append(step)
        if step.change.collection in ctx.aliases:  # not after a delete
            report.serving[step.number] = ctx.aliases[step.change.collection]
        on_done(step)
        on_step(step, "done")
    return report


@singledispatch
def execute(change: Change, ctx: Context) -> None:
    raise NotYetSupported(f"no executor for {type(change).__name__}")


@execute.register
def _(change: CreateCollection, ctx: Context) -> None:
    physical = next_version(change.collection, ctx.names_taken())
    body = physical_references(to_rest(change.definition), {**ctx.physical, change.collection: physical})
    body["class"] = physical
    # Collections that reference each other: the reference waits until its target exists.
    waiting = [p for p in body.get("properties", []) if set(p["dataType"]) - ctx.classes - {physical}
               and p["dataType"][0] not in PRIMITIVE_TYPES]
    body["properties"] = [p for p in body.get("properties", []) if p not in waiting]
    ctx.reader.send("POST", "/v1/schema", body, f"create collection {physical}")
    with removed_on_failure(ctx, physical):
        ctx.reader.send("POST", "/v1/aliases", {"alias": change.collection, "class": physical},
                        f"create alias {change.collection} -> {physical}")
    ctx.physical[change.collection] = physical
    ctx.aliases[change.collection] = physical
    ctx.classes.add(physical)
    ctx.deferred += [(change.collection, p) for p in waiting]
    _add_deferred_references(ctx)


def _add_deferred_references(ctx: Context) -> None:
    """Add each waiting reference property whose targets now all exist."""
    for collection, prop in list(ctx.deferred):
        body = physical_references({"properties": [prop]}, ctx.physical)["properties"][0]
        if set(body["dataType"]) <= ctx.classes:
            physical = ctx.physical[collection]
            ctx.reader.send("POST", f"/v1/schema/{physical}/properties", body,
                            f"add reference {prop['name']} to {physical}")
            ctx.deferred.remove((collection, prop))


@execute.register
def _(change: AddProperty, ctx: Context) -> None:
    physical = ctx.physical[change.collection]
    body = property_to_rest(change.property, vectorizer_modules(ctx.live[change.collection]))
    body = physical_references({"properties": [body]}, ctx.physical)["properties"][0]
    ctx.reader.send("POST", f"/v1/schema/{physical}/properties", body, f"add property {change.property.name}")


@execute.register
def _(change: AddNamedVector, ctx: Context) -> None:
    physical = ctx.physical[change.collection]
    current = ctx.reader.get(f"/v1/schema/{physical}")
    current.setdefault("vectorConfig", {})[change.vector_name] = named_vector_to_rest(change.vector)
    ctx.reader.send("PUT", f"/v1/schema/{physical}", current, f"add named vector {change.vector_name}")


@execute.register
def _(change: UpdateInPlace, ctx: Context) -> None:
    """PUT takes the whole class: the live JSON with the desired settings laid over it."""
    physical = ctx.physical[change.collection]
    current = ctx.reader.get(f"/v1/schema/{physical}")
    wanted = stated(change.definition, ((f.path, f.new) for f in change.fields))  # defaults sent too
    desired = physical_references(to_rest(wanted), ctx.physical)
    updated = merged(current, {k: v for k, v in desired.items() if k not in ("class", "properties")})
    updated["moduleConfig"] = _collection_modules(current.get("moduleConfig") or {}, desired.get("moduleConfig") or {})
    if "objectTtlConfig" in current and "objectTtlConfig" not in desired:
        updated["objectTtlConfig"] = {**current["objectTtlConfig"], "enabled": False}
    updated["description"] = desired.get("description", "")  # none in the file: cleared ("" clears it)
    _descriptions(updated.get("properties", []), desired.get("properties", []))
    ctx.reader.send("PUT", f"/v1/schema/{physical}", updated, f"update {physical}")
    kept = _kept_by_server(change, ctx, physical)
    if kept:
        raise SchemactlError(f"{physical}: the server answered the update and kept "
                             + ", ".join(f"{f.path} at {f.old!r} (wanted {f.new!r})" for f in kept))


def _kept_by_server(change: UpdateInPlace, ctx: Context, physical: str) -> list[FieldChange]:
    """The planned settings the collection, read again, still does not have."""
    body = ctx.reader.get(f"/v1/schema/{physical}")
    now = from_rest(body, logical_name=change.collection, logical_names={p: n for n, p in ctx.physical.items()})
    planned = {f.path for f in change.fields}
    return [f for c in diff_collection(now, change.definition, physical)
            for f in getattr(c, "fields", ()) if f.path in planned]


def _descriptions(current: list[dict], desired: list[dict]) -> None:
    """The descriptions the file gives its properties, nested ones too (none: cleared, as "")."""
    wanted = {p["name"]: p for p in desired}
    for prop in current:
        given = wanted.get(prop["name"])
        if given is None:
            continue
        prop["description"] = given.get("description", "")
        if prop.get("nestedProperties") and given.get("nestedProperties"):
            _descriptions(prop["nestedProperties"], given["nestedProperties"])


def _collection_modules(current: dict, desired: dict) -> dict:
    """Collection-level module config: the vectorizer's merged, generative and reranker taken
    from the file as they are (the server refuses two of a kind; one removed from the file goes)."""
    replaced = ("generative", "reranker")
    kept = {m: v for m, v in current.items() if modules.get(m).kind not in replaced}
    return merged(kept, desired)


@execute.register
def _(change: ReindexProperty, ctx: Context) -> None:
    """The server rebuilds the property's indexes; then the property must read as planned."""
    physical = ctx.physical[change.collection]
    index_task.run(ctx, physical, change.property_name, change.operations)
    wanted = canonical(change.definition)["properties"][change.property_name]
    index_task.verify(ctx, physical, change.property_name, {k: wanted[k] for k in index_changes.SETTINGS if k in wanted})


@execute.register
def _(change: ScaleReplication, ctx: Context) -> None:
    scale.scale(ctx, ctx.physical[change.collection], change.factor)


@execute.register
def _(change: RecreateCollection, ctx: Context) -> None:
    run_recreate(change, ctx)


@execute.register
def _(change: FinishHandOver, ctx: Context) -> None:
    finish_hand_over(change, ctx)


@execute.register
def _(change: DiscardCopy, ctx: Context) -> None:
    discard_stopped_copy(change, ctx)


@execute.register
def _(change: DeleteCollection, ctx: Context) -> None:
    """Delete the alias (if any) and the collection behind it; older versions are left alone."""
    if ctx.aliases.get(change.collection) is not None:
        ctx.reader.send("DELETE", f"/v1/aliases/{change.collection}", None, f"delete alias {change.collection}")
        ctx.aliases.pop(change.collection)
    ctx.reader.send("DELETE", f"/v1/schema/{change.physical}", None, f"delete collection {change.physical}")
    ctx.classes.discard(change.physical)
    ctx.physical.pop(change.collection, None)
