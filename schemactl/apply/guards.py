"""Every refusal of an apply, as one ordered list. The library runs the whole list for every
caller before the first change: the CLI, a deploy script calling `api.apply`, a CI job. Each guard
returns what it finds wrong (nothing: go on); a stage's findings are refused together.

Stages, in order: "plan" needs the plan and the caller's limits only (the CLI asks for it before
it asks for confirmation); "cluster" reads the cluster before the lock is taken (names, the
caller's permissions); "locked" runs under the cluster's lock, just before the first step
(freshness, blocking problems, nodes down)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from pathlib import Path

from .. import __version__, policy, replicas, tenants
from ..changes import CreateCollection, DeleteCollection, RecreateCollection
from ..connection import Target, connect
from ..diff import backfill_candidates, with_backfill
from ..errors import SchemactlError
from ..live import LiveState, RestClient, describe_down, estimate, node_statuses, nodes_down
from ..permissions import (for_bookkeeping, for_plan, for_shard_status, for_the_cluster, lacking_message, missing,
                           own_permissions)
from ..plan import Estimate, Plan, Step, change_document, fingerprint_live, summary
from ..plan_warnings import moving_replicated_data
from ..planning import (Managed, changes_on, desired_from_plan, embedded_text, managed, probed_once, read_cluster,
                        stopped_copies, without_measurements)
from ..probe import PREFIX as PROBED
from ..redact import endpoint
from ..rest_json import multi_tenant_json
from ..spec import Collection
from ..state import CHECKPOINTS, LEDGER, LOCK


class Refused(SchemactlError):
    """A guard's findings: the plan does not run; nothing was changed."""


@dataclass(frozen=True)
class Limits:
    """What the caller allows."""

    allow_destructive: bool = False
    max_reembed: int | None = None  # objects a plan may re-embed (None: any number)
    policy: Path | None = None  # a policy file (schemactl.yaml); None: no policy
    saved: bool = False  # the plan was read from a saved plan file


@dataclass
class Situation:
    """What the guards look at. `reader` and `live` are there from the "cluster" stage on;
    `resumed`: an earlier run of this very plan was interrupted (its freshness was checked then)."""

    plan: Plan
    limits: Limits
    target: Target | None = None
    reader: RestClient | None = None
    live: LiveState | None = None
    permissions: list[dict] | None = None  # the caller's (None: the cluster has no RBAC)
    resumed: bool = False
    done: frozenset[int] = frozenset()  # the steps an interrupted run of this plan finished
    known: Managed | None = None  # the live state as the ledger says schemactl manages it, read once a `live`


Guard = Callable[[Situation], list[str]]


# ---- stage "plan" ------------------------------------------------------------------------------

def reembed_limit(situation: Situation) -> list[str]:
    """--max-reembed: a plan that would re-embed more objects than the limit is refused whole."""
    limit = situation.limits.max_reembed
    count = summary(situation.plan)["reembed_objects"]
    if limit is None or count <= limit:
        return []
    return [f"this plan re-embeds {count:,} objects, more than --max-reembed {limit:,}"]


def policy_findings(plan: Plan, path: Path | None) -> list[policy.Finding]:
    """What the plan breaks in the policy file (none without one)."""
    return [] if path is None else policy.check(plan, _policy_for(plan, path), date.today())


def _policy_for(plan: Plan, path: Path) -> policy.Policy:
    """The policy file's rules for the plan's environment."""
    return policy.load(path, date.today()).for_environment(plan.environment)


def within_policy(situation: Situation) -> list[str]:
    """The policy's limits, and (requireFreshPlan) only a recent saved plan."""
    path = situation.limits.policy
    if path is None:
        return []
    loaded = _policy_for(situation.plan, path)
    why = policy.unreviewed(loaded, situation.limits.saved, situation.plan.created_at, datetime.now(timezone.utc))
    refused = [f.describe() for f in policy.blocking(policy.check(situation.plan, loaded, date.today()))]
    found = ([why] if why else []) + refused
    return [f"refused by the policy in {path}: " + "; ".join(found)] if found else []


def destructive_steps(plan: Plan) -> list[Step]:
    """Steps that delete something: deletes, the first cutover of a collection made outside
    schemactl (its name must be freed for the alias), recreates that leave properties, vectors
    or unconvertible values behind."""
    return [s for s in plan.steps if s.change.is_destructive()]


