"""Execute a plan step by step; return a report instead of dying halfway.

New collections are created as a physical collection `<Name>_v1` plus an alias `<Name>`, so every
later migration is an atomic alias re-point. Weaviate refuses cross-references to an alias, so
references are written with physical names.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import singledispatch

from .changes import (AddNamedVector, AddProperty, Change, CreateCollection, DeleteCollection,
                      PropertyOnlyInCluster, RecreateCollection, UpdateInPlace)
from .errors import SchemactlError
from .live import RestReader
from .normalize import merged
from .plan import Plan, Step
from .rest import named_vector_to_rest, property_to_rest, to_rest, vectorizer_modules
from .spec import Collection


class NotYetSupported(SchemactlError):
    """A step kind this version of apply cannot execute."""


@dataclass
class Report:
    applied: list[Step] = field(default_factory=list)
    pending: list[Step] = field(default_factory=list)
    failed: Step | None = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.failed is None and not self.pending


@dataclass
class Context:
    reader: RestReader
    physical: dict[str, str]  # logical -> physical, updated as collections are created
    live: dict[str, Collection]  # logical -> live definition, as the plan was computed against


def first_physical_name(logical: str) -> str:
    return f"{logical}_v1"


def unsupported_steps(plan: Plan) -> list[Step]:
    return [s for s in plan.steps if isinstance(s.change, (RecreateCollection, DeleteCollection))]


def apply_plan(plan: Plan, ctx: Context, on_step=lambda step, status: None) -> Report:
    """Run the executable steps in order; stop at the first failure and report the rest."""
    report = Report()
    steps = [s for s in plan.steps if s.change.executable]
    for index, step in enumerate(steps):
        on_step(step, "start")
        try:
            execute(step.change, ctx)
        except SchemactlError as error:
            report.failed, report.error = step, str(error)
            report.pending = steps[index + 1:]
            on_step(step, "failed")
            return report
        report.applied.append(step)
        on_step(step, "done")
    return report


@singledispatch
def execute(change: Change, ctx: Context) -> None:
    raise NotYetSupported(f"no executor for {type(change).__name__}")


@execute.register
def _(change: CreateCollection, ctx: Context) -> None:
    physical = first_physical_name(change.collection)
    body = physical_references(to_rest(change.definition), ctx.physical)
    body["class"] = physical
    ctx.reader.send("POST", "/v1/schema", body, f"create collection {physical}")
    ctx.reader.send("POST", "/v1/aliases", {"alias": change.collection, "class": physical},
                    f"create alias {change.collection} -> {physical}")
    ctx.physical[change.collection] = physical


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
    desired = physical_references(to_rest(change.definition), ctx.physical)
    updated = merged(current, {k: v for k, v in desired.items() if k not in ("class", "properties")})
    by_name = {p["name"]: p for p in desired.get("properties", [])}
    for prop in updated.get("properties", []):
        if prop["name"] in by_name and "description" in by_name[prop["name"]]:
            prop["description"] = by_name[prop["name"]]["description"]
    ctx.reader.send("PUT", f"/v1/schema/{physical}", updated, f"update {physical}")


@execute.register
def _(change: PropertyOnlyInCluster, ctx: Context) -> None:  # not executable; listed for completeness
    return None


@execute.register
def _(change: RecreateCollection, ctx: Context) -> None:
    raise NotYetSupported("data migrations (recreate) are not implemented yet")


@execute.register
def _(change: DeleteCollection, ctx: Context) -> None:
    raise NotYetSupported("deleting collections is not implemented yet")


# ---- helpers --------------------------------------------------------------------------------

def physical_references(body: dict, physical: dict[str, str]) -> dict:
    """REST class JSON with cross-reference targets renamed to physical collections."""
    body = copy.deepcopy(body)
    for prop in body.get("properties", []):
        prop["dataType"] = [physical.get(t, t) for t in prop["dataType"]]
    return body
