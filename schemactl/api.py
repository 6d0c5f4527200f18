"""The library API the CLI stands on: plan, apply, pull, roll back, tenants. A facade: planning, guards, the
apply session and the admin commands live in their own modules."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from . import extra_aliases, tenants, versions
from .apply import guards, session
from .apply.guards import Limits, Situation
from .apply.session import ApplyOptions
from .admin import (Rollback, check_droppable, drop_versions, force_unlock, history, old_versions, left_behind_versions,  # noqa: F401 - the library's API
                    rollback)
from .planning import InvalidFiles, compute_plan, read_cluster  # noqa: F401 - the library's API
from .connection import Target
from .errors import SchemactlError
from .live import (
    LiveState,
    RestClient,
    unrepresentable,
)
from .naming import logical_of
from .plan import INAPPLICABLE, Plan
from .tenants import Outcome, Tenant, Where


def pull(target: Target, names: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """YAML text per live collection (logical name), server defaults left out; and the
    collections left out because schemactl cannot represent them (name -> why)."""
    import yaml

    from .normalize import minimal

    from .planning import managed

    with RestClient(target) as reader:
        live = managed(reader, read_cluster(reader)).live  # not a renamed collection's old versions
    hidden = unrepresentable(live)
    refused = [n for n in names if n in hidden]
    if refused:
        raise SchemactlError("; ".join(f"cannot pull {n}: schemactl cannot represent it yet ({hidden[n]})"
                                       for n in refused))
    missing = [n for n in names if n not in live.collections]
    aliased = [f"{n} is not a collection: {said}" for n in missing if (said := extra_aliases.what_it_is(live, n))]
    if aliased:
        raise SchemactlError("; ".join(aliased))
    as_versions = [f"{n} is the version of {logical} its alias serves: pull {logical}"
                   if live.physical.get(logical) == n else
                   f"{n} is an older version of {logical} (kept for rollback, or a copy under way): pull {logical}"
                   for n in missing if (logical := logical_of(n)) in live.collections
                   and (live.physical.get(logical) == n or n in live.retained.get(logical, ()))]
    if as_versions:
        raise SchemactlError("; ".join(as_versions))
    if missing:
        known = ", ".join(sorted(live.collections)) or "none"
        raise SchemactlError(f"no collection named {', '.join(missing)} in the cluster (it has: {known})")
    out = {}
    derived = versions.has("async_replication_from_factor", live.version)  # else asyncEnabled is the collection's
    for name in names or sorted(live.collections):
        data = minimal(live.collections[name], derived).model_dump(mode="json", exclude_none=True)
        out[name] = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    return out, ({} if names else hidden)


def applied_at(target: Target, checksum: str) -> str:
    """When the plan with `checksum` was applied, per the ledger; "" when it was not (or no ledger)."""
    from .state import last_record_for

    with RestClient(target) as reader:
        record = last_record_for(reader, checksum)
    return (record.finishedAt or record.startedAt or "") if record and record.result == "applied" else ""


def check_reembedding(plan: Plan, max_reembed: int | None) -> None:
    """`plan --max-reembed`: the one guard a plan is refused by (Refused). A plan changes nothing, so
    the refusal does not end as apply's does ("nothing was applied")."""
    problems = guards.reembed_limit(Situation(plan, Limits(max_reembed=max_reembed)))
    if problems:
        raise guards.Refused("; ".join(problems))


def check_convertible(plan: Plan, live: LiveState | None = None) -> None:
    """`plan`: what apply would refuse of the plan itself refuses it (Refused): a retyped property
    whose stored values do not all convert (guards.convertible), and, given the live state it was
    made against, references a recreate would leave pointing at an old version
    (guards.blocking_problems)."""
    reason = why_inapplicable(plan, live)
    if reason:
        raise guards.Refused(reason)


def why_inapplicable(plan: Plan, live: LiveState | None = None) -> str | None:
    """What check_convertible refuses the plan for, or None: for a plan shown before it is refused."""
    problems = guards.convertible(Situation(plan, Limits()))
    problems += guards.blocking_problems(plan, live.collections) if live is not None else []
    return INAPPLICABLE + "; ".join(problems) if problems else None


def check_plan(plan: Plan, limits: Limits) -> None:
    """The guards that need the plan only (Refused): what apply refuses before it reads the
    cluster; the CLI asks before it asks for confirmation. `apply` runs them again itself."""
    guards.refuse("plan", Situation(plan, limits))


def with_callers_warnings(plan: Plan, target: Target) -> Plan:
    """A saved plan with the warnings that depend on who applies it made again for this caller
    (when the bearer token given expires), and without the planner's own (its key may not ask
    what the server changes in place: apply checks the plan against what this caller's may)."""
    from dataclasses import replace

    from .plan_warnings import TOKEN_WARNING, UNASKED_WARNING, expiring_token_warning

    kept = tuple(w for w in plan.warnings if not w.startswith(TOKEN_WARNING) and UNASKED_WARNING not in w)
    return replace(plan, warnings=kept + expiring_token_warning(target, [s.change for s in plan.steps]))


def check_made_for(plan: Plan, target: Target) -> None:
    """A saved plan made for another cluster or environment (Refused), before it is shown as
    changes to make here. `apply` refuses it again itself."""
    guards.refuse("target", Situation(plan, Limits(), target))


def apply(plan: Plan, checksum: str, target: Target, options: ApplyOptions | None = None):
    """Execute `plan` under the cluster's lock, recorded in the ledger; returns the executor's
    Report. Every guard (apply.guards.GUARDS) runs first, for every caller: Refused names what is
    wrong and nothing changes. A plan whose earlier run was interrupted resumes."""
    return session.run(plan, checksum, target, options or ApplyOptions())


T = TypeVar("T")


def list_tenants(target: Target, name: str) -> tuple[Where, list[Tenant]]:
    """The tenants of the multi-tenant collection `name` (alias or physical name) and where they are."""
    def listing(reader: RestClient, where: Where) -> tuple[Where, list[Tenant]]:
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


def _on_tenants(target: Target, name: str, work: Callable[[RestClient, Where], T]) -> T:
    """`work` on the collection `name` stands for, through one REST reader."""
    with RestClient(target) as reader:
        return work(reader, tenants.resolve(reader, name))