def destructive_allowed(situation: Situation) -> list[str]:
    destructive = destructive_steps(situation.plan)
    if not destructive or situation.limits.allow_destructive:
        return []
    names = "; ".join(f"step {s.number} {s.change.kind} {s.change.collection}{_what_goes(s.change)}"
                      for s in destructive)
    return [f"destructive steps need --allow-destructive: {names}"]


def _what_goes(change) -> str:
    if not isinstance(change, RecreateCollection):
        return ""
    gone = ([f"deletes {change.physical}, with no version kept to roll back to"] if change.adopts else []) \
        + [f"drops {what}" for what in change.drops]
    return f" ({'; '.join(gone)})"


# ---- stage "cluster" ---------------------------------------------------------------------------

def name_clashes(situation: Situation) -> list[str]:
    """Weaviate keeps collections and aliases whose names differ only in case side by side; a
    new name that equals an existing one but for case is refused (a typo far more often than not)."""
    live = _live(situation)
    existing = {n.lower(): n for n in (*live.raw, *live.every_alias)}
    problems = []
    for step in situation.plan.steps:
        if isinstance(step.change, CreateCollection):
            name = step.change.collection
            other = existing.get(name.lower())
            if other is not None and other != name:
                problems.append(f"{name} differs only in case from {other}, which exists in the cluster")
    return problems


def permitted(situation: Situation) -> list[str]:
    """What the steps and schemactl's own records need, against the caller's roles (no RBAC:
    nothing to check)."""
    live, permissions = _live(situation), situation.permissions
    if permissions is None:
        return []
    multi_tenant = {n for n, body in live.raw.items() if multi_tenant_json(body)}
    copies = any(s.change.moves_data for s in situation.plan.steps)
    records = (LEDGER, CHECKPOINTS) if copies else (LEDGER,)
    sources = {getattr(s.change, "physical", "") for s in situation.plan.steps if s.change.moves_data}
    several_nodes = situation.reader is not None and len(node_statuses(situation.reader) or {}) > 1
    read = {n for n in sources if several_nodes or n in multi_tenant or replicas.replicated(live.raw.get(n))}
    needs = for_the_cluster() + for_bookkeeping(LOCK, records, (CHECKPOINTS,) if copies else ()) \
        + [for_shard_status(p) for p in sorted(read)] + for_plan(situation.plan.steps, set(live.raw), live.aliases, multi_tenant)
    lacking = missing(permissions, needs)
    return [lacking_message(lacking, "this apply") + "; ask an admin to grant them"] if lacking else []


def data_path(situation: Situation) -> list[str]:
    """A step that moves data needs gRPC (address, TLS, credentials): reached before the first
    change, so that a recreate never starts only to fail at its copy."""
    moving = [s for s in situation.plan.steps if s.change.touches_objects]
    if situation.target is None or not moving:
        return []
    try:
        connect(situation.target).close()
    except SchemactlError as error:
        first = moving[0]
        return [(f"step {first.number} {first.change.kind} {first.change.collection} copies data over gRPC, which "
                 f"cannot be used: {error} (schemactl status checks each part; --grpc-url and --ca-cert set where "
                 "gRPC is and what it trusts)")]
    return []


def no_offloaded_tenants(situation: Situation) -> list[str]:
    """A multi-tenant collection to copy with offloaded (FROZEN) tenants cannot be copied whole:
    refused before the first change (the plan refuses it too; this catches tenants frozen since)."""
    if situation.reader is None or situation.live is None:
        return []
    changes = [s.change for s in situation.plan.steps]
    return tenants.offloaded_refusals(situation.reader, changes, situation.live.raw)


# ---- stage "target": a saved plan, before it is shown ---------------------------------------

def made_for_here(situation: Situation) -> list[str]:
    """A plan made for another cluster or environment (a saved plan): refused before anything is
    read, or shown as changes to make here."""
    plan, target = situation.plan, situation.target
    if target is None:
        return []
    if endpoint(plan.target) != target.cluster:
        return [f"this plan was made for {endpoint(plan.target)}, not {target.cluster}: plan against this cluster"]
    here = target.environment.name if target.environment else None
    if plan.environment != here:
        made = f"environment {plan.environment}" if plan.environment else "no environment"
        now = f"environment {here}" if here else "without --env"
        return [(f"this plan was made for {made}, not {now}: its collection settings are that environment's; "
                "plan in this one")]
    return []


# ---- stage "locked" ----------------------------------------------------------------------------

