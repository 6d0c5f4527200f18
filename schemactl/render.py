"""Plans and reports as text or JSON. Renderers return strings; only cli.py prints."""
from __future__ import annotations

import json
from functools import singledispatch

import click

from . import modules
from .changes import (AddNamedVector, AddProperty, Change, CreateCollection, DeleteCollection,
                      DiscardCopy, FinishHandOver, RecreateCollection, ReindexProperty, ScaleReplication,
                      UpdateInPlace)
from .naming import is_version_of
from .plan import BUCKETS, Plan, Step, dollars, summary, to_document
from .spec import TIMESTAMPS, Collection

IN_SYNC = "No changes. The cluster matches the files."
BLIND = "No changes to what schemactl can see, but the cluster holds collections it cannot represent."
COLORS = {"+": "green", "~": "yellow", "-/+": "magenta", "-": "red", "!": "red"}


def render_json(plan: Plan, *, error: str | None = None) -> str:
    """The saved-plan document; with `error`, why plan exits 1 instead of saving it."""
    document = to_document(plan) | ({"error": error} if error else {})
    return json.dumps(document, indent=2, sort_keys=False)


def render_text(plan: Plan, *, color: bool = False) -> str:
    lines: list[str] = [f"warning: {w}" for w in plan.warnings] + ([""] if plan.warnings else [])
    lines += environment_lines(plan)
    if plan.has_changes:
        lines.append(f"schemactl will make these changes to {plan.target}:")
        for collection, steps in grouped(plan.steps):
            lines.append("")
            lines.extend(_collection_block(collection, steps, color, plan.price_per_1k_texts))
    else:
        lines.append(IN_SYNC if not plan.unmanageable else BLIND)
    if plan.unmanageable:
        lines += ["", "Cannot manage (schemactl cannot represent them; never changed or deleted):"]
        lines += [f"  ! {name}: {why}" for name, why in plan.unmanageable]
    if plan.unmanaged:
        lines += ["", "Unmanaged collections (no file; left alone unless planned with --prune): " + _names(plan.unmanaged)]
    if plan.retained:
        lines += ["", "Kept for rollback: " + _names(plan.retained) + _handed_over_first(plan)]
    if plan.unfinished:
        lines += ["", "Unfinished copies (no alias ever served them; not a rollback target: the next apply of the "
                      "same change resumes one; otherwise the plan discards it): " + _names(plan.unfinished)]
    if plan.has_changes:
        lines += ["", summary_line(plan)]
    return "\n".join(lines) + "\n"


NAMES_SHOWN = 20


def environment_lines(plan: Plan) -> list[str]:
    if plan.environment is None:
        return []
    overrides = "; ".join(plan.overridden) if plan.overridden else "none"
    return [f"Environment {plan.environment} (its overrides of the files: {overrides})", ""]


def _handed_over_first(plan: Plan) -> str:
    """Versions kept for rollback that a finish-hand-over step leaves: rollback refuses them until
    it has run."""
    pending = [f"{s.change.physical} once step {s.number} has run"
               for s in plan.steps if isinstance(s.change, FinishHandOver) and s.change.physical in plan.retained]
    return f" ({'; '.join(pending)}: rollback refuses it until then)" if pending else ""


def _names(names: tuple[str, ...]) -> str:
    """A readable list: the first few names, then how many more (`--json` has them all)."""
    shown = ", ".join(names[:NAMES_SHOWN])
    return shown + (f" and {len(names) - NAMES_SHOWN} more (--json lists them all)" if len(names) > NAMES_SHOWN else "")


def summary_line(plan: Plan) -> str:
    """Collections by what happens to each (counted once, under its block's symbol), then the
    steps that do it: a collection can take several (properties added, its settings updated)."""
    s = summary(plan)
    blocks = grouped(plan.steps)
    counts = {bucket: sum(_strongest(steps).change.bucket == bucket for _, steps in blocks) for bucket in BUCKETS}
    recreate = f"{counts['recreate']} to recreate"
    if counts["recreate"]:
        costs = "".join([f", ~{duration(s['estimated_embedding_seconds'])}"
                         if s["estimated_embedding_seconds"] is not None else "",
                         f", ~{dollars(s['estimated_cost'])}" if s["estimated_cost"] is not None else ""])
        partly = f", {s['partly_reembed_objects']:,} of them in some vectors only (the others reused)" \
            if s["partly_reembed_objects"] else ""
        recreate += (f" (re-embed {s['reembed_objects']:,} objects{partly}{costs}; "
                     f"reuse {'every vector' if partly else 'vectors'} for {s['reuse_objects']:,})")
    return (f"Plan: {_counted(len(blocks), 'collection')} in {_counted(len(plan.steps), 'step')}: "
            f"{counts['create']} to create, {counts['update_in_place']} to change in place, {recreate}, "
            f"{counts['delete']} to delete.")