def fresh(situation: Situation) -> list[str]:
    """A plan runs only on the cluster it was made for, unchanged since, and only if every step
    is what a fresh diff of the plan's own definitions against the live state gives (a saved plan
    edited by hand, checksum recomputed, is refused here). A resumed plan was checked when it
    began; the steps it has left to do still must be what a fresh diff gives (the cluster may
    have been changed by hand since it stopped)."""
    plan, live, target = situation.plan, _live(situation), situation.target
    if target is None:
        return []
    if situation.resumed:
        return _changed_since_it_stopped(situation)
    elsewhere = made_for_here(situation)
    if elsewhere:
        return elsewhere
    if fingerprint_live(live.raw, live.every_alias) != plan.live_fingerprint:
        return [f"the cluster changed since this plan was made{_what_changed(situation)}: plan again"]
    odd = _not_fresh(situation)
    if not odd:
        return []
    listed = ", ".join(f"step {s.number} {s.change.kind} {s.change.collection}" for s in odd)
    if plan.made_by != __version__:
        return [(f"{listed} of this plan is not what this release of schemactl ({__version__}) plans from the live "
                 f"cluster and the plan's own definitions; the plan was made by schemactl {plan.made_by or 'an earlier release'}: "
                 "plan again with this release")]
    return [(f"{listed} of this plan is not what the live cluster and the plan's own definitions give (was it "
             "made with a key that may not ask what the server changes in place? its plan warned so; else, was "
             "the plan file edited?): plan again")]


def _not_fresh(situation: Situation) -> list:
    """The plan's steps a fresh diff of its own definitions against the live state does not give."""
    expected = [without_measurements(change_document(c)) for c in _fresh_changes(situation)]
    return [s for s in situation.plan.steps if without_measurements(change_document(s.change)) not in expected]


def _what_changed(situation: Situation) -> str:
    """For a cluster changed since the plan: which of its steps that changes, if any can be told
    without writing (a step a probe decided would be probed again: not told)."""
    if any(v.reason.startswith(PROBED) for s in situation.plan.steps for v in getattr(s.change, "vectors", ())):
        return ""
    try:
        odd = _not_fresh(situation)
    except Exception:  # noqa: BLE001 - only words for a refusal that stands either way
        return ""
    if not odd:
        return " (its steps would be the same: a collection, alias or setting they do not touch differs)"
    return f" ({', '.join(f'step {s.number} {s.change.kind} {s.change.collection}' for s in odd)} would now differ)"


def _changed_since_it_stopped(situation: Situation) -> list[str]:
    """The copies of a resumed plan not done yet, and not past their cutover (the alias moved: what
    is left of them is finishing), that would no longer carry what a fresh diff carries: the same
    source, the same properties and vectors moved, kept or dropped (a property added to the source
    by hand since the run stopped would be lost). Other differences (a reference now aimed at a
    version an earlier step of this run made) are the run's own doing."""
    plan, live = situation.plan, _live(situation)
    left = [s.change for s in plan.steps if s.number not in situation.done and isinstance(s.change, RecreateCollection)
            and live.aliases.get(s.change.collection) in (None, s.change.physical)]
    if not left:
        return []
    fresh = {c.collection: _carried(c) for c in _fresh_changes(situation) if isinstance(c, RecreateCollection)}
    odd = [c for c in left if fresh.get(c.collection) != _carried(c)]
    if not odd:
        return []
    listed = ", ".join(f"recreate {c.collection}" for c in odd)
    return [(f"the cluster changed since this plan's interrupted run stopped: {listed} would no longer move what the "
             "live cluster and the plan's own definitions give: plan again")]


def _carried(change: RecreateCollection) -> tuple:
    """What a copy takes from where: its source, and each property and vector it moves or drops."""
    return change.physical, change.property_moves, change.vectors, change.definition


def _fresh_changes(situation: Situation) -> tuple:
    """The changes a diff of the plan's own definitions against the live state gives, with and
    without backfill (a plan made with or without --no-backfill: each step is one of the two)."""
    plan, reader = situation.plan, _reader(situation)
    known = _known(situation)
    live, desired, changes = changes_on(reader, known, lambda after: desired_from_plan(plan, after), prune=True)
    backfilled = with_backfill(changes, live.collections, desired, live.physical, backfill_candidates(changes))
    candidates = (*changes, *stopped_copies(known, live, changes, desired), *backfilled,
                  *stopped_copies(known, live, backfilled, desired))
    if any(v.reason.startswith(PROBED) for s in plan.steps for v in getattr(s.change, "vectors", ())):
        candidates, _ = probed_once(reader, candidates)  # reuse decided by a probe: probe again
    return candidates


def counted_again(situation: Situation) -> list[str]:
    """The limits (--max-reembed, the policy) hold for what apply moves now: each re-embedding
    step's objects counted again. The data may have grown since the plan, and a saved plan's
    numbers may have been edited (its checksum catches accidents; it is not a signature)."""
    if situation.resumed:
        return []
    plan, live, reader = situation.plan, _live(situation), _reader(situation)
    by_physical = {p: live.collections[n] for n, p in live.physical.items()}
    steps, grew = [], False
    for step in plan.steps:
        c, saved = step.change, step.estimate or Estimate()  # a plan without its numbers is counted all the same
        if isinstance(c, RecreateCollection) and c.reembeds and c.physical in by_physical:
            now = estimate(reader, c.physical, by_physical[c.physical], embedded_text(c, by_physical[c.physical]))
            if now.objects > saved.objects:
                grew = True
                step = replace(step, estimate=replace(saved, objects=now.objects, per_tenant=now.per_tenant,
                                                      text_chars=max(now.text_chars, saved.text_chars)))
        steps.append(step)
    if not grew:
        return []
    counted = replace(situation, plan=replace(plan, steps=tuple(steps)))
    return [f"counted again before applying: {p}" for p in reembed_limit(counted) + within_policy(counted)]


def carried_out_whole(situation: Situation) -> list[str]:
    return blocking_problems(situation.plan, _managed(situation).collections)


def blocking_problems(plan: Plan, live: dict[str, Collection]) -> list[str]:
    """What makes a plan impossible to carry out whole: references a recreate would leave pointing
    at an old version."""
    problems = []
    recreated = {s.change.collection: s.change for s in plan.steps if isinstance(s.change, RecreateCollection)}
    # live name -> its recreate: a collection the plan renames goes by its old name in the cluster
    by_live_name = recreated | {c.definition.renamedFrom: c for c in recreated.values() if c.definition.renamedFrom}
    deleted = {s.change.collection for s in plan.steps if isinstance(s.change, DeleteCollection)}
    for name, change in recreated.items():
        own = {name, change.definition.renamedFrom} - {None}
        for other, definition in live.items():
            if other in own or other in deleted or not definition.referenced_collections & own:
                continue  # deleted (--prune): its references go with it
            if other not in by_live_name:  # the plan recreates every referencing collection it has a file for
                problems.append(f"{other} has references to {name} and no file: recreating {name} would "
                                f"leave them pointing at the old version; add a file for {other} so that "
                                "it moves too")
            elif change.physical == name:
                problems.append(f"{other} has references to {name}, a collection made outside schemactl: "
                                f"its first cutover deletes {name}, which {other}'s references name; "
                                "moving both in one apply is not supported yet")
            elif name in by_live_name[other].definition.referenced_collections \
                    and by_live_name[other].collection in change.definition.referenced_collections \
                    and name < by_live_name[other].collection:  # said once
                problems.append(f"{name} and {other} reference each other: recreating both at once would "
                                "leave one pointing at the other's old version")
    return problems + _unreadable_links(recreated, live)


def _unreadable_links(recreated: dict[str, RecreateCollection], live: dict[str, Collection]) -> list[str]:
    """A multi-tenant collection's multi-target links to a collection without tenants: Weaviate fails
    every read of them (weaviate/weaviate#7281), and the copy reads them to carry them (single-
    target ones it reads as stored)."""
    return [f"{name}.{p.name} links {', '.join(without)}, which has no tenants, from a multi-tenant collection in a "
            "multi-target reference: Weaviate fails every gRPC read of such links (weaviate/weaviate#7281), so no "
            "copy can carry them; keep the collection as it is, or make the reference single-target"
            for name, change in sorted(recreated.items()) if change.definition.multi_tenant
            for p in change.definition.properties if p.is_multi_target
            if (without := [t for t in p.data_types if t in live and not live[t].multi_tenant])]


EXAMPLES = 3  # refused values named in a refusal


def convertible(situation: Situation) -> list[str]:
    """Every retyped property's values convert, or the file says what becomes of those that do
    not (read at plan time: nothing is created for a conversion bound to fail)."""
    steps = situation.plan.steps
    return [p for step in steps for p in unconvertible(step)] + skipped_yet_referenced(steps)