def _counted(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def grouped(steps: tuple[Step, ...]) -> list[tuple[str, list[Step]]]:
    """Steps by collection, collections in order of their first step."""
    groups: dict[str, list[Step]] = {}
    for step in steps:
        groups.setdefault(step.change.collection, []).append(step)
    return list(groups.items())


def _collection_block(collection: str, steps: list[Step], color: bool, price: float | None) -> list[str]:
    symbol = _strongest(steps).change.symbol
    title = f"{symbol} {collection}"
    lines = [click.style(title, fg=COLORS[symbol], bold=True) if color else title]
    for step in steps:
        lines.extend("    " + line for line in describe(step.change, step))
        if step.texts_to_embed:
            lines.append("    " + _embedding_time(step) + _embedding_cost(step, price))
    return lines


def _strongest(steps: list[Step]) -> Step:
    """The step a collection's block is marked (and counted in the summary) by."""
    order = ["!", "~", "+", "-/+", "-"]
    return max(steps, key=lambda s: order.index(s.change.symbol))


@singledispatch
def describe(change: Change, step: Step) -> list[str]:
    raise NotImplementedError(f"no renderer for {type(change).__name__}")


@describe.register
def _(change: CreateCollection, step: Step) -> list[str]:
    c = change.definition
    props = ", ".join(f"{p.name} ({'|'.join(p.data_types)})" for p in c.properties) or "none"
    if c.vectors:
        vectors = "; ".join(f"{n}: {_vectorizer(v.vectorizer)}" for n, v in c.vectors.items())
    else:
        vectors = _vectorizer(c.vectorizer)
    return ["create collection", f"properties: {props}", f"vectors: {vectors}"]


@describe.register
def _(change: AddProperty, step: Step) -> list[str]:
    p = change.property
    return [f"+ property {p.name} ({'|'.join(p.data_types)}) — existing objects are not re-vectorized"]


@describe.register
def _(change: AddNamedVector, step: Step) -> list[str]:
    return [(f"+ named vector {change.vector_name}: {_vectorizer(change.vector.vectorizer)} "
            "— existing objects get no value for it")]


@describe.register
def _(change: UpdateInPlace, step: Step) -> list[str]:
    return ["update in place"] + [f"{f.path}: {_value(f.old)} -> {_value(f.new)}" for f in change.fields]


@describe.register
def _(change: ReindexProperty, step: Step) -> list[str]:
    lines = [f"reindex property {change.property_name} in place (a server task; no data copied, vectors kept)"]
    lines += [f"{f.path}: {_value(f.old)} -> {_value(f.new)}" for f in change.fields]
    dropped = [o.index for o in change.operations if o.action == "disable"]
    if dropped:
        lines.append(f"the {', '.join(dropped)} index{'es' if len(dropped) > 1 else ''} dropped: no version is kept to "
                     "roll back to (turning one on again builds it anew, or copies where the server cannot build it)")
    return lines


@describe.register
def _(change: ScaleReplication, step: Step) -> list[str]:
    how = ("scale replication through the server's replication scale API: it copies (or drops) shard "
           "replicas between nodes; no object passes through schemactl, the collection stays where it is")
    return [how] + [f"{f.path}: {_value(f.old)} -> {_value(f.new)}" for f in change.fields]


@describe.register
def _(change: FinishHandOver, step: Step) -> list[str]:
    said = []
    if change.alias_left:
        said.append(f"finish the first cutover an earlier apply left after deleting {change.physical} (made outside "
                    f"schemactl) to free its name: the alias {change.collection} is made for {change.target}, the "
                    "verified copy")
    if change.old_alias:
        said.append(f"finish the rename an earlier apply left after pointing {change.collection} at {change.target}: "
                    f"the alias {change.old_alias}, still at {change.physical}, is removed")
    if change.multi_tenant and change.alias_left:
        said.append(f"then {change.target}'s tenants take the statuses they had in {change.physical}; its "
                    f"autoTenantActivation goes back to {str(change.auto_activation).lower()}")
    elif change.multi_tenant:
        said.append(f"finish the recreate an earlier apply left after moving the alias to {change.target}: tenants "
                    f"created in {change.physical} as the alias moved are carried over, {change.physical}'s tenants "
                    f"go to sleep and {change.target}'s take the statuses they had there (a status the application "
                    f"gave one in {change.target} since the stop is set back to that); its autoTenantActivation "
                    f"goes back to {str(change.auto_activation).lower()}")
    if not said:
        said.append(f"finish the recreate an earlier apply left just after moving the alias to {change.target}: "
                    f"it is recorded as done, and {change.physical} kept for rollback")
    return said


@describe.register
def _(change: DiscardCopy, step: Step) -> list[str]:
    return [(f"discard the copy into {change.target} an earlier apply stopped in before moving the alias: the files no "
             f"longer ask for a recreate of {change.collection}. {change.target} (never served) is deleted, and "
             f"{change.physical} is as it was: a fence the stopped apply set on its writes is lifted")]


@describe.register
def _(change: RecreateCollection, step: Step) -> list[str]:
    forced = {f.path for f in change.reasons}
    filled = sorted(f.path.removeprefix("vectors.") for f in change.reasons  # a whole vector, not a setting of one
                    if f.path.startswith("vectors.") and f.path.count(".") == 1 and f.old is None)
    followed = sorted(p.removeprefix("references.") for p in forced if p.startswith("references."))
    moved = _moved_paths(change)
    settings = sorted(forced - {f"vectors.{v}" for v in filled} - {f"references.{t}" for t in followed} - moved)
    why = [f"{', '.join(settings)} cannot change in place"] if settings else []
    why += ["Weaviate cannot rename, retype or delete a property or rename or delete a named vector"] \
        if forced & moved else []
    why += [f"its references must follow {', '.join(followed)} to the new version"] if followed else []
    why += [(f"the added named vector(s) {', '.join(filled)} are filled for the existing objects (Weaviate "
            "cannot fill them in place; --no-backfill adds them empty)")] if filled else []
    renaming = bool(change.definition.renamedFrom) and not is_version_of(change.physical, change.collection)
    moves = not change.adopts and not renaming  # its alias serves the source already (made by hand, or not)
    alias = f"the alias '{change.collection}' moves to it" if moves else f"'{change.collection}' becomes an alias to it"
    lines = [f"recreate: {'; '.join(why)}; the data moves to a new collection and {alias}"]
    if change.version_note:
        lines.append(f"note: {change.version_note}")
    if _uses_write_times(change.definition):
        expiry = "; objectTtlConfig counts each object's time to expire from its copy" \
            if _expires_by_write_time(change.definition) else ""
        lines.append("note: every object's creation and update times become those of its copy (Weaviate sets them on "
                     f"each write){expiry}")
    if change.adopts:
        lines.append(f"{change.collection} was made outside schemactl: it is deleted to free its name for the alias, "
                     "so there will be no version to roll back to (needs --allow-destructive)")
    old = change.definition.renamedFrom
    if old and is_version_of(change.physical, old):
        lines.append(f"rename: the alias {old} is removed at the cutover (applications must use {change.collection}); "
                     f"{change.physical} is kept, read-only, with no rollback to it: a rename has none")
    for f in change.fields:
        if f.path in moved:
            continue  # said by its property or vector line
        note = "   # forces recreation" if f.path in forced else ""
        lines.append(f"{f.path}: {_value(f.old)} -> {_value(f.new)}{note}")
    checks = {v.property: v for v in (step.estimate.values if step.estimate else ())}
    lines += [_property_move(m, checks.get(m.source)) for m in change.property_moves]
    gone = sorted(m.source for m in change.property_moves if m.name != m.source)
    if gone:
        lines.append(f"note: writes that still name {', '.join(gone)} after the cutover are refused, unless the "
                     "server's auto-schema is on (Weaviate's default): then it adds the property back to the new "
                     "version; ship the application's new names with the cutover")
    for v in change.vectors:
        how = {"reuse": "reuse stored vectors", "re-embed": "re-embed", "drop": "dropped (destructive)",
               "empty": "starts empty"}[v.action]
        renamed = f" (renamed from {v.source})" if v.source else ""
        lines.append(f"vector {v.name}{renamed}: {how} ({v.reason})")
    if step.estimate is not None:
        e = step.estimate
        tenants = f" in {len(e.per_tenant)} tenants" if e.per_tenant else ""
        if e.asleep_tenants:
            tenants += (f" awake, and {e.asleep_tenants:,} tenant(s) asleep not counted (reading them would wake "
                        "them; the copy moves them too)")
        requests = f"{step.embedding_requests:,} request{'' if step.embedding_requests == 1 else 's'}"
        embed = (f"; ~{e.text_chars:,} characters to embed in {requests}"
                 if change.reembeds else "; nothing to embed")
        if step.minimum_embedding_seconds >= 60:
            embed += f" (at least {duration(step.minimum_embedding_seconds)}: {step.budget_note()})"
        lines.append(f"data: {e.objects:,} objects{tenants}{embed}{_resumed(e.objects, e.copied, change.reembeds)}")
    return lines


def _resumed(objects: int, copied: int, reembeds: bool) -> str:
    """What an unfinished copy made for this same change leaves: apply resumes it."""
    if not copied:
        return ""
    whole = f" (the estimates are for all {objects:,})" if reembeds else ""
    resumes = f"and apply resumes it where it stopped{whole}"
    if copied >= objects:
        return f"; an unfinished copy of this change holds all of them already, {resumes}"
    return (f"; about {objects - copied:,} objects left to {'re-embed' if reembeds else 'copy'} of {objects:,}: an "
            f"unfinished copy of this change holds {copied:,}, {resumes}")


def _expires_by_write_time(collection: Collection) -> bool:
    ttl = collection.objectTtlConfig
    return bool(ttl and ttl.enabled and ttl.deleteOn in TIMESTAMPS)


def _uses_write_times(collection: Collection) -> bool:
    """Whether anything of the collection reads the times a copy resets: expiry, or filters on them."""
    index = collection.invertedIndexConfig
    return _expires_by_write_time(collection) or bool(index and index.indexTimestamps)


def _moved_paths(change: RecreateCollection) -> set[str]:
    """The field paths a property or vector move stands for (rendered as the move)."""
    paths = set()
    for m in change.property_moves:
        paths |= ({f"properties.{m.source}"} if m.dropped
                  else {f"properties.{m.name}.name", f"properties.{m.name}.dataType"})
        paths |= {f"properties.{m.name}.nestedProperties." + ".nestedProperties.".join(n.split("."))
                  for n in m.dropped_nested}
    for v in change.vectors:
        paths |= {f"vectors.{v.name}"} if v.action == "drop" else ({f"vectors.{v.name}.name"} if v.source else set())
    return paths


def _property_move(move, check) -> str:
    """One renamed, retyped or dropped property, with what the plan read of its values and the
    nested properties it loses."""
    line = _values_move(move, check)
    if move.dropped_nested and not move.only_nested_dropped:
        gone = ", ".join(f"{move.name}.{n}" for n in move.dropped_nested)
        holding = f" ({check.nested_held:,} object(s) hold one)" if check else ""
        line += f"; nested {gone} dropped, {'its' if len(move.dropped_nested) == 1 else 'their'} values are not " \
                f"copied{holding} (destructive)"
    return line


def _values_move(move, check) -> str:
    held = f"{check.held:,} object(s) hold a value" if check else "values not read"
    why = "" if move.dropped or move.conversion != "parsing" else \
        " (the copy converts them as it goes and stops at a value that does not convert)"
    asleep = f"; {check.unread_tenants:,} tenant(s) asleep not read{why}" if check and check.unread_tenants else ""
    if move.dropped:
        return (f"property {move.source} ({move.old_type}): dropped, its values are not copied ({held}){asleep} "
                "(destructive)")
    renamed = f"{move.source} -> {move.name}" if move.source != move.name else move.name
    if move.only_nested_dropped:
        gone = ", ".join(f"{move.name}.{n}" for n in move.dropped_nested)
        holding = f"{check.held:,} object(s) hold one" if check else "values not read"
        return (f"property {move.name}: nested {gone} dropped, their values are not copied ({holding}){asleep} "
                "(destructive)")
    if move.conversion is None:
        return f"property {renamed}: renamed, values move to the new name ({held}){asleep}"
    kind = f"{move.old_type} -> {move.new_type}"
    if move.conversion == "unsupported":
        return f"property {renamed}: {kind}: cannot convert ({move.reason})"
    if move.conversion == "widening":
        return f"property {renamed}: {kind}, every value converts ({held}){asleep}"
    converts = f"{check.held - check.failing:,} of {check.held:,} convert" if check else "values not read"
    otherwise = {"refuse": "", "null": "; those that do not are left empty (onConvertError: null)",
                 "skipObject": "; objects whose value does not convert are not copied (onConvertError: skipObject)"}
    lossy = " (destructive)" if move.on_error != "refuse" else ""  # values, or objects, left behind
    return f"property {renamed}: {kind}, parsed: {converts}{otherwise[move.on_error]}{asleep}{lossy}"


def _embedding_time(step: Step) -> str:
    seconds = step.estimated_seconds
    if seconds is None:
        return f"embedding: {step.texts_to_embed:,} texts; time unknown (plan --probe measures the rate)"
    rate = step.estimate.texts_per_second if step.estimate else None
    return (f"embedding: {step.texts_to_embed:,} texts, ~{duration(seconds)} "
            f"(measured {rate:,.0f} texts/s on the probe's sample)")


def _embedding_cost(step: Step, price: float | None) -> str:
    cost = step.embedding_cost(price)
    return "" if cost is None else f", ~{dollars(cost)} at ${price:g} per 1,000 texts"


@describe.register
def _(change: DeleteCollection, step: Step) -> list[str]:
    if step.estimate is None:
        return [f"delete collection {change.physical} and all its objects (destructive)"]
    asleep = step.estimate.asleep_tenants
    uncounted = f", and the objects of {asleep:,} tenant(s) asleep (not counted)" if asleep else ""
    objects = step.estimate.objects
    return [f"delete collection {change.physical} and all its {objects:,} object(s){uncounted} (destructive)"]


def _vectorizer(v) -> str:
    if v is None or v.module == "none":
        return "none (bring your own vectors)"
    settings = v.model_dump(mode="json", exclude_none=True, exclude={"module"})
    selected = ", ".join(f"{k} {val}" for k, val in modules.vector_identity(v.module, settings).items())
    return f"{v.module} ({selected or 'its default model'})"


def duration(seconds: float) -> str:
    if seconds < 60:
        return f"{max(seconds, 1):.0f} s"
    minutes = seconds / 60
    return f"{minutes:,.0f} min" if minutes < 120 else f"{minutes / 60:,.1f} h"


def _value(value: object) -> str:
    return json.dumps(value) if not isinstance(value, str) else f'"{value}"'


def modules_report(*, as_json: bool) -> str:
    """The module registry as a table (or JSON): kind, typed or generic, and for typed ones
    which settings change the vectors and which the server changes in place."""
    rows: list[dict] = []
    for name, m in modules.MODULES.items():
        rows.append({"module": name, "kind": m.kind, "typed": m.typed,
                     "changes_vectors": [s.name for s in m.settings if s.vectors],
                     "in_place": [s.name for s in m.settings if s.in_place],
                     "defaults": m.server_defaults()})
    if as_json:
        return json.dumps(rows, indent=2)
    lines = [f"{'module':<26} {'kind':<11} {'settings':<8} re-embeds when these change (in place: *)"]
    for row in rows:
        settings = [f"{s}*" for s in row["in_place"]] + row["changes_vectors"]
        detail = ", ".join(settings) if row["typed"] else ("any setting" if row["kind"] == "vectorizer" else "-")
        if row["module"] == "none":
            detail = "- (the application brings the vectors; they are always copied)"
        lines.append(f"{row['module']:<26} {row['kind']:<11} {'typed' if row['typed'] else 'generic':<8} {detail}")
    return "\n".join(lines)