def skipped_yet_referenced(steps: Sequence[Step]) -> list[str]:
    """Objects a recreate leaves out (skipObject) in a collection whose referrers follow it: a
    referrer's copy would link to objects the new version does not hold, and the server refuses
    such links halfway through the plan."""
    referrers = {step.change.collection: step.change.definition.referenced_collections for step in steps
                 if isinstance(step.change, RecreateCollection)}
    problems = []
    for step in steps:
        change = step.change
        checks = {v.property: v for v in (step.estimate.values if step.estimate else ())}
        skipping = [m for m in getattr(change, "property_moves", ()) if m.on_error == "skipObject"
                    and checks.get(m.source) is not None and checks[m.source].failing]
        links_itself = isinstance(change, RecreateCollection) and any(
            p.is_reference and change.collection in p.data_types for p in change.definition.properties)
        by = sorted(name for name, targets in referrers.items() if change.collection in targets and
                    name != change.collection) + (["its own objects"] if links_itself else [])
        if skipping and by:
            left_out = sum(checks[m.source].failing for m in skipping)
            problems.append(f"{change.collection}: onConvertError skipObject leaves out {left_out:,} object(s), and "
                            f"references of {', '.join(by)} may point at them (the new version's copies would link "
                            "to objects it does not hold, which the server refuses halfway through): say "
                            "onConvertError: null, or fix the values")
    return problems


def unconvertible(step: Step) -> list[str]:
    """A retyped property schemactl cannot convert, or whose stored values (read at plan time)
    do not all convert while the file says nothing of what to do with them."""
    change = step.change
    if not isinstance(change, RecreateCollection):
        return []
    problems = []
    checks = {v.property: v for v in (step.estimate.values if step.estimate else ())}
    for move in change.property_moves:
        where = f"{change.collection}.{move.source}"
        if move.conversion == "unsupported":
            problems.append(f"{where}: {move.old_type} -> {move.new_type}: {move.reason}")
        check = checks.get(move.source)
        if move.conversion == "parsing" and move.on_error == "refuse" and check and check.failing:
            shown = ", ".join(f"{uuid}: {why}" if why else uuid for uuid, _, why in check.examples[:EXAMPLES])
            problems.append(
                f"{where}: {check.failing:,} of {check.held:,} value(s) do not convert from {move.old_type} to "
                f"{move.new_type} ({shown}{', ...' if check.failing > EXAMPLES else ''}); fix the data, or say in "
                f"the file what becomes of them: onConvertError: null (the object keeps no value) or skipObject "
                "(the object is not copied)")
    return problems


def every_node_up(situation: Situation) -> list[str]:
    """A replicated recreate needs every node (copies write at ALL; the cutover waits for every
    replica)."""
    moving = moving_replicated_data([s.change for s in situation.plan.steps])
    down = nodes_down(_reader(situation)) if moving else {}
    if not down:
        return []
    return [(f"{describe_down(down)}: moving the data of {', '.join(c.collection for c in moving)} needs every "
             "node (each replica of the new version must hold every object); start it again or remove it from the "
             "cluster, then apply")]


GUARDS: tuple[tuple[str, Guard], ...] = (
    ("target", made_for_here),
    ("plan", convertible),
    ("plan", reembed_limit),
    ("plan", within_policy),
    ("plan", destructive_allowed),
    ("cluster", name_clashes),
    ("cluster", permitted),
    ("cluster", data_path),
    ("cluster", no_offloaded_tenants),
    ("locked", fresh),
    ("locked", counted_again),
    ("locked", carried_out_whole),
    ("locked", every_node_up),
)


def refuse(stage: str, situation: Situation) -> None:
    """Run the guards of `stage` in order; Refused with all they found."""
    problems = [p for at, guard in GUARDS if at == stage for p in guard(situation)]
    if problems:
        raise Refused("; ".join(problems) + "; nothing was applied")


def read_for_guards(situation: Situation) -> Situation:
    """The caller's permissions (asked for once) and the cluster as the "cluster" stage sees it:
    read only if the caller may read all of it (a partial view would make the checks wrong)."""
    situation.permissions = own_permissions(_reader(situation))
    situation.live = read_cluster(_reader(situation), situation.permissions)
    return situation


def _reader(situation: Situation) -> RestClient:
    assert situation.reader is not None, "a cluster guard without a reader"
    return situation.reader


def _managed(situation: Situation) -> LiveState:
    """The live state as the ledger says schemactl manages it."""
    return _known(situation).live


def _known(situation: Situation) -> Managed:
    """The cluster as the ledger says schemactl manages it (planning.managed), read once for each
    state the guards look at."""
    live = _live(situation)
    if situation.known is None or situation.known.source is not live:
        situation.known = managed(_reader(situation), live)
    return situation.known


def _live(situation: Situation) -> LiveState:
    assert situation.live is not None, "a cluster guard without the live state"
    return situation.live
